"""The survey definition: validation when a survey is published, the path a respondent
takes through its branching, answer validation for the collection API, and a readable
list of what changed between two versions.

A definition is a JSON object (see docs/survey-format.md)::

    {"questions": [...], "logic": [...], "targeting": {...}, "appearance": {...},
     "thank_you": {...}, "default_locale": "en", "locales": ["en", "de"]}

Logic rules are evaluated in order after a question is answered; the first rule whose
``when`` matches decides where to go (``jump_to`` a later question or ``"end"``); with
no match the next question follows. Jumps may only go forward, so no path can loop and
every path reaches the end.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from surveyapp.surveys.errors import AnswerError, DefinitionError, InvalidResponse
from surveyapp.surveys.question_base import ID_RE, LOCALE_RE, QuestionType, _str
from surveyapp.surveys.questions import QUESTION_TYPES, question

__all__ = ["DefinitionError", "InvalidResponse", "LOCALE_RE", "describe_changes", "pages_of",
           "path", "validate_definition", "validate_response", "variables"]

HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_QUESTIONS = 50
MAX_RULES = 200
END = "end"

NUMERIC_OPS = {"eq", "neq", "lt", "lte", "gt", "gte"}
PRESENCE_OPS = {"answered", "skipped"}
OPS_BY_SUMMARY = {
    "nps": NUMERIC_OPS | {"in", "not_in"} | PRESENCE_OPS,
    "scale": NUMERIC_OPS | {"in", "not_in"} | PRESENCE_OPS,
    "text": {"contains", "eq", "neq"} | PRESENCE_OPS,
}
CHOICE_OPS = {"eq", "neq", "in", "not_in"} | PRESENCE_OPS
MULTI_OPS = {"contains", "in", "not_in"} | PRESENCE_OPS  # in: any picked; not_in: none picked

URL_MATCHES = ("exact", "contains", "starts_with", "regex")
TRIGGERS = ("page_view", "event", "click", "exit_intent", "scroll", "delay")
ATTRIBUTE_OPS = ("eq", "neq", "contains", "exists", "not_exists", "gt", "lt")
POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left", "center")
THEMES = ("auto", "light", "dark")
DISPLAY_LIMITS = ("once", "until_answered", "times", "always")


def _fail(where: str, reason: str, message: str | None = None) -> DefinitionError:
    return DefinitionError(message or f"{where}: {reason}", {where: reason})


# ----------------------------------------------------------------------------- validation
def validate_definition(definition: Any) -> dict[str, Any]:
    """Return the normalised definition or raise ``DefinitionError`` naming the problem."""
    if not isinstance(definition, dict):
        raise _fail("definition", "must be a JSON object", "A survey definition is a JSON object.")
    known = {"title", "questions", "logic", "targeting", "appearance", "thank_you",
             "default_locale", "locales", "strings", "pages", "variables"}
    extra = sorted(set(definition) - known)
    if extra:
        raise _fail(extra[0], "unknown key", f"Unknown key {extra[0]!r} in the definition "
                    f"(known: {', '.join(sorted(known))}).")
    questions = _questions(definition.get("questions"))
    out: dict[str, Any] = {}
    # The title respondents see (link page, widget); the survey's name stays internal (#27).
    title = _str(definition, "title", "definition", max_len=200)
    if title:
        out["title"] = title
    out["questions"] = questions
    if definition.get("pages") is not None:
        out["pages"] = _pages(definition["pages"], questions)
    if definition.get("variables"):
        out["variables"] = _variables(definition["variables"], questions)
    out["logic"] = _logic(definition.get("logic") or [], questions, out)
    out["targeting"] = _targeting(definition.get("targeting") or {})
    out["appearance"] = _appearance(definition.get("appearance") or {})
    thank_you = definition.get("thank_you") or {}
    if not isinstance(thank_you, dict):
        raise _fail("thank_you", "must be an object with title and body")
    out["thank_you"] = {k: v for k in ("title", "body")
                        if (v := _str(thank_you, k, "thank_you", max_len=1000))}
    default_locale = definition.get("default_locale", "en")
    if not isinstance(default_locale, str) or not LOCALE_RE.match(default_locale):
        raise _fail("default_locale", "a locale like 'en' or 'pt-BR'")
    locales = definition.get("locales") or [default_locale]
    if not isinstance(locales, list) or not all(
            isinstance(loc, str) and LOCALE_RE.match(loc) for loc in locales):
        raise _fail("locales", "a list of locales like 'en' or 'pt-BR'")
    if default_locale not in locales:
        locales = [default_locale, *locales]
    out["default_locale"] = default_locale
    out["locales"] = list(dict.fromkeys(locales))
    if definition.get("strings"):
        out["strings"] = _strings(definition["strings"])
    _check_recall(out)
    return out


def _strings(raw: Any) -> dict[str, dict[str, str]]:
    """Per-locale overrides of the widget's own words ({"de": {"submit": "Abschicken"}})."""
    from surveyapp.widget_strings import EN

    if not isinstance(raw, dict):
        raise _fail("strings", "an object of locales, each an object of texts")
    out: dict[str, dict[str, str]] = {}
    for loc, texts in raw.items():
        if not LOCALE_RE.match(loc) or not isinstance(texts, dict):
            raise _fail(f"strings.{str(loc)[:20]}", "a locale like 'de' with an object of texts")
        for key, text in texts.items():
            if key not in EN:
                raise _fail(f"strings.{loc}.{str(key)[:40]}", "unknown key",
                            f"Unknown widget string {key!r} (known: {', '.join(EN)}).")
            if not isinstance(text, str) or not 0 < len(text) <= 1000:
                raise _fail(f"strings.{loc}.{key}", "a text of 1-1000 characters")
        out[loc] = dict(texts)
    return out


def _questions(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise _fail("questions", "add at least one question", "The survey has no questions.")
    if len(raw) > MAX_QUESTIONS:
        raise _fail("questions", f"at most {MAX_QUESTIONS} questions")
    out, seen = [], set()
    for i, config in enumerate(raw):
        where = f"questions.{i}"
        if not isinstance(config, dict):
            raise _fail(where, "must be an object")
        qid = config.get("id")
        if not isinstance(qid, str) or not ID_RE.match(qid) or qid == END:
            raise _fail(f"{where}.id", "a-z, 0-9 and _ only (not 'end')",
                        f"Question {i + 1}: its id must use a-z, 0-9 and _ only, got {qid!r}.")
        if qid in seen:
            raise _fail(f"{where}.id", "used twice", f"Question id {qid!r} is used twice.")
        seen.add(qid)
        cls = QUESTION_TYPES.get(config.get("type"))  # type: ignore[arg-type]
        if cls is None:
            raise _fail(f"{where}.type", "unknown type",
                        f"Question {qid!r}: unknown type {config.get('type')!r} "
                        f"(one of {', '.join(QUESTION_TYPES)}).")
        out.append(cls.validate_config(config, f"question {qid!r}"))
    if all(q["type"] == "hidden" for q in out):
        raise _fail("questions", "add at least one visible question",
                    "The survey only has hidden fields; add a question to ask.")
    return out


def _logic(raw: Any, questions: list[dict[str, Any]],
           definition: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rules jump forward only: to a later question or, with pages, to the first question
    of a later page. The page of a question counts, so a survey with pages has no cycles
    either (a question without pages is a page of its own)."""
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        raise _fail("logic", f"a list of at most {MAX_RULES} rules")
    definition = definition or {}
    paged = "pages" in definition
    page_no = _page_numbers(definition, questions)
    position = {q["id"]: i for i, q in enumerate(questions)}
    by_id: dict[str, dict[str, Any]] = {q["id"]: q for q in questions}
    for var in definition.get("variables") or []:
        by_id[var["id"]] = {"id": var["id"], "type": "variable", "sum": var["sum"]}
    out = []
    for i, rule in enumerate(raw):
        where = f"logic.{i}"
        if not isinstance(rule, dict):
            raise _fail(where, "must be an object")
        source, target = rule.get("from"), rule.get("jump_to")
        if source not in position:
            raise _fail(f"{where}.from", "unknown question",
                        f"Logic rule {i + 1} starts from {source!r}, which is not a question.")
        if by_id[source]["type"] == "hidden":
            raise _fail(f"{where}.from", "hidden fields are not asked",
                        f"Logic rule {i + 1} starts from hidden field {source!r}; "
                        "use it in a condition of a visible question instead.")
        if target != END and target not in position:
            raise _fail(f"{where}.jump_to", "unknown question",
                        f"Logic rule {i + 1} from {source!r} jumps to {target!r}, "
                        "which is not a question (use 'end' to finish).")
        if target != END and not paged and position[target] <= position[source]:
            raise _fail(f"{where}.jump_to", "jumps can only go forward",
                        f"Logic rule {i + 1} jumps back from {source!r} to {target!r}; jumps "
                        "can only go forward, so a respondent can never loop.")
        if target != END and paged:
            if by_id[target]["type"] == "hidden" or page_no[target] <= page_no[source]:
                raise _fail(f"{where}.jump_to", "jumps can only go to a later page",
                            f"Logic rule {i + 1} jumps from {source!r} (page "
                            f"{page_no[source] + 1}) to {target!r}, which is not on a later "
                            "page; jumps can only go forward, so a respondent can never loop.")
            if _first_of_page(definition, questions, target) != target:
                raise _fail(f"{where}.jump_to", "not the first question of its page",
                            f"Logic rule {i + 1} jumps into the middle of page "
                            f"{page_no[target] + 1} ({target!r}); jump to the page's first "
                            f"question, {_first_of_page(definition, questions, target)!r}.")
        normalised = {"from": source, "jump_to": target}
        when = rule.get("when")
        if when is not None:
            normalised["when"] = _condition(when, by_id[when.get("question", source)]
                                            if isinstance(when, dict)
                                            and when.get("question", source) in by_id
                                            else None, f"{where}.when", i, source, page_no)
        out.append(normalised)
    return out


def _condition(when: Any, subject: dict[str, Any] | None, where: str, i: int, source: str,
               position: dict[str, int]) -> dict[str, Any]:
    """``position`` is each question's page number (its own place without pages): a
    condition may ask about a question on the rule's page or before, as the page is
    submitted whole; a variable, about the questions it adds up."""
    if not isinstance(when, dict):
        raise _fail(where, "must be an object like {\"op\": \"lte\", \"value\": 6}")
    if subject is None:
        raise _fail(f"{where}.question", "unknown question",
                    f"Logic rule {i + 1}: its condition asks about {when.get('question')!r}, "
                    "which is not a question.")
    inputs = subject["sum"] if subject["type"] == "variable" else [subject["id"]]
    late = [q for q in inputs if position.get(q, -1) > position[source]]
    if late and subject["type"] != "hidden":
        raise _fail(f"{where}.question", "not answered yet at that point",
                    f"Logic rule {i + 1}: {late[0]!r} comes after {source!r}, so it is "
                    "not answered yet when the rule runs.")
    op, value = when.get("op"), when.get("value")
    allowed = _ops_for(subject)
    if op not in allowed:
        raise _fail(f"{where}.op", f"one of {', '.join(sorted(allowed))}",
                    f"Logic rule {i + 1}: {op!r} cannot be used with {subject['type']} question "
                    f"{subject['id']!r} (use one of {', '.join(sorted(allowed))}).")
    out: dict[str, Any] = {"op": op}
    if "question" in when and when["question"] != source:
        out["question"] = when["question"]
    if op in PRESENCE_OPS:
        return out
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise _fail(f"{where}.value", "a non-empty list")
    for v in values:
        _check_operand(subject, op, v, f"{where}.value", i)
    out["value"] = value
    return out


# ----------------------------------------------------------------------------- pages
def pages_of(definition: dict[str, Any]) -> list[list[str]]:
    """The visible question ids, page by page. Without ``pages`` every question is a page
    of its own (one question at a time, as before pages existed); with it, a page starts
    at the first question and at each of ``pages.breaks``."""
    visible = [q["id"] for q in definition.get("questions", []) if q.get("type") != "hidden"]
    pages = definition.get("pages")
    if not isinstance(pages, dict):
        return [[qid] for qid in visible]
    breaks = set(pages.get("breaks") or [])
    out: list[list[str]] = []
    for qid in visible:
        if not out or qid in breaks:
            out.append([])
        out[-1].append(qid)
    return out


def _page_numbers(definition: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, int]:
    return {qid: n for n, page in enumerate(pages_of({**definition, "questions": questions}))
            for qid in page}


def _first_of_page(definition: dict[str, Any], questions: list[dict[str, Any]],
                   qid: str) -> str:
    for page in pages_of({**definition, "questions": questions}):
        if qid in page:
            return page[0]
    return qid


def _pages(raw: Any, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"breaks": [question ids that start a new page], "widget": false}``."""
    if not isinstance(raw, dict) or set(raw) - {"breaks", "widget"}:
        raise _fail("pages", "an object with breaks (question ids) and widget (true/false)")
    breaks = raw.get("breaks") or []
    visible = [q["id"] for q in questions if q["type"] != "hidden"]
    if not isinstance(breaks, list) or len(breaks) > MAX_QUESTIONS:
        raise _fail("pages.breaks", "a list of the question ids that start a new page")
    for i, qid in enumerate(breaks):
        if qid not in visible:
            raise _fail(f"pages.breaks.{i}", "not a visible question",
                        f"Page break {i + 1}: {qid!r} is not a question of this survey "
                        "(hidden fields are on no page).")
    widget = raw.get("widget", False)
    if not isinstance(widget, bool):
        raise _fail("pages.widget", "true or false")
    # In question order, without the first question (it always starts page 1).
    return {"breaks": [q for q in visible[1:] if q in set(breaks)], "widget": widget}


# ----------------------------------------------------------------------------- variables
def numeric_question(q: dict[str, Any]) -> bool:
    """Questions whose answers are numbers, so a variable can add them up."""
    cls = QUESTION_TYPES.get(q.get("type") or "")
    return bool(cls and getattr(cls, "is_scale", False)) or q.get("type") in ("number", "slider")


def _variables(raw: Any, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"id": "score", "sum": ["q1", "q2"], "label": "Effort score"}]``: a number worked
    out from the answers, for branching, recall and reports; never asked, never stored."""
    if not isinstance(raw, list) or len(raw) > 20:
        raise _fail("variables", "a list of at most 20 variables")
    by_id = {q["id"]: q for q in questions}
    out, seen = [], set()
    for i, var in enumerate(raw):
        where = f"variables.{i}"
        if not isinstance(var, dict) or set(var) - {"id", "sum", "label"}:
            raise _fail(where, "an object with id, sum and an optional label")
        vid = var.get("id")
        if not isinstance(vid, str) or not ID_RE.match(vid) or vid == END:
            raise _fail(f"{where}.id", "a-z, 0-9 and _ only (not 'end')")
        if vid in by_id or vid in seen:
            raise _fail(f"{where}.id", "already used",
                        f"Variable {vid!r}: that id is already used by a question or variable.")
        seen.add(vid)
        parts = var.get("sum")
        if not isinstance(parts, list) or not parts or len(parts) > MAX_QUESTIONS:
            raise _fail(f"{where}.sum", "a non-empty list of question ids")
        for j, qid in enumerate(parts):
            if qid not in by_id or not numeric_question(by_id[qid]):
                raise _fail(f"{where}.sum.{j}", "not a question with a number for an answer",
                            f"Variable {vid!r} adds up {qid!r}, which is not a score, rating "
                            "or number question of this survey.")
        entry: dict[str, Any] = {"id": vid, "sum": list(dict.fromkeys(parts))}
        label = _str(var, "label", where, max_len=200)
        if label:
            entry["label"] = label
        out.append(entry)
    return out


def variables(definition: dict[str, Any], answers: dict[str, Any]) -> dict[str, float | int]:
    """Each variable's value: the sum of the numbers answered among its questions; a
    variable none of whose questions is answered has no value (as a skipped question)."""
    out: dict[str, float | int] = {}
    for var in definition.get("variables") or []:
        got = [a for qid in var["sum"] if isinstance(a := answers.get(qid), int | float)
               and not isinstance(a, bool) and math.isfinite(a)]
        if got:
            out[var["id"]] = sum(got)
    return out


# ----------------------------------------------------------------------------- recall
# "You gave us {{nps}} -- why?": an earlier answer, a hidden field or a variable, with an
# optional fallback for when it is missing ({{name|there}}). The widget fills them in as
# text (never markup), so an answer holding <script> shows as those characters.
RECALL = re.compile(r"\{\{\s*([a-z0-9_]+)\s*(?:\|([^{}]*))?\}\}")


def _check_recall(definition: dict[str, Any]) -> None:
    """A recalled answer must be known when the text is shown: a hidden field, a question
    on an earlier page, or a variable of such questions."""
    questions = definition["questions"]
    page_no = _page_numbers(definition, questions)
    kinds = {q["id"]: q["type"] for q in questions}
    inputs = {v["id"]: v["sum"] for v in definition.get("variables") or []}

    def check(text: Any, where: str, page: int) -> None:
        for m in RECALL.finditer(text if isinstance(text, str) else ""):
            ref = m.group(1)
            if ref not in kinds and ref not in inputs:
                raise _fail(where, f"recalls {ref!r}, which is not a question, hidden field "
                            "or variable", f"{where}: {{{{{ref}}}}} is not a question, hidden "
                            "field or variable of this survey.")
            late = [q for q in inputs.get(ref, [ref]) if page_no.get(q, -1) >= page]
            if late and kinds.get(ref) != "hidden":
                raise _fail(where, f"recalls {ref!r} before it is answered",
                            f"{where}: {{{{{ref}}}}} is answered on the same page or later "
                            f"({late[0]!r}); recall answers of earlier pages.")

    for q in questions:
        page = page_no.get(q["id"], 0)
        texts = [("", q)] + [(f".translations.{loc}", t)
                             for loc, t in (q.get("translations") or {}).items()]
        for suffix, t in texts:
            for key in ("title", "description"):
                check(t.get(key), f"questions.{q['id']}{suffix}.{key}", page)
    for key in ("title", "body"):
        check(definition.get("thank_you", {}).get(key), f"thank_you.{key}", len(page_no) + 1)


def _ops_for(q: dict[str, Any]) -> set[str]:
    t = q["type"]
    own = getattr(QUESTION_TYPES.get(t), "logic_ops", None)  # a type that names its operators
    if own is not None:
        return set(own)
    if t == "multiple_choice":
        return MULTI_OPS
    if t == "single_choice":
        return CHOICE_OPS
    if t == "consent":
        return {"eq"} | PRESENCE_OPS
    if t == "hidden":
        return {"eq", "neq", "in", "not_in", "contains"} | PRESENCE_OPS
    if t == "variable":
        return NUMERIC_OPS | {"in", "not_in"} | PRESENCE_OPS
    return OPS_BY_SUMMARY[question(q).summary_kind]


def _check_operand(q: dict[str, Any], op: str, value: Any, where: str, i: int) -> None:
    t = q["type"]
    bad = None
    if t in ("single_choice", "multiple_choice"):
        ids = {c["id"] for c in q["choices"]} | ({"other"} if q.get("other") else set())
        if value not in ids:
            bad = f"one of the choice ids: {', '.join(sorted(ids))}"
    elif t == "consent":
        if not isinstance(value, bool):
            bad = "true or false"
    elif t in ("open_text", "hidden"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            bad = "text"
    elif t == "variable":
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            bad = "a number"
    else:
        low, high = _bounds(q)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or not low <= value <= high:
            bad = f"a number from {low} to {high}"
    if bad:
        raise _fail(where, bad, f"Logic rule {i + 1}: {value!r} is not valid for "
                    f"{q['id']!r} (expected {bad}).")


def _bounds(q: dict[str, Any]) -> tuple[int, int]:
    qt = question(q)
    return qt.bounds()  # type: ignore[attr-defined,no-any-return]


SEGMENT_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _targeting(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail("targeting", "must be an object")
    known = {"urls", "trigger", "attributes", "segment", "segments", "sampling", "display_limit",
             "recontact_days", "schedule", "response_cap", "priority", "quotas"}
    extra = sorted(set(raw) - known)
    if extra:
        raise _fail(f"targeting.{extra[0]}", "unknown key",
                    f"Unknown targeting key {extra[0]!r} (known: {', '.join(sorted(known))}).")
    out: dict[str, Any] = {}
    urls = raw.get("urls") or []
    if not isinstance(urls, list) or len(urls) > 50:
        raise _fail("targeting.urls", "a list of at most 50 rules")
    out["urls"] = []
    for i, rule in enumerate(urls):
        where = f"targeting.urls.{i}"
        if not isinstance(rule, dict) or rule.get("match") not in URL_MATCHES:
            raise _fail(f"{where}.match", f"one of {', '.join(URL_MATCHES)}")
        value = rule.get("value")
        if not isinstance(value, str) or not value or len(value) > 500:
            raise _fail(f"{where}.value", "text of 1 to 500 characters")
        if rule["match"] == "regex":
            try:
                re.compile(value)
            except re.error as exc:
                raise _fail(f"{where}.value", f"not a valid pattern: {exc}") from None
        entry = {"match": rule["match"], "value": value}
        if rule.get("exclude"):
            entry["exclude"] = True
        out["urls"].append(entry)
    out["trigger"] = _trigger(raw.get("trigger") or {"type": "page_view"})
    attributes = raw.get("attributes") or []
    if not isinstance(attributes, list) or len(attributes) > 20:
        raise _fail("targeting.attributes", "a list of at most 20 filters")
    out["attributes"] = []
    for i, f in enumerate(attributes):
        where = f"targeting.attributes.{i}"
        if not isinstance(f, dict) or not isinstance(f.get("key"), str) or not f["key"]:
            raise _fail(f"{where}.key", "an attribute name")
        if f.get("op", "eq") not in ATTRIBUTE_OPS:
            raise _fail(f"{where}.op", f"one of {', '.join(ATTRIBUTE_OPS)}")
        entry = {"key": f["key"][:100], "op": f.get("op", "eq")}
        if entry["op"] not in ("exists", "not_exists"):
            if not isinstance(f.get("value"), str | int | float | bool):
                raise _fail(f"{where}.value", "text, a number or true/false")
            entry["value"] = f["value"]
        out["attributes"].append(entry)
    if raw.get("segment") is not None:
        if isinstance(raw["segment"], bool) or not isinstance(raw["segment"], int | str):
            raise _fail("targeting.segment", "a segment id")
        out["segment"] = raw["segment"]
    if raw.get("segments"):  # behavioural segment keys (surveyapp/segments): any of them
        keys = raw["segments"]
        if not isinstance(keys, list) or len(keys) > 20 or not all(
                isinstance(k, str) and SEGMENT_KEY.fullmatch(k) for k in keys):
            raise _fail("targeting.segments", "a list of at most 20 segment keys "
                        "(lower-case letters, digits and dashes)")
        out["segments"] = list(dict.fromkeys(keys))
    sampling = raw.get("sampling", 100)
    if isinstance(sampling, bool) or not isinstance(sampling, int | float) \
            or not 0 < sampling <= 100:
        raise _fail("targeting.sampling", "a percentage above 0, at most 100")
    out["sampling"] = sampling
    limit = raw.get("display_limit") or {"mode": "until_answered"}
    if not isinstance(limit, dict) or limit.get("mode") not in DISPLAY_LIMITS:
        raise _fail("targeting.display_limit.mode", f"one of {', '.join(DISPLAY_LIMITS)}")
    out["display_limit"] = {"mode": limit["mode"]}
    if limit["mode"] == "times":
        times = limit.get("times")
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 100:
            raise _fail("targeting.display_limit.times", "a whole number from 1 to 100")
        out["display_limit"]["times"] = times
    for key, hi in (("recontact_days", 365), ("response_cap", 10_000_000), ("priority", 100)):
        value = raw.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= hi:
                raise _fail(f"targeting.{key}", f"a whole number from 0 to {hi}")
            out[key] = value
    quotas = raw.get("quotas") or []  # closing per segment (surveyapp/collect/closing.py)
    if not isinstance(quotas, list) or len(quotas) > 20 or not all(
            isinstance(q, dict) and set(q) == {"segment", "max"}
            and isinstance(q["segment"], str) and SEGMENT_KEY.fullmatch(q["segment"])
            and isinstance(q["max"], int) and not isinstance(q["max"], bool)
            and 1 <= q["max"] <= 10_000_000 for q in quotas):
        raise _fail("targeting.quotas", "a list of at most 20 {segment: key, max: responses} "
                    "(a segment key and a whole number from 1)")
    if quotas:
        out["quotas"] = list({q["segment"]: {"segment": q["segment"], "max": q["max"]}
                              for q in quotas}.values())
    schedule = raw.get("schedule") or {}
    if not isinstance(schedule, dict):
        raise _fail("targeting.schedule", "an object with start and end")
    parsed = {}
    for key in ("start", "end"):
        if schedule.get(key):
            try:
                parsed[key] = datetime.fromisoformat(str(schedule[key]).replace("Z", "+00:00"))
            except ValueError:
                raise _fail(f"targeting.schedule.{key}",
                            "a date like 2026-12-01 or 2026-12-01T09:00:00Z") from None
            if parsed[key].tzinfo is None:
                if "T" in str(schedule[key]):
                    raise _fail(f"targeting.schedule.{key}", "include a time zone, e.g. Z for UTC")
                parsed[key] = parsed[key].replace(tzinfo=UTC)  # a bare date is UTC midnight
    if "start" in parsed and "end" in parsed and parsed["end"] <= parsed["start"]:
        raise _fail("targeting.schedule.end", "after the start")
    if parsed:
        out["schedule"] = {k: str(schedule[k]) for k in parsed}
    return out


def _trigger(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("type") not in TRIGGERS:
        raise _fail("targeting.trigger.type", f"one of {', '.join(TRIGGERS)}")
    t = raw["type"]
    out: dict[str, Any] = {"type": t}
    if t == "event":
        if not isinstance(raw.get("name"), str) or not 0 < len(raw["name"]) <= 200:
            raise _fail("targeting.trigger.name", "the event name that shows the survey")
        out["name"] = raw["name"]
    elif t == "click":
        if not isinstance(raw.get("selector"), str) or not 0 < len(raw["selector"]) <= 300:
            raise _fail("targeting.trigger.selector", "a CSS selector such as #upgrade")
        out["selector"] = raw["selector"]
    elif t == "scroll":
        percent = raw.get("percent", 50)
        if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
            raise _fail("targeting.trigger.percent", "a whole percentage from 1 to 100")
        out["percent"] = percent
    elif t == "delay":
        seconds = raw.get("seconds", 5)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
                or not 0 <= seconds <= 3600:
            raise _fail("targeting.trigger.seconds", "seconds from 0 to 3600")
        out["seconds"] = seconds
    return out


def _appearance(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail("appearance", "must be an object")
    out: dict[str, Any] = {"position": raw.get("position", "bottom-right"),
                           "theme": raw.get("theme", "auto"),
                           "brand_color": raw.get("brand_color", "#4f46e5")}
    if out["position"] not in POSITIONS:
        raise _fail("appearance.position", f"one of {', '.join(POSITIONS)}")
    if out["theme"] not in THEMES:
        raise _fail("appearance.theme", f"one of {', '.join(THEMES)}")
    if not isinstance(out["brand_color"], str) or not HEX_RE.match(out["brand_color"]):
        raise _fail("appearance.brand_color", "a colour like #4f46e5")
    return out


# ----------------------------------------------------------------------------- branching
# The widget has the same rules in embed/src/logic.js; tests/fixtures/branching_cases.json
# holds the cases both must agree on, and says why each rule is so.
NUMBER_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
CHOICE_TYPES = ("single_choice", "multiple_choice")


def _number(x: Any) -> float | None:
    """A number, or text spelling one ("7", "-1.5"), as a float (as JavaScript has it)."""
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        return None
    if isinstance(x, str) and not NUMBER_TEXT.fullmatch(x):
        return None
    try:
        n = float(x)
    except OverflowError:
        return None
    return n if math.isfinite(n) else None


def _same(a: Any, v: Any) -> bool:
    """eq: a number against a number or text spelling one; text against text after NFC;
    true and false only against themselves."""
    if isinstance(a, bool) or isinstance(v, bool):
        return isinstance(a, bool) and isinstance(v, bool) and a == v
    if isinstance(a, int | float) or isinstance(v, int | float):
        x, y = _number(a), _number(v)
        return x is not None and y is not None and x == y
    return isinstance(a, str) and isinstance(v, str) \
        and unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", v)


def _fold(x: Any) -> str | None:
    """For contains: case-insensitive with full case folding (ß is ss, final ς is σ), done
    the way JavaScript can do it too."""
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        return None
    if isinstance(x, float) and x.is_integer():
        x = int(x)  # 3.0 reads "3", as in JavaScript
    return unicodedata.normalize("NFC", str(x)).lower().upper().lower().replace("ς", "σ")


def _choice(x: Any) -> Any:
    """An Other answer, stored as "other:text" or held by the widget as {"other": text},
    is the choice "other"."""
    if isinstance(x, str) and x.startswith("other:") or isinstance(x, dict) and "other" in x:
        return "other"
    return x


def _matches(when: dict[str, Any] | None, answer: Any, present: bool) -> bool:
    if when is None:
        return True
    op, value = when["op"], when.get("value")
    values = value if isinstance(value, list) else [value]
    if op == "answered":
        return present
    if op == "skipped":
        return not present
    if not present:
        return False
    if isinstance(answer, list):  # multiple choice: contains = picked, in = any, not_in = none
        picked = any(_same(a, v) for a in answer for v in values)
        return picked if op in ("contains", "in") else not picked if op == "not_in" else False
    if op in ("eq", "in"):
        return any(_same(answer, v) for v in values)
    if op in ("neq", "not_in"):
        return not any(_same(answer, v) for v in values)
    if op == "contains":
        text, part = _fold(answer), _fold(value)
        return text is not None and part is not None and part in text
    x, y = _number(answer), _number(value)
    if x is None or y is None:
        return False
    return {"lt": x < y, "lte": x <= y, "gt": x > y, "gte": x >= y}.get(op, False)


def next_question(definition: dict[str, Any], current: str, answers: dict[str, Any]) -> str:
    """Where a respondent goes after ``current``: a question id or ``"end"``.

    With pages, the questions of a page follow one another and its rules run when the page
    is submitted, after its last question: the rules from any question on it, in their
    order. So a survey takes the same path whether it is shown a page or a question at a
    time."""
    questions = [q for q in definition.get("questions", []) if q.get("type") != "hidden"]
    by_id = {q["id"]: q for q in definition.get("questions", [])}
    page = next((p for p in pages_of(definition) if current in p), [current])
    if current != page[-1]:
        return page[page.index(current) + 1]
    computed = variables(definition, answers)
    var_ids = {v["id"] for v in definition.get("variables") or []}
    for rule in definition.get("logic", []):
        if rule.get("from") not in page:
            continue
        when = rule.get("when")
        subject = (when or {}).get("question") or rule.get("from")
        if subject in var_ids:
            answer, present = computed.get(subject), subject in computed
        else:
            answer = answers.get(subject)
            present = subject in by_id and not question(by_id[subject]).is_empty(answer)
        if by_id.get(subject, {}).get("type") in CHOICE_TYPES:
            answer = [_choice(a) for a in answer] if isinstance(answer, list) else _choice(answer)
        if _matches(when, answer, present):
            target = rule.get("jump_to") or END
            if target == END or target in by_id and by_id[target].get("type") != "hidden":
                return str(target)
    ids = [q["id"] for q in questions]
    i = ids.index(page[-1]) if page[-1] in ids else len(ids)
    return ids[i + 1] if i + 1 < len(ids) else END


def path(definition: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """The visible questions a respondent with these answers is (or was) asked, in order."""
    visible = [q["id"] for q in definition.get("questions", []) if q.get("type") != "hidden"]
    out: list[str] = []
    current = visible[0] if visible else END
    while current != END and current not in out and len(out) <= len(visible):
        out.append(current)
        current = next_question(definition, current, answers)
    return out


# ----------------------------------------------------------------------------- answers
def validate_response(definition: dict[str, Any], answers: Any, finished: bool) -> dict[str, Any]:
    """Normalise answers for a published version. Unknown question ids and invalid values
    are refused; required questions are enforced only on the respondent's own path and
    only when the response is finished (partial answers are always kept)."""
    if not isinstance(answers, dict):
        raise InvalidResponse("Answers are an object of question id to answer.",
                              {"answers": "an object"})
    by_id: dict[str, QuestionType] = {q["id"]: question(q)
                                      for q in definition.get("questions", [])}
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for qid, value in answers.items():
        q = by_id.get(qid)
        if q is None:
            errors[str(qid)[:60]] = "unknown question"
            continue
        if value is None:
            continue  # skipped
        try:
            out[qid] = q.validate_answer(value)
        except AnswerError as exc:
            errors[qid] = str(exc)
    if not errors and finished:
        for qid in path(definition, out):
            q = by_id[qid]
            if q.required and q.is_empty(out.get(qid)):
                errors[qid] = "this question needs an answer"
    if errors:
        first = next(iter(errors))
        raise InvalidResponse(f"Answer for {first!r}: {errors[first]}." if len(errors) == 1
                              else f"{len(errors)} answers are invalid ({', '.join(errors)}).",
                              errors)
    return out


# ----------------------------------------------------------------------------- history
def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What a researcher changed between two versions, in words."""
    if not old:
        return ["First version"]
    changes: list[str] = []
    old_q = {q["id"]: q for q in old.get("questions", [])}
    new_q = {q["id"]: q for q in new.get("questions", [])}
    for qid, q in new_q.items():
        if qid not in old_q:
            changes.append(f"Added question “{q.get('title', qid)}” ({q.get('type')})")
        elif old_q[qid] != q:
            fields = sorted(k for k in set(q) | set(old_q[qid]) if q.get(k) != old_q[qid].get(k))
            changes.append(f"Changed question “{q.get('title', qid)}”: {', '.join(fields)}")
    for qid, q in old_q.items():
        if qid not in new_q:
            changes.append(f"Removed question “{q.get('title', qid)}”")
    common_old = [i for i in old_q if i in new_q]
    common_new = [i for i in new_q if i in old_q]
    if common_old != common_new:
        changes.append("Reordered questions")
    labels = {"title": "title respondents see", "logic": "branching logic", "pages": "pages",
              "variables": "variables", "targeting": "targeting", "appearance": "appearance",
              "thank_you": "thank-you message", "locales": "languages",
              "default_locale": "default language"}
    for key, label in labels.items():
        if old.get(key) != new.get(key):
            changes.append(f"Changed {label}")
    return changes or ["No visible changes"]
