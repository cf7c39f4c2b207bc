"""Starting points for common micro-surveys; each validates as a publishable definition.
Their open questions ask for sentences, so each gets a several-line box (``long``)."""

from __future__ import annotations

from typing import Any


def _end_after(*question_ids: str) -> list[dict[str, Any]]:
    return [{"from": q, "jump_to": "end"} for q in question_ids]


TEMPLATES: dict[str, dict[str, Any]] = {
    "nps": {
        "name": "Net Promoter Score with follow-up",
        "description": "0-10 likelihood to recommend; detractors are asked what disappointed "
                       "them, promoters what they love.",
        "definition": {
            "questions": [
                {"id": "score", "type": "nps", "required": True,
                 "title": "How likely are you to recommend us to a friend or colleague?",
                 "lower_label": "Not at all likely", "upper_label": "Extremely likely"},
                {"id": "disappointed", "type": "open_text", "long": True,
                 "title": "What disappointed you?"},
                {"id": "improve", "type": "open_text", "long": True,
                 "title": "What would make it a 10?"},
                {"id": "love", "type": "open_text", "long": True,
                 "title": "What do you love most?"},
            ],
            "logic": [
                {"from": "score", "when": {"op": "lte", "value": 6}, "jump_to": "disappointed"},
                {"from": "score", "when": {"op": "gte", "value": 9}, "jump_to": "love"},
                {"from": "score", "jump_to": "improve"},
                *_end_after("disappointed", "improve"),
            ],
            "targeting": {"trigger": {"type": "page_view"}, "sampling": 100,
                          "recontact_days": 90},
            "thank_you": {"title": "Thank you!", "body": "Your feedback shapes what we build."},
        },
    },
    "csat_support": {
        "name": "Customer satisfaction after support",
        "description": "1-5 satisfaction with a support conversation and one open question.",
        "definition": {
            "questions": [
                {"id": "csat", "type": "csat", "required": True,
                 "title": "How satisfied are you with the help you received?",
                 "lower_label": "Very unsatisfied", "upper_label": "Very satisfied"},
                {"id": "why", "type": "open_text", "long": True,
                 "title": "What could we have done better?"},
            ],
            "logic": [{"from": "csat", "when": {"op": "gte", "value": 4}, "jump_to": "end"}],
            "targeting": {"trigger": {"type": "event", "name": "support_ticket_closed"}},
        },
    },
    "ces_onboarding": {
        "name": "Customer effort after onboarding",
        "description": "1-7 ease of getting started, asked when onboarding completes.",
        "definition": {
            "questions": [
                {"id": "ease", "type": "ces", "required": True,
                 "title": "How easy was it to get started?",
                 "lower_label": "Very difficult", "upper_label": "Very easy"},
                {"id": "hardest", "type": "open_text", "long": True,
                 "title": "What was the hardest part?"},
            ],
            "targeting": {"trigger": {"type": "event", "name": "onboarding_completed"}},
        },
    },
    "feature_feedback": {
        "name": "Feature feedback",
        "description": "Rating of one feature, how often it is used and what to improve.",
        "definition": {
            "questions": [
                {"id": "rating", "type": "rating", "scale": 5, "style": "stars", "required": True,
                 "title": "How would you rate this feature?"},
                {"id": "frequency", "type": "single_choice", "title": "How often do you use it?",
                 "choices": [{"id": "daily", "label": "Every day"},
                             {"id": "weekly", "label": "Every week"},
                             {"id": "rarely", "label": "Rarely"}]},
                {"id": "improve", "type": "open_text", "long": True,
                 "title": "What should we improve?"},
            ],
            "targeting": {"trigger": {"type": "scroll", "percent": 60}, "sampling": 50},
        },
    },
    "exit": {
        "name": "Churn / exit survey",
        "description": "Why someone is leaving, with an optional explanation.",
        "definition": {
            "questions": [
                {"id": "reason", "type": "single_choice", "required": True,
                 "title": "What is the main reason you are leaving?", "other": True,
                 "choices": [{"id": "price", "label": "Too expensive"},
                             {"id": "missing", "label": "Missing features"},
                             {"id": "hard", "label": "Too hard to use"},
                             {"id": "switch", "label": "Switching to another product"}]},
                {"id": "details", "type": "open_text", "long": True,
                 "title": "Anything we could have done to keep you?"},
            ],
            "targeting": {"trigger": {"type": "exit_intent"},
                          "display_limit": {"mode": "once"}},
        },
    },
    "relevance": {
        "name": "Content relevance rating",
        "description": "A quick 1-5 rating of how relevant a page was.",
        "definition": {
            "questions": [
                {"id": "relevance", "type": "rating", "scale": 5, "style": "numbers",
                 "required": True, "title": "How relevant was this page to you?"},
            ],
            "targeting": {"trigger": {"type": "delay", "seconds": 30}, "sampling": 20},
        },
    },
}
