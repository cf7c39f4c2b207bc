"""The shared parts of the question types: text cleaning and config readers, the editor's
forms and the ``QuestionType`` base class. The types themselves live in
``surveyapp.surveys.questions`` (the classic ones) and in ``questions_input`` and
``questions_rich`` (the lazy-loaded widget chunks); all three build on this module, and
``questions`` assembles ``QUESTION_TYPES`` from them, so none imports another in a loop.
"""
from __future__ import annotations

import builtins
import re
import unicodedata
from typing import TYPE_CHECKING, Any, ClassVar

from wtforms import BooleanField, Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveyapp.surveys.errors import DefinitionError

LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2}|-[A-Za-z]{4})?$")  # en, pt-BR, zh-Hant

if TYPE_CHECKING:
    pass

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
    form_class: ClassVar[builtins.type[Form]] = QuestionForm
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
