"""The demo workspace's surveys, in the documented survey format."""

from __future__ import annotations

from typing import Any

END_AFTER = [{"when": {"op": "answered"}, "jump_to": "end"},
             {"when": {"op": "skipped"}, "jump_to": "end"}]


def _end_after(question_id: str) -> list[dict[str, Any]]:
    return [{"from": question_id, **rule} for rule in END_AFTER]


PRODUCT_NPS: dict[str, Any] = {
    "questions": [
        {"id": "score", "type": "nps", "required": True,
         "title": "How likely are you to recommend Acme Analytics to a friend or colleague?",
         "lower_label": "Not at all likely", "upper_label": "Extremely likely",
         "translations": {"de": {"title": "Wie wahrscheinlich ist es, dass Sie Acme Analytics "
                                          "weiterempfehlen?"}}},
        {"id": "disappointed", "type": "open_text", "title": "What disappointed you?",
         "long": True, "required": False},
        {"id": "improve", "type": "open_text", "title": "What would make it a 10 for you?",
         "required": False},
        {"id": "love", "type": "open_text", "title": "What do you love most?", "required": False},
    ],
    "logic": [
        {"from": "score", "when": {"op": "lte", "value": 6}, "jump_to": "disappointed"},
        {"from": "score", "when": {"op": "gte", "value": 9}, "jump_to": "love"},
        {"from": "score", "when": {"op": "lte", "value": 8}, "jump_to": "improve"},
        *_end_after("disappointed"),
        *_end_after("improve"),
    ],
    "targeting": {"urls": [{"match": "starts_with", "value": "/app"}],
                  "trigger": {"type": "page_view"}, "sampling": 50, "recontact_days": 30},
    "appearance": {"position": "bottom-right", "brand_color": "#4f46e5", "theme": "auto"},
    "thank_you": {"title": "Thank you!", "body": "Your feedback goes straight to our product team."},
    "default_locale": "en", "locales": ["en", "de"],
}

ONBOARDING_CES: dict[str, Any] = {
    "questions": [
        {"id": "ease", "type": "ces", "required": True,
         "title": "How easy was it to set up your first dashboard?",
         "lower_label": "Very difficult", "upper_label": "Very easy"},
        {"id": "hardest", "type": "open_text", "title": "What was the hardest part?",
         "required": False},
    ],
    "logic": [],
    "targeting": {"urls": [{"match": "contains", "value": "/onboarding/done"}],
                  "trigger": {"type": "event", "name": "onboarding_completed"}, "sampling": 100},
    "appearance": {"position": "center", "brand_color": "#0f766e", "theme": "light"},
    "thank_you": {"title": "Thanks!", "body": "We use this to make setup easier."},
}

DASHBOARDS_FEEDBACK: dict[str, Any] = {
    "questions": [
        {"id": "satisfaction", "type": "csat", "required": True,
         "title": "How satisfied are you with dashboards?"},
        {"id": "frequency", "type": "single_choice", "required": True,
         "title": "How often do you use dashboards?",
         "choices": [{"id": "daily", "label": "Every day"}, {"id": "weekly", "label": "Every week"},
                     {"id": "monthly", "label": "Every month"}, {"id": "rarely", "label": "Rarely"}]},
        {"id": "improve", "type": "multiple_choice", "required": False,
         "title": "What should we improve?",
         "choices": [{"id": "speed", "label": "Loading speed"}, {"id": "export", "label": "Exports"},
                     {"id": "sharing", "label": "Sharing"}, {"id": "mobile", "label": "Mobile view"},
                     {"id": "charts", "label": "Chart types"}], "other": True},
        {"id": "comment", "type": "open_text", "title": "Anything else about dashboards?",
         "required": False},
    ],
    "logic": [],
    "targeting": {"urls": [{"match": "starts_with", "value": "/app/dashboards"}],
                  "trigger": {"type": "delay", "seconds": 20}, "sampling": 25},
    "appearance": {"position": "bottom-left", "brand_color": "#4f46e5", "theme": "auto"},
    "thank_you": {"title": "Thank you!", "body": "We read every answer."},
}

BETA_SIGNUP: dict[str, Any] = {
    "questions": [
        {"id": "interest", "type": "single_choice", "required": True,
         "title": "Which beta would you like to join?",
         "choices": [{"id": "ai", "label": "AI insights"}, {"id": "alerts", "label": "Smart alerts"}]},
        {"id": "consent", "type": "consent", "required": True,
         "title": "I agree to be contacted about the beta programme."},
    ],
    "logic": [],
    "thank_you": {"title": "You're on the list!", "body": "We'll be in touch."},
}
