"""The editor's translation form: each question's texts per language beside the default
language's, the widget's own words per language, and what is still missing before
publishing (docs/survey-format.md, Appearance and languages).

Publishing with missing strings is allowed and warns with the list: respondents in that
language see the default language's text (the widget falls back), which is better than
a survey that cannot go live; the editor shows the same list before publishing.
"""

from __future__ import annotations

import copy
from typing import Any

from surveyapp.surveys.questions import QUESTION_TYPES, clean_text
from surveyapp.widget_strings import CATALOGUE, EN, WIDGET_KEYS, language

LABELS = {"title": "Title", "description": "Description", "lower_label": "Lowest label",
          "upper_label": "Highest label", "placeholder": "Placeholder"}


def other_locales(definition: dict[str, Any]) -> list[str]:
    default = definition.get("default_locale") or "en"
    return [loc for loc in definition.get("locales") or [] if isinstance(loc, str)
            and loc != default]


def texts(q: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(form field name, label, the default language's text) for each translatable text."""
    cls = QUESTION_TYPES.get(q.get("type") or "")
    if cls is None or q.get("type") == "hidden":
        return []
    out = [(key, LABELS.get(key, key.replace("_", " ").capitalize()), q[key])
           for key in cls.translatable if isinstance(q.get(key), str) and q[key]]
    out += [(f"choice.{c['id']}", f"Choice “{c['label']}”", c["label"])
            for c in q.get("choices") or [] if isinstance(c, dict) and "id" in c]
    return out


def current(q: dict[str, Any], loc: str, name: str) -> str:
    t = (q.get("translations") or {}).get(loc) or {}
    if name.startswith("choice."):
        return str((t.get("choices") or {}).get(name[7:], ""))
    return str(t.get(name, ""))


def widget_missing(definition: dict[str, Any], loc: str) -> list[str]:
    """The widget's words with no text in ``loc``: the catalogue has none for its
    language and the survey overrides none."""
    if language(loc) in CATALOGUE or loc in CATALOGUE or language(loc) == "en":
        return []
    overrides = (definition.get("strings") or {}).get(loc) or {}
    return [k for k in WIDGET_KEYS if not overrides.get(k)]


def _named(number: int, q: dict[str, Any]) -> str:
    """A question as people know it: its number and the start of its title, not its id."""
    title = str(q.get("title") or q.get("id") or "")
    return f"Q{number} ({title[:40].rstrip()}{'…' if len(title) > 40 else ''})"


def missing(definition: dict[str, Any]) -> dict[str, list[str]]:
    """Per language other than the default: the texts not translated yet."""
    out: dict[str, list[str]] = {}
    for loc in other_locales(definition):
        gaps = [f"{_named(n, q)}: {label.lower()}"
                for n, q in enumerate(definition.get("questions") or [], 1)
                if isinstance(q, dict) for name, label, _ in texts(q) if not current(q, loc, name)]
        if widget_missing(definition, loc):
            gaps.append(f"the widget's own words ({len(widget_missing(definition, loc))}: "
                        f"{', '.join(widget_missing(definition, loc)[:3])}, ...)")
        if gaps:
            out[loc] = gaps
    return out


def with_question_texts(definition: dict[str, Any], index: int, loc: str,
                        form: Any) -> dict[str, Any]:
    """The draft with question ``index``'s ``loc`` texts from the posted form (an empty
    field removes that translation); checked by the type's own translation rules."""
    draft = copy.deepcopy(definition)
    q = draft["questions"][index]
    entry: dict[str, Any] = {}
    for name, _, _ in texts(q):
        value = clean_text(str(form.get(name, "")))[:2000]
        if not value:
            continue
        if name.startswith("choice."):
            entry.setdefault("choices", {})[name[7:]] = value
        else:
            entry[name] = value
    translations = dict(q.get("translations") or {})
    if entry:
        translations[loc] = entry
    else:
        translations.pop(loc, None)
    cls = QUESTION_TYPES[q["type"]]
    q["translations"] = cls.validate_translations(translations, q, f"question {q['id']!r}")
    if not q["translations"]:
        q.pop("translations")
    return draft


def with_widget_texts(definition: dict[str, Any], loc: str, form: Any) -> dict[str, Any]:
    draft = copy.deepcopy(definition)
    texts_ = {k: clean_text(str(form.get(k, "")))[:1000] for k in WIDGET_KEYS}
    texts_ = {k: v for k, v in texts_.items() if v and v != EN.get(k)}
    strings = dict(draft.get("strings") or {})
    if texts_:
        strings[loc] = texts_
    else:
        strings.pop(loc, None)
    if strings:
        draft["strings"] = strings
    else:
        draft.pop("strings", None)
    return draft
