"""Branching rules in words (#27): the editor shows "If “How likely …” is 4 or more, go to
“What could we improve?”" instead of ``score gte 4 -> improve``. Question texts replace
ids, choice labels replace choice ids; the stored rule is unchanged."""

from __future__ import annotations

from typing import Any

from surveyapp.surveys.definition import END

SHORT = 60  # characters of a question's text in a rule before it is cut with "…"


def short(text: str, limit: int = SHORT) -> str:
    """At most ``limit`` characters, cut at a word where there is one near the end."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def question_label(q: dict[str, Any] | None, qid: Any = None) -> str:
    """A question as people know it: its text, or for one without text yet its id."""
    if q is None:
        return f"question “{qid}” (missing)"
    title = q.get("title")
    return f"“{short(title)}”" if isinstance(title, str) and title.strip() else f"question “{q.get('id')}”"


def _value(q: dict[str, Any] | None, value: Any) -> str:
    if q is not None and q.get("type") in ("single_choice", "multiple_choice"):
        labels = {c.get("id"): c.get("label") for c in q.get("choices") or [] if isinstance(c, dict)}
        if value == "other" and q.get("other"):
            return "“Other”"
        if value in labels and labels[value]:
            return f"“{short(str(labels[value]), 40)}”"
    if isinstance(value, bool):
        return "ticked" if value else "not ticked"
    if isinstance(value, int | float):
        return f"{value:g}"
    return f"“{value}”"


def _values(q: dict[str, Any] | None, values: Any, last: str) -> str:
    items = [_value(q, v) for v in (values if isinstance(values, list) else [values])]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


def condition_words(q: dict[str, Any] | None, when: dict[str, Any]) -> str:
    """"is 4 or more", "is “Too expensive” or “Missing features”", "is answered"."""
    op, value = when.get("op"), when.get("value")
    if q is not None and q.get("type") == "consent" and op == "eq":
        return "is ticked" if value else "is not ticked"
    multi = q is not None and q.get("type") == "multiple_choice"
    phrases = {
        "lte": lambda: f"is {_value(q, value)} or less",
        "lt": lambda: f"is less than {_value(q, value)}",
        "gte": lambda: f"is {_value(q, value)} or more",
        "gt": lambda: f"is more than {_value(q, value)}",
        "eq": lambda: f"is {_value(q, value)}",
        "neq": lambda: f"is not {_value(q, value)}",
        "in": lambda: (f"includes {_values(q, value, 'or')}" if multi
                       else f"is {_values(q, value, 'or')}"),
        "not_in": lambda: (f"includes none of {_values(q, value, 'and')}" if multi
                           else f"is neither {_values(q, value, 'nor')}"
                           if isinstance(value, list) and len(value) > 1
                           else f"is not {_values(q, value, 'or')}"),
        "contains": lambda: (f"includes {_value(q, value)}" if multi
                             else f"contains {_value(q, value)}"),
        "answered": lambda: "is answered",
        "skipped": lambda: "is skipped",
    }
    phrase = phrases.get(str(op))
    return phrase() if phrase else f"matches {op} {value!r}"


def rule_words(rule: dict[str, Any], questions: list[dict[str, Any]]) -> str:
    """One rule as a sentence, e.g. "After “How likely …”: if the answer is 6 or less, go
    to “What went wrong?”"."""
    by_id = {q.get("id"): q for q in questions if isinstance(q, dict)}
    source = by_id.get(rule.get("from"))
    target = rule.get("jump_to")
    goes = "end the survey" if target == END else f"go to {question_label(by_id.get(target), target)}"
    after = f"After {question_label(source, rule.get('from'))}"
    when = rule.get("when")
    if not isinstance(when, dict):
        return f"{after}: always {goes}."
    subject_id = when.get("question", rule.get("from"))
    subject = by_id.get(subject_id)
    same = subject_id == rule.get("from")
    if when.get("op") in ("answered", "skipped"):  # "if it is skipped", not "the answer is"
        who = "it" if same else question_label(subject, subject_id)
    else:
        who = "the answer" if same else f"the answer to {question_label(subject, subject_id)}"
    return f"{after}: if {who} {condition_words(subject, when)}, {goes}."
