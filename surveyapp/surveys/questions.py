"""Question types: one class each, with one place for configuration, answer validation,
the widget's rendering schema, the kind of summary a report shows and the scoring rules
(a scale's range, what a "good" answer is, NPS groups -- their SQL twins are in
``surveyapp.surveys.scoring``).

Answers are attacker-controlled (they come from public pages), so ``validate_answer``
accepts only the exact JSON types a type expects, bounded in size, and returns the
normalised value that is stored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from wtforms import BooleanField, Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveyapp.surveys.errors import AnswerError, DefinitionError

LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}|-[A-Za-z]{4})?$")  # en, pt-BR, zh-Hant

if TYPE_CHECKING:
    from surveyapp.models import Survey

ID_RE = re.compile(r"^[a-z0-9_]{1,40}$")
TEXT_HARD_CAP = 5000
TITLE_MAX = 500
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Text stays text: control characters out, Unicode normalised, ends trimmed."""
    return unicodedata.normalize("NFC", CONTROL_RE.sub("", value)).strip()


def _str(config: dict[str, Any], key: str, where: str, required: bool = False,
         max_len: int = TITLE_MAX) -> str | None:
    value = config.get(key)
    if value is None or value == "":
        if required:
            raise DefinitionError(f"{where}: {key} is required", {f"{where}.{key}": "required"})
        return None
    if not isinstance(value, str):
        raise DefinitionError(f"{where}: {key} must be text", {f"{where}.{key}": "must be text"})
    value = clean_text(value)
    if len(value) > max_len:
        raise DefinitionError(f"{where}: {key} is too long",
                              {f"{where}.{key}": f"at most {max_len} characters"})
    return value


def _bool(config: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise DefinitionError(f"{where}: {key} must be true or false",
                              {f"{where}.{key}": "true or false"})
    return value


def _int(config: dict[str, Any], key: str, where: str, default: int | None, lo: int,
         hi: int) -> int | None:
    value = config.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise DefinitionError(f"{where}: {key} must be a whole number from {lo} to {hi}",
                              {f"{where}.{key}": f"a whole number from {lo} to {hi}"})
    return value


# ----------------------------------------------------------------------------- forms
class QuestionForm(Form):
    """The builder's form for a question; each type extends it with its own options."""

    title = StringField("Question", validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField("Help text (optional)", validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 2})
    required = BooleanField("An answer is required")


class ScaleForm(QuestionForm):
    lower_label = StringField("Label under the lowest score", validators=[Optional(), Length(max=100)])
    upper_label = StringField("Label under the highest score", validators=[Optional(), Length(max=100)])


class RatingForm(ScaleForm):
    scale = IntegerField("Scale (highest rating)", default=5, validators=[NumberRange(3, 10)])
    style = SelectField("Shown as", choices=[("stars", "Stars"), ("numbers", "Numbers")])


class ChoiceForm(QuestionForm):
    choices = TextAreaField(
        "Answers, one per line", validators=[DataRequired()], render_kw={"rows": 5},
        description="Write “id | label” to fix the id that logic and exports use; a line "
                    "with only a label gets an id made from it.")
    other = BooleanField("Offer “Other” with a text box")
    randomize = BooleanField("Show the answers in random order")


class MultipleChoiceForm(ChoiceForm):
    min = IntegerField("At least (optional)", validators=[Optional(), NumberRange(1, 50)])
    max = IntegerField("At most (optional)", validators=[Optional(), NumberRange(1, 50)])


class OpenTextForm(QuestionForm):
    long = BooleanField("Long answer (several lines)")
    min_length = IntegerField("Minimum characters", default=0,
                              validators=[Optional(), NumberRange(0, TEXT_HARD_CAP)])
    max_length = IntegerField("Maximum characters", default=2000,
                              validators=[Optional(), NumberRange(1, TEXT_HARD_CAP)])
    placeholder = StringField("Placeholder (optional)", validators=[Optional(), Length(max=200)])


class HiddenForm(Form):
    title = StringField("Label in reports (optional)", validators=[Optional(), Length(max=TITLE_MAX)],
                        description="The value comes from the host page: identify() attributes "
                                    "of the same name, or ?name=value on a link page.")


def _slug(label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", label).encode(
        "ascii", "ignore").decode().lower()).strip("_")
    return (slug or "choice")[:40]


def parse_choice_lines(text: str) -> list[dict[str, str]]:
    out, seen = [], set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        cid, sep, label = (part.strip() for part in line.partition("|"))
        if not sep:
            cid, label = _slug(line), line
        base, n = cid, 2
        while cid in seen:
            cid, n = f"{base}_{n}", n + 1
        seen.add(cid)
        out.append({"id": cid, "label": label})
    return out


class QuestionType:
    """Base class. Subclasses set ``type`` and override the hooks they need."""

    type: ClassVar[str]
    label: ClassVar[str]
    summary_kind: ClassVar[str] = "none"
    default_required: ClassVar[bool] = False
    # Scale types: the lowest and highest score (a rating's configured top is ``bounds()``),
    # and the lowest "good" score with how reports name the share at or above it.
    is_scale: ClassVar[bool] = False
    scale: ClassVar[tuple[int, int] | None] = None
    good_min: ClassVar[int | None] = None
    good_label: ClassVar[str] = ""
    form_class: ClassVar[type[Form]] = QuestionForm
    # Configuration keys a type accepts beyond the common ones, and which are translatable.
    translatable: ClassVar[tuple[str, ...]] = ("title", "description")

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @property
    def id(self) -> str:
        return str(self.config["id"])

    @property
    def required(self) -> bool:
        return bool(self.config.get("required", self.default_required))

    # -- configuration ------------------------------------------------------------------
    @classmethod
    def validate_config(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": config["id"], "type": cls.type}
        out["title"] = _str(config, "title", where, required=cls.type != "hidden")
        if out["title"] is None:
            out.pop("title")
        description = _str(config, "description", where, max_len=2000)
        if description:
            out["description"] = description
        out["required"] = _bool(config, "required", where, cls.default_required)
        out.update(cls.validate_specific(config, where))
        translations = config.get("translations")
        if translations is not None:
            out["translations"] = cls.validate_translations(translations, out, where)
        return out

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        return {}

    # -- the builder's form ---------------------------------------------------------------
    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {"id": qid, "type": cls.type, "title": f"New {cls.label.lower()} question",
                "required": cls.default_required}

    @classmethod
    def form_data(cls, config: dict[str, Any]) -> dict[str, Any]:
        data = {k: config.get(k) for k in cls.form_class().data}
        data["required"] = bool(config.get("required", cls.default_required))
        if "choices" in data:
            data["choices"] = "\n".join(f"{c['id']} | {c['label']}" for c in config.get("choices", []))
        return data

    @classmethod
    def config_from_form(cls, form: Form, old: dict[str, Any]) -> dict[str, Any]:
        """The new configuration (translations kept); raises ``DefinitionError``."""
        config: dict[str, Any] = {"id": old["id"], "type": cls.type}
        for name, value in form.data.items():
            if name == "choices":
                value = parse_choice_lines(value)
            if value not in (None, ""):
                config[name] = value
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    @classmethod
    def validate_translations(cls, translations: Any, question: dict[str, Any],
                              where: str) -> dict[str, Any]:
        if not isinstance(translations, dict):
            raise DefinitionError(f"{where}: translations must be an object",
                                  {f"{where}.translations": "an object of locale to texts"})
        out: dict[str, Any] = {}
        for locale, texts in translations.items():
            loc_where = f"{where}.translations.{locale}"
            if not isinstance(locale, str) or not LOCALE_RE.match(locale):
                raise DefinitionError(f"{where}: {locale!r} is not a locale like 'de' or 'pt-BR'",
                                      {loc_where: "not a locale"})
            if not isinstance(texts, dict):
                raise DefinitionError(f"{loc_where} must be an object", {loc_where: "an object"})
            entry: dict[str, Any] = {}
            for key in cls.translatable:
                value = _str(texts, key, loc_where, max_len=2000)
                if value:
                    entry[key] = value
            if "choices" in texts and "choices" in question:
                known = {c["id"] for c in question["choices"]}
                labels = texts["choices"]
                if not isinstance(labels, dict) or set(labels) - known:
                    raise DefinitionError(f"{loc_where}: choices must map existing choice ids",
                                          {f"{loc_where}.choices": "unknown choice ids"})
                entry["choices"] = {k: clean_text(str(v))[:TITLE_MAX] for k, v in labels.items()}
            out[locale] = entry
        return out

    # -- answers --------------------------------------------------------------------------
    def validate_answer(self, value: Any) -> Any:
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == []

    # -- rendering ------------------------------------------------------------------------
    def widget_schema(self, locale: str | None = None, default_locale: str = "en") -> dict[str, Any]:
        """The question with texts resolved for ``locale`` (exact, then language, then default)."""
        schema = {k: v for k, v in self.config.items() if k != "translations"}
        translations = self.config.get("translations") or {}
        for candidate in _locale_candidates(locale, default_locale):
            texts = translations.get(candidate)
            if texts:
                for key, value in texts.items():
                    if key == "choices" and "choices" in schema:
                        schema["choices"] = [{**c, "label": value.get(c["id"], c["label"])}
                                             for c in schema["choices"]]
                    else:
                        schema[key] = value
                break
        return schema


def _locale_candidates(locale: str | None, default: str) -> list[str]:
    if not locale:
        return []
    out = [locale]
    if "-" in locale:
        out.append(locale.split("-", 1)[0])
    return [c for c in out if c != default]


class ScaleQuestion(QuestionType):
    form_class = ScaleForm
    summary_kind = "scale"
    default_required = True
    is_scale = True
    scale: ClassVar[tuple[int, int]]
    translatable = ("title", "description", "lower_label", "upper_label")

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("lower_label", "upper_label"):
            value = _str(config, key, where, max_len=100)
            if value:
                out[key] = value
        return out

    def bounds(self) -> tuple[int, int]:
        return self.scale

    def validate_answer(self, value: Any) -> int:
        low, high = self.bounds()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AnswerError(f"choose a number from {low} to {high}")
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                raise AnswerError(f"choose a whole number from {low} to {high}")
            value = int(value)
        if not low <= value <= high:
            raise AnswerError(f"choose a number from {low} to {high}")
        return value


class NPS(ScaleQuestion):
    """Net Promoter Score: 9-10 promoters, 7-8 passives, 0-6 detractors; the score is the
    share of promoters minus the share of detractors, in points (``reports.stats.nps``)."""

    type = "nps"
    label = "NPS (0-10)"
    summary_kind = "nps"
    scale = (0, 10)
    PROMOTER_MIN: ClassVar[int] = 9
    DETRACTOR_MAX: ClassVar[int] = 6
    GROUPS: ClassVar[tuple[str, str, str]] = ("detractor", "passive", "promoter")
    SIGN: ClassVar[dict[str, int]] = {"detractor": -1, "passive": 0, "promoter": 1}

    @classmethod
    def group(cls, score: Any) -> str | None:
        """"promoter", "passive" or "detractor"; None when unanswered or off the 0-10 scale."""
        if isinstance(score, bool) or not isinstance(score, int | float):
            return None
        if not cls.scale[0] <= score <= cls.scale[1]:
            return None
        if score >= cls.PROMOTER_MIN:
            return "promoter"
        return "detractor" if score <= cls.DETRACTOR_MAX else "passive"

    @classmethod
    def points(cls, score: Any) -> int | None:
        """What one answer adds to an NPS: +100 promoter, 0 passive, -100 detractor."""
        group = cls.group(score)
        return None if group is None else 100 * cls.SIGN[group]

    @classmethod
    def tally(cls, counts: Iterable[tuple[Any, int]]) -> dict[str, int]:
        """Answers per group from (score, how many) pairs; scores off the scale are left out."""
        out = dict.fromkeys(cls.GROUPS, 0)
        for score, n in counts:
            group = cls.group(score)
            if group is not None:
                out[group] += n
        return out


class CSAT(ScaleQuestion):
    type = "csat"
    label = "CSAT (1-5)"
    scale = (1, 5)
    good_min, good_label = 4, "satisfied (4–5)"


class CES(ScaleQuestion):
    type = "ces"
    label = "CES (1-7)"
    scale = (1, 7)
    good_min, good_label = 5, "found it easy (5–7)"


class Rating(ScaleQuestion):
    type = "rating"
    label = "Rating"
    form_class = RatingForm
    scale = (1, 5)  # the default; a question's own top is in its "scale" (see bounds)
    good_min, good_label = 4, "rated 4 or 5"

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out = super().validate_specific(config, where)
        out["scale"] = _int(config, "scale", where, 5, 3, 10)
        style = config.get("style", "stars")
        if style not in ("stars", "numbers"):
            raise DefinitionError(f"{where}: style must be 'stars' or 'numbers'",
                                  {f"{where}.style": "'stars' or 'numbers'"})
        out["style"] = style
        return out

    def bounds(self) -> tuple[int, int]:
        return 1, int(self.config.get("scale", 5))


class ChoiceQuestion(QuestionType):
    form_class = ChoiceForm
    summary_kind = "choices"
    default_required = True
    translatable = ("title", "description")
    multiple: ClassVar[bool] = False

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        choices = config.get("choices")
        if not isinstance(choices, list) or not 2 <= len(choices) <= 50:
            raise DefinitionError(f"{where}: give between 2 and 50 choices",
                                  {f"{where}.choices": "between 2 and 50 choices"})
        out_choices, seen = [], set()
        for i, choice in enumerate(choices):
            cw = f"{where}.choices.{i}"
            if not isinstance(choice, dict) or not isinstance(choice.get("id"), str) \
                    or not ID_RE.match(choice["id"]):
                raise DefinitionError(f"{cw}: each choice needs an id (a-z, 0-9, _)",
                                      {f"{cw}.id": "a-z, 0-9 and _ only"})
            if choice["id"] in seen or choice["id"] == "other":
                raise DefinitionError(f"{cw}: choice id {choice['id']!r} is used twice or reserved",
                                      {f"{cw}.id": "duplicate or reserved"})
            seen.add(choice["id"])
            out_choices.append({"id": choice["id"], "label": _str(choice, "label", cw, required=True)})
        out: dict[str, Any] = {"choices": out_choices,
                               "other": _bool(config, "other", where, False),
                               "randomize": _bool(config, "randomize", where, False)}
        if cls.multiple:
            n = len(out_choices) + (1 if out["other"] else 0)
            out["min"] = _int(config, "min", where, None, 1, n)
            out["max"] = _int(config, "max", where, None, 1, n)
            if out["min"] and out["max"] and out["min"] > out["max"]:
                raise DefinitionError(f"{where}: min is larger than max",
                                      {f"{where}.min": "larger than max"})
            out = {k: v for k, v in out.items() if v is not None}
        return out

    def _choice_ids(self) -> set[str]:
        return {c["id"] for c in self.config["choices"]}

    def _one(self, value: Any) -> str:
        if isinstance(value, str) and value in self._choice_ids():
            return value
        if isinstance(value, dict) and self.config.get("other") and set(value) == {"other"} \
                and isinstance(value["other"], str):
            text = clean_text(value["other"])[:500]
            if not text:
                raise AnswerError("describe your other answer")
            return f"other:{text}"
        raise AnswerError("choose one of the offered answers")

    def validate_answer(self, value: Any) -> Any:
        if not self.multiple:
            return self._one(value)
        if not isinstance(value, list) or not value:
            raise AnswerError("choose at least one answer")
        picked = [self._one(v) for v in value]
        if len(set(picked)) != len(picked):
            raise AnswerError("each answer can be chosen once")
        if len(picked) < self.config.get("min", 1):
            raise AnswerError(f"choose at least {self.config['min']}")
        if "max" in self.config and len(picked) > self.config["max"]:
            raise AnswerError(f"choose at most {self.config['max']}")
        return picked


class SingleChoice(ChoiceQuestion):
    type = "single_choice"
    label = "Single choice"

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "choices": [
            {"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]}


class MultipleChoice(ChoiceQuestion):
    type = "multiple_choice"
    label = "Multiple choice"
    form_class = MultipleChoiceForm

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "choices": [
            {"id": "a", "label": "First option"}, {"id": "b", "label": "Second option"}]}
    multiple = True


class OpenText(QuestionType):
    type = "open_text"
    label = "Open text"
    form_class = OpenTextForm
    summary_kind = "text"
    translatable = ("title", "description", "placeholder")

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {"long": _bool(config, "long", where, False)}
        out["min_length"] = _int(config, "min_length", where, 0, 0, TEXT_HARD_CAP)
        out["max_length"] = _int(config, "max_length", where, 2000, 1, TEXT_HARD_CAP)
        if out["min_length"] > out["max_length"]:
            raise DefinitionError(f"{where}: min_length is larger than max_length",
                                  {f"{where}.min_length": "larger than max_length"})
        placeholder = _str(config, "placeholder", where, max_len=200)
        if placeholder:
            out["placeholder"] = placeholder
        return out

    def validate_answer(self, value: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError("write your answer as text")
        text = clean_text(value)
        if len(text) > self.config.get("max_length", 2000):
            raise AnswerError(f"keep it under {self.config.get('max_length', 2000)} characters")
        if text and len(text) < self.config.get("min_length", 0):
            raise AnswerError(f"write at least {self.config['min_length']} characters")
        return text


class Consent(QuestionType):
    type = "consent"
    label = "Consent"
    summary_kind = "choices"
    default_required = True

    def validate_answer(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise AnswerError("tick the box or leave it")
        if self.required and value is not True:
            raise AnswerError("this agreement is needed to continue")
        return value

    def is_empty(self, value: Any) -> bool:
        return value is None or (self.required and value is False)


class Hidden(QuestionType):
    """A value the host page passes in (plan, A/B variant); never shown to the respondent."""

    type = "hidden"
    label = "Hidden field"
    form_class = HiddenForm

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {"id": qid, "type": "hidden", "required": False}

    @classmethod
    def form_data(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {"title": config.get("title")}

    def validate_answer(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise AnswerError("hidden values are text or numbers")
        text = clean_text(str(value))
        if len(text) > 500:
            raise AnswerError("hidden values are at most 500 characters")
        return text


from surveyapp.surveys.questions_input import INPUT_TYPES  # noqa: E402 - they build on the above
from surveyapp.surveys.questions_rich import RICH_TYPES  # noqa: E402 - they build on the above

QUESTION_TYPES: dict[str, type[QuestionType]] = {
    cls.type: cls
    for cls in (NPS, CSAT, CES, Rating, SingleChoice, MultipleChoice, OpenText, Consent, Hidden,
                *RICH_TYPES, *INPUT_TYPES)
}


def question(config: dict[str, Any]) -> QuestionType:
    return QUESTION_TYPES[config["type"]](config)


def question_type(config: Mapping[str, Any]) -> type[QuestionType] | None:
    """The class of a question's type (``question_type(q) is NPS``); None if unknown."""
    return QUESTION_TYPES.get(config.get("type") or "")


def open_text_questions(survey: Survey) -> list[tuple[str, str]]:
    """(id, title) of every open-text question in any version of ``survey``, each once,
    in first-seen order: what the open-text analysis reads."""
    seen: dict[str, str] = {}
    for version in survey.versions:
        for q in version.questions:
            if question_type(q) is OpenText and q["id"] not in seen:
                seen[q["id"]] = q.get("title", q["id"])
    return list(seen.items())


def summary_kind(q: Mapping[str, Any]) -> str:
    """How a question is summarised in reports ("none": not reported, as consent)."""
    cls = question_type(q)
    if cls is None or cls is Consent:
        return "none"
    return cls.summary_kind


def first_question(survey: Survey, qtype: str) -> dict[str, Any] | None:
    """The current version's first question of type ``qtype``."""
    version = survey.current_version
    for q in version.questions if version else []:
        if q.get("type") == qtype:
            return q
    return None


def reported_questions(survey: Survey) -> list[dict[str, Any]]:
    """The current version's questions that have a summary (not consent or hidden)."""
    questions = survey.current_version.questions if survey.current_version else []
    return [q for q in questions if summary_kind(q) != "none"]
