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
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from surveyapp.surveys.errors import AnswerError, DefinitionError
from surveyapp.surveys.question_base import (  # the shared parts; some re-exported
    ID_RE,
    TEXT_HARD_CAP,
    ChoiceForm,
    HiddenForm,
    MultipleChoiceForm,
    OpenTextForm,
    QuestionType,
    RatingForm,
    ScaleForm,
    _bool,
    _int,
    _str,
    clean_text,
)
from surveyapp.surveys.questions_input import INPUT_TYPES
from surveyapp.surveys.questions_rich import RICH_TYPES

if TYPE_CHECKING:
    from surveyapp.models import Survey


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
