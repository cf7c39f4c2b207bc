"""A slot's definition: its shape, its checks, and the evaluation of its ordered rules.

Pure code: no database. What a person is (attributes, the page, segments, personas, recent
events) comes from a :class:`Profile`; ``surveyapp.personalization.decide`` gives one
backed by the database, tests give one from a dict.

A definition::

    {"schema": {...JSON Schema of a payload...},
     "variants": {"tip_export": {...payload...}, "tip_basic": {...}},
     "default": "tip_basic",
     "rules": [{"if": [{"segment": "power-users"}, {"event": "export", "days": 7}],
                "then": "tip_export"}],
     "holdout_percent": 10, "goal_event": "activated", "goal_window_hours": 168,
     "relevance_question": "Was this tip relevant to you?"}

``relevance_question`` (optional): the one-question micro-survey (1-5) the widget shows
after the personalized element; answers are kept on the exposure they are about.

Every condition of a rule must hold (AND); the first rule that holds picks the variant;
none: the default. Conditions:

* ``{"segment": key}``: a member of the workspace's current segment ``key``;
* ``{"persona": id}``: a member of the segment that persona describes;
* ``{"attribute": name, "op": eq|ne|in|contains|gt|gte|lt|lte|exists, "value": v}``: a
  contact attribute (or one the request sends, for anonymous visitors);
* ``{"page": path, "op": eq|prefix|contains}``: the page the visitor is on;
* ``{"event": name, "days": N, "min_count": 1, "absent": false}``: did (or, with
  ``absent``, did not) do the event at least ``min_count`` times in the last N days;
* ``{"prediction": job id, "min": 0.5, "max": 1.0}``: the person's score from one of the
  segments area's churn or conversion models falls in ``[min, max)`` (``max`` 1 includes
  1); see ``surveyapp.personalization.prediction``.

Segments and personas carry a ``name`` (filled in when the slot is published) so the
reason can say it in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KINDS = ("segment", "persona", "attribute", "page", "event", "prediction")
ATTRIBUTE_OPS = ("eq", "ne", "in", "contains", "gt", "gte", "lt", "lte", "exists")
PAGE_OPS = ("eq", "prefix", "contains")
MAX_RULES = 50
MAX_CONDITIONS = 10
MAX_VARIANTS = 20
MAX_DAYS = 365
DEFAULT_HOLDOUT = 10
DEFAULT_GOAL_WINDOW = 168  # hours
MAX_QUESTION = 200


class DefinitionError(ValueError):
    """A definition breaks a rule; ``fields`` say where (``rules[0].if[1]``) and why."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class Profile(Protocol):
    """What the rules may know about the person (nothing, when personalisation is off)."""

    attributes: dict[str, Any]
    page: str | None

    def in_segment(self, key: str) -> bool: ...

    def in_persona(self, persona_id: int) -> bool: ...

    def event_count(self, name: str, days: int) -> int: ...

    def prediction_score(self, job_id: int) -> float | None: ...


@dataclass
class DictProfile:
    """A profile from plain values (tests, the rule preview)."""

    attributes: dict[str, Any] = field(default_factory=dict)
    page: str | None = None
    segments: set[str] = field(default_factory=set)
    personas: set[int] = field(default_factory=set)
    events: dict[tuple[str, int], int] = field(default_factory=dict)
    predictions: dict[int, float] = field(default_factory=dict)

    def in_segment(self, key: str) -> bool:
        return key in self.segments

    def in_persona(self, persona_id: int) -> bool:
        return persona_id in self.personas

    def event_count(self, name: str, days: int) -> int:
        return self.events.get((name, days), 0)

    def prediction_score(self, job_id: int) -> float | None:
        return self.predictions.get(job_id)


# ----------------------------------------------------------------------------- checks
def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value \
        and abs(value) != float("inf")


def _check_condition(cond: Any, where: str) -> dict[str, str]:
    if not isinstance(cond, dict):
        return {where: "a condition is an object such as {\"segment\": \"key\"}"}
    kinds = [k for k in KINDS if k in cond]
    if len(kinds) != 1:
        return {where: "say exactly one of segment, persona, attribute, page, event or "
                       "prediction"}
    kind = kinds[0]
    value = cond[kind]
    if kind == "segment":
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            return {where: "segment: the key of a segment"}
    elif kind == "persona":
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return {where: "persona: the id of a persona"}
    elif kind == "attribute":
        op = cond.get("op", "eq")
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            return {where: "attribute: the name of a contact attribute"}
        if op not in ATTRIBUTE_OPS:
            return {where: f"op: one of {', '.join(ATTRIBUTE_OPS)}"}
        if op in ("gt", "gte", "lt", "lte") and not _number(cond.get("value")):
            return {where: f"value: a number to compare with ({op})"}
        if op == "in" and not (isinstance(cond.get("value"), list) and cond["value"]):
            return {where: "value: a non-empty list of values (in)"}
        if op not in ("exists", "in") and "value" not in cond:
            return {where: "value: what the attribute is compared with"}
    elif kind == "prediction":
        low, high = cond.get("min", 0), cond.get("max", 1)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return {where: "prediction: the id of a trained churn or conversion model"}
        if not (_number(low) and _number(high) and 0 <= low < high <= 1):
            return {where: "min and max: a score band, 0 ≤ min < max ≤ 1"}
    elif kind == "page":
        if not isinstance(value, str) or not value or len(value) > 500:
            return {where: "page: a path such as /pricing"}
        if cond.get("op", "prefix") not in PAGE_OPS:
            return {where: f"op: one of {', '.join(PAGE_OPS)}"}
    else:
        days, count = cond.get("days"), cond.get("min_count", 1)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            return {where: "event: an event name"}
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
            return {where: f"days: a whole number of days, 1 to {MAX_DAYS}"}
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
            return {where: "min_count: a whole number, 1 to 10000"}
        if not isinstance(cond.get("absent", False), bool):
            return {where: "absent: true or false"}
    return {}


def check(definition: Any) -> dict[str, Any]:
    """The definition, normalised (defaults filled in), or DefinitionError with every
    problem found. Payloads are checked against the slot's JSON Schema (jsonschema)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(definition, dict):
        raise DefinitionError({"": "a definition is a JSON object"})
    errors: dict[str, str] = {}
    schema = definition.get("schema", {"type": "object"})
    validator = None
    if not isinstance(schema, dict):
        errors["schema"] = "a JSON Schema (an object)"
    else:
        try:
            Draft202012Validator.check_schema(schema)
            validator = Draft202012Validator(schema)
        except SchemaError as exc:
            errors["schema"] = f"not a valid JSON Schema: {exc.message}"
    variants = definition.get("variants")
    if not isinstance(variants, dict) or not variants:
        errors["variants"] = "at least one variant: {\"key\": payload, ...}"
        variants = {}
    elif len(variants) > MAX_VARIANTS:
        errors["variants"] = f"at most {MAX_VARIANTS} variants"
    for key, payload in variants.items():
        if not KEY_RE.fullmatch(key):
            errors[f"variants.{key[:64]}"] = "a variant key: lowercase letters, digits, - and _"
        elif validator is not None:
            problems = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
            if problems:
                first = problems[0]
                at = "/".join(str(p) for p in first.path)
                errors[f"variants.{key}"] = (f"does not match the schema"
                                             f"{' at ' + at if at else ''}: {first.message}")
    default = definition.get("default")
    if default not in variants:
        errors["default"] = "the key of one of the variants"
    rules = definition.get("rules", [])
    if not isinstance(rules, list):
        errors["rules"] = "a list of rules"
        rules = []
    elif len(rules) > MAX_RULES:
        errors["rules"] = f"at most {MAX_RULES} rules"
    for i, rule in enumerate(rules):
        where = f"rules[{i}]"
        if not isinstance(rule, dict):
            errors[where] = "a rule is {\"if\": [conditions], \"then\": \"variant\"}"
            continue
        conds = rule.get("if")
        if not isinstance(conds, list) or not conds or len(conds) > MAX_CONDITIONS:
            errors[f"{where}.if"] = f"a list of 1 to {MAX_CONDITIONS} conditions"
        else:
            for j, cond in enumerate(conds):
                errors.update(_check_condition(cond, f"{where}.if[{j}]"))
        if rule.get("then") not in variants:
            errors[f"{where}.then"] = "the key of one of the variants"
    holdout = definition.get("holdout_percent", DEFAULT_HOLDOUT)
    if not _number(holdout) or not 0 <= holdout <= 50:
        errors["holdout_percent"] = "a share from 0 to 50 (%)"
    goal = definition.get("goal_event")
    if goal is not None and (not isinstance(goal, str) or not goal.strip() or len(goal) > 200):
        errors["goal_event"] = "an event name, or null"
    window = definition.get("goal_window_hours", DEFAULT_GOAL_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 24 * 90:
        errors["goal_window_hours"] = "whole hours, 1 to 2160"
    question = definition.get("relevance_question")
    if question is not None and (not isinstance(question, str) or not question.strip()
                                 or len(question) > MAX_QUESTION):
        errors["relevance_question"] = f"a question of up to {MAX_QUESTION} characters, or null"
    if errors:
        raise DefinitionError(errors)
    return {"schema": schema, "variants": variants, "default": default, "rules": rules,
            "holdout_percent": holdout, "goal_event": goal.strip() if goal else None,
            "goal_window_hours": window,
            "relevance_question": question.strip() if question else None}


# ----------------------------------------------------------------------------- evaluation
def _attribute_holds(cond: dict[str, Any], attributes: dict[str, Any]) -> bool:
    name, op, want = cond["attribute"], cond.get("op", "eq"), cond.get("value")
    if name not in attributes:
        return op == "ne"
    have = attributes[name]
    if op == "exists":
        return have is not None
    if op == "eq":
        return bool(have == want)
    if op == "ne":
        return bool(have != want)
    if op == "in":
        return isinstance(want, list) and have in want
    if op == "contains":
        if isinstance(have, list):
            return want in have
        return isinstance(have, str) and isinstance(want, str) and want.lower() in have.lower()
    if not _number(have):
        return False
    return bool({"gt": have > want, "gte": have >= want, "lt": have < want,
                 "lte": have <= want}[op])


def holds(cond: dict[str, Any], profile: Profile) -> bool:
    """Whether one condition holds for the person."""
    if "segment" in cond:
        return profile.in_segment(cond["segment"])
    if "persona" in cond:
        return profile.in_persona(cond["persona"])
    if "attribute" in cond:
        return _attribute_holds(cond, profile.attributes)
    if "prediction" in cond:
        p = profile.prediction_score(cond["prediction"])
        low, high = cond.get("min", 0), cond.get("max", 1)
        return p is not None and low <= p and (p < high or (high >= 1 and p <= 1))
    if "page" in cond:
        page, op = profile.page, cond.get("op", "prefix")
        if not page:
            return False
        path = cond["page"]
        return page == path if op == "eq" else (path in page if op == "contains"
                                                else page.startswith(path))
    count = profile.event_count(cond["event"], cond["days"])
    done = count >= cond.get("min_count", 1)
    return not done if cond.get("absent") else done


def _value_words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(f"“{v}”" for v in value)
    return f"“{value}”"


def words(cond: dict[str, Any]) -> str:
    """A condition as the person reads it: “you are in the group …”."""
    if "segment" in cond:
        return f"you are in the group “{cond.get('name') or cond['segment']}”"
    if "persona" in cond:
        return f"you match the persona “{cond.get('name') or cond['persona']}”"
    if "attribute" in cond:
        name, op, value = cond["attribute"], cond.get("op", "eq"), cond.get("value")
        return {
            "eq": f"your {name} is {_value_words(value)}",
            "ne": f"your {name} is not {_value_words(value)}",
            "in": f"your {name} is one of {_value_words(value)}",
            "contains": f"your {name} includes {_value_words(value)}",
            "gt": f"your {name} is above {value}", "gte": f"your {name} is {value} or more",
            "lt": f"your {name} is below {value}", "lte": f"your {name} is {value} or less",
            "exists": f"your profile has a {name}",
        }[op]
    if "prediction" in cond:
        low, high = cond.get("min", 0), cond.get("max", 1)
        what = cond.get("name") or "the outcome"
        return (f"our model puts your chance of {what} between {round(100 * low)}% and "
                f"{round(100 * high)}%")
    if "page" in cond:
        return f"you are on the page {cond['page']}"
    days = cond["days"]
    span = "day" if days == 1 else f"{days} days"
    times = cond.get("min_count", 1)
    how = "" if times == 1 else f" at least {times} times"
    if cond.get("absent"):
        return f"you have not done “{cond['event']}”{how} in the last {span}"
    return f"you did “{cond['event']}”{how} in the last {span}"


DEFAULT_REASON = "This is what everyone sees: no personalisation rule applies to you."


@dataclass(frozen=True)
class Choice:
    variant: str
    rule: int | None  # the index of the rule that matched; None: the default
    reason: str


def evaluate(definition: dict[str, Any], profile: Profile) -> Choice:
    """The first rule whose conditions all hold picks the variant; else the default."""
    for i, rule in enumerate(definition.get("rules", [])):
        conds = rule["if"]
        if all(holds(c, profile) for c in conds):
            parts = [words(c) for c in conds]
            return Choice(rule["then"], i, "You are seeing this because "
                          + " and ".join(parts) + ".")
    return Choice(definition["default"], None, DEFAULT_REASON)
