"""The input question types of issue 24: number, slider, date, contact info and statement.
Each is a ``QuestionType`` like those in ``questions`` (configuration, the builder's form,
answer validation, summary kind), with the hooks ``questions_rich`` introduced:

* ``logic_ops`` -- the branching operators a rule may use on the type (``definition``);
* ``export_columns(q)`` / ``export_values(q, answer)`` -- contact info spreads over one
  column per field it asks for;

and one of its own: ``pii`` -- a contact answer names a person, so exports can leave it
out or pseudonymise it like the other personal data, and erasure removes it.

The widget draws them from the chunk ``embed/src/q-input.js``, fetched only for a survey
that holds one. Answers come from public pages: each is checked for its exact JSON type,
bounded, and normalised before it is stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, ClassVar

from wtforms import BooleanField, DecimalField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.surveys.errors import AnswerError, DefinitionError
from surveyapp.surveys.question_base import QuestionForm, QuestionType, _str, clean_text

NUMERIC_OPS = frozenset({"eq", "neq", "lt", "lte", "gt", "gte", "answered", "skipped"})
PRESENCE_OPS = frozenset({"answered", "skipped"})
NUMBER_CAP = 1e12  # larger bounds are typing mistakes, not questions
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(r"^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
LINK_RE = re.compile(r"^https?://[^\s\"'<>]{1,1000}$")
CONTACT_FIELDS = {"name": "Name", "email": "E-mail", "phone": "Phone", "company": "Company"}
STATEMENT_RECORDS = ("clicked", "seen")


def _number(config: dict[str, Any], key: str, where: str, default: float | None = None) -> float | None:
    value = config.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or abs(value) > NUMBER_CAP:
        raise DefinitionError(f"{where}: {key} must be a number",
                              {f"{where}.{key}": "a number"})
    return int(value) if float(value).is_integer() else float(value)


def _on_grid(value: float, base: float, step: float) -> bool:
    k = (value - base) / step
    return abs(k - round(k)) < 1e-9 * max(1.0, abs(k))


# ----------------------------------------------------------------------------- forms
class NumberForm(QuestionForm):
    min = DecimalField("Lowest allowed (optional)", validators=[Optional()])
    max = DecimalField("Highest allowed (optional)", validators=[Optional()])
    step = DecimalField("Step (optional, e.g. 1 for whole numbers, 0.5)", validators=[Optional()])
    unit = StringField("Unit shown beside it (optional, e.g. €, km, hours)",
                       validators=[Optional(), Length(max=20)])
    placeholder = StringField("Placeholder (optional)", validators=[Optional(), Length(max=200)])


class SliderForm(QuestionForm):
    min = DecimalField("Lowest", default=0, validators=[DataRequired()])
    max = DecimalField("Highest", default=100, validators=[DataRequired()])
    step = DecimalField("Step", default=1, validators=[Optional()])
    unit = StringField("Unit shown beside the value (optional)", validators=[Optional(), Length(max=20)])
    lower_label = StringField("Label at the lowest end (optional)", validators=[Optional(), Length(max=100)])
    upper_label = StringField("Label at the highest end (optional)", validators=[Optional(), Length(max=100)])


class DateForm(QuestionForm):
    min = StringField("Earliest date (optional, YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
    max = StringField("Latest date (optional, YYYY-MM-DD)", validators=[Optional(), Length(max=10)])


class ContactForm(QuestionForm):
    fields = SelectMultipleField("Ask for", choices=[SelectChoice(k, v) for k, v in CONTACT_FIELDS.items()], default=["email"],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validators=[DataRequired()],
                                 description="Stored as personal data: exports can leave it out, "
                                             "erasure removes it.")


class StatementForm(QuestionForm):
    button_label = StringField("Button", default="Continue", validators=[DataRequired(), Length(max=60)])
    link = StringField("Link the button opens (optional, https://…)", validators=[Optional(), Length(max=1000)])
    required = BooleanField("The button must be pressed to go on (no skip)")


# ----------------------------------------------------------------------------- types
class _Numeric(QuestionType):
    summary_kind = "numeric"
    default_required = True
    logic_ops: ClassVar[frozenset[str]] = NUMERIC_OPS
    translatable: ClassVar[tuple[str, ...]] = ("title", "description", "unit")

    @classmethod
    def _bounds(cls, config: dict[str, Any], where: str, lo: float | None,
                hi: float | None) -> dict[str, Any]:
        out: dict[str, Any] = {"min": _number(config, "min", where, lo),
                               "max": _number(config, "max", where, hi),
                               "step": _number(config, "step", where)}
        if out["min"] is not None and out["max"] is not None and out["min"] >= out["max"]:
            raise DefinitionError(f"{where}: min must be below max", {f"{where}.min": "not below max"})
        if out["step"] is not None and out["step"] <= 0:
            raise DefinitionError(f"{where}: step must be above 0", {f"{where}.step": "above 0"})
        unit = _str(config, "unit", where, max_len=20)
        if unit:
            out["unit"] = unit
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def config_from_form(cls, form: Any, old: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"id": old["id"], "type": cls.type}
        for name, value in form.data.items():
            if value in (None, ""):
                continue
            if hasattr(value, "as_integer_ratio") and not isinstance(value, float | int):
                value = int(value) if value == value.to_integral_value() else float(value)
            config[name] = value
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    def bounds(self) -> tuple[float, float]:
        """The range a branching rule's number must lie in (``definition``)."""
        lo, hi = self.config.get("min"), self.config.get("max")
        return (-NUMBER_CAP if lo is None else lo), (NUMBER_CAP if hi is None else hi)

    def validate_answer(self, value: Any) -> int | float:
        c = self.config
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,13}(\.\d{1,10})?", value.strip()):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise AnswerError("enter a number")
        lo, hi = c.get("min"), c.get("max")
        if lo is not None and value < lo or hi is not None and value > hi or abs(value) > NUMBER_CAP:
            raise AnswerError(f"enter a number from {lo if lo is not None else '…'} to "
                              f"{hi if hi is not None else '…'}")
        step = c.get("step")
        if step and not _on_grid(value, c.get("min") or 0, step):
            raise AnswerError(f"enter a number in steps of {step}")
        return int(value) if float(value).is_integer() else round(float(value), 10)


class Number(_Numeric):
    type = "number"
    label = "Number"
    form_class = NumberForm
    translatable = ("title", "description", "unit", "placeholder")

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out = cls._bounds(config, where, None, None)
        placeholder = _str(config, "placeholder", where, max_len=200)
        if placeholder:
            out["placeholder"] = placeholder
        return out


class Slider(_Numeric):
    type = "slider"
    label = "Slider"
    form_class = SliderForm
    translatable = ("title", "description", "unit", "lower_label", "upper_label")

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "min": 0, "max": 100, "step": 1}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out = cls._bounds(config, where, 0, 100)
        out.setdefault("step", 1)
        if (out["max"] - out["min"]) / out["step"] > 10_000:
            raise DefinitionError(f"{where}: at most 10,000 steps from min to max",
                                  {f"{where}.step": "too small for the range"})
        for key in ("lower_label", "upper_label"):
            value = _str(config, key, where, max_len=100)
            if value:
                out[key] = value
        return out


def _date(config: dict[str, Any], key: str, where: str) -> str | None:
    value = config.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise DefinitionError(f"{where}: {key} must be a date like 2026-12-31",
                              {f"{where}.{key}": "a date YYYY-MM-DD"})
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise DefinitionError(f"{where}: {key} is not a real date",
                              {f"{where}.{key}": "not a real date"}) from None
    return value


class Date(QuestionType):
    type = "date"
    label = "Date"
    form_class = DateForm
    summary_kind = "date"
    default_required = True
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out = {k: v for k in ("min", "max") if (v := _date(config, k, where))}
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise DefinitionError(f"{where}: min is after max", {f"{where}.min": "after max"})
        return out

    def validate_answer(self, value: Any) -> str:
        if not isinstance(value, str) or not DATE_RE.match(value):
            raise AnswerError("enter a date like 2026-12-31")
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise AnswerError("enter a real date") from None
        lo, hi = self.config.get("min"), self.config.get("max")
        if lo and value < lo or hi and value > hi:
            raise AnswerError(f"enter a date from {lo or '…'} to {hi or '…'}")
        return value


class Contact(QuestionType):
    """Name, e-mail, phone and company, the fields each question chooses. Personal data."""

    type = "contact"
    label = "Contact info"
    form_class = ContactForm
    summary_kind = "contact"
    default_required = False
    pii: ClassVar[bool] = True
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "title": "How can we reach you?",
                "fields": ["name", "email"]}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        fields = config.get("fields", ["email"])
        if not isinstance(fields, list) or not fields or any(f not in CONTACT_FIELDS for f in fields) \
                or len(set(fields)) != len(fields):
            raise DefinitionError(f"{where}: fields must be some of {', '.join(CONTACT_FIELDS)}",
                                  {f"{where}.fields": f"some of {', '.join(CONTACT_FIELDS)}"})
        return {"fields": [f for f in CONTACT_FIELDS if f in fields]}  # one order everywhere

    def validate_answer(self, value: Any) -> dict[str, str]:
        fields = self.config.get("fields", ["email"])
        if not isinstance(value, dict) or not value or set(value) - set(fields) \
                or not all(isinstance(v, str) for v in value.values()):
            raise AnswerError(f"give your contact details as text: {', '.join(fields)}")
        out: dict[str, str] = {}
        for field in fields:
            text = clean_text(value.get(field) or "")
            if not text:
                if self.required:
                    raise AnswerError(f"fill in {CONTACT_FIELDS[field].lower()}")
                continue
            if len(text) > (254 if field == "email" else 200):
                raise AnswerError(f"{CONTACT_FIELDS[field].lower()} is too long")
            if field == "email" and not EMAIL_RE.match(text):
                raise AnswerError("enter an e-mail address like name@example.com")
            if field == "phone" and (not PHONE_RE.match(text) or sum(ch.isdigit() for ch in text) < 5):
                raise AnswerError("enter a phone number (digits, spaces, + and -)")
            out[field] = text.lower() if field == "email" else text
        if not out:
            raise AnswerError("fill in at least one field")
        return out

    @staticmethod
    def export_columns(q: dict[str, Any]) -> list[tuple[str, str]]:
        title = q.get("title") or q["id"]
        return [(f"{q['id']}__{f}", f"{title}: {CONTACT_FIELDS[f]}") for f in q.get("fields", ["email"])]

    @staticmethod
    def export_values(q: dict[str, Any], answer: Any) -> list[Any]:
        got = answer if isinstance(answer, dict) else {}
        return [got.get(f) for f in q.get("fields", ["email"])]


class Statement(QuestionType):
    """A screen with a text, a button and an optional link: no answer, a record of what
    the person did -- ``"clicked"`` (the button) or ``"seen"`` (shown, the button not pressed:
the widget stores it as soon as it shows a statement that is not required, so a visitor
who leaves there counts as having seen it)."""

    type = "statement"
    label = "Statement / call to action"
    form_class = StatementForm
    summary_kind = "statement"
    default_required = False
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS
    translatable = ("title", "description", "button_label")

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "title": "Thanks -- one more thing",
                "button_label": "Continue"}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {"button_label": _str(config, "button_label", where, required=True,
                                                    max_len=60)}
        link = config.get("link")
        if link not in (None, ""):
            if not isinstance(link, str) or not LINK_RE.match(link.strip()):
                raise DefinitionError(f"{where}: link must start with https:// or http://",
                                      {f"{where}.link": "an http(s) address"})
            out["link"] = link.strip()
        return out

    def validate_answer(self, value: Any) -> str:
        if value not in STATEMENT_RECORDS:
            raise AnswerError("a statement records 'clicked' or 'seen'")
        if self.required and value != "clicked":
            raise AnswerError("press the button to go on")
        return str(value)


INPUT_TYPES: tuple[type[QuestionType], ...] = (Number, Slider, Date, Contact, Statement)
PII_TYPES = frozenset(cls.type for cls in INPUT_TYPES if getattr(cls, "pii", False))
__all__ = ["INPUT_TYPES", "PII_TYPES", "Contact", "Date", "Number", "Slider", "Statement"]
