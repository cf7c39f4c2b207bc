"""The rich question types of issue 24: ranking, matrix / Likert grid, picture choice and
file upload. Each is a ``QuestionType`` like those in ``questions`` (configuration, the
builder's form, answer validation, summary kind), plus two hooks the report and the export
read:

* ``logic_ops`` -- the branching operators a rule may use on the type (``definition``);
* ``export_columns(q)`` / ``export_values(q, answer)`` -- a type whose answer is more than
  one value spreads it over several columns (a matrix: one column per row).

Answers come from public pages: every value is checked against the exact ids the question
offers, bounded in size, and normalised before it is stored.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from surveyapp.surveys.errors import AnswerError, DefinitionError
from surveyapp.surveys.question_base import (
    ID_RE,
    QuestionForm,
    QuestionType,
    _bool,
    _int,
    _locale_candidates,
    _str,
    clean_text,
    parse_choice_lines,
)

PRESENCE_OPS = frozenset({"answered", "skipped"})
IMAGE_URL_RE = re.compile(r"^(https?://[^\s\"'<>]{1,1000}|/[^\s\"'<>/][^\s\"'<>]{0,998})$")


def _items(config: dict[str, Any], key: str, where: str, lo: int, hi: int,
           label_max: int = 200) -> list[dict[str, str]]:
    """A list of ``{id, label}`` between ``lo`` and ``hi`` long, ids unique."""
    items = config.get(key)
    if not isinstance(items, list) or not lo <= len(items) <= hi:
        raise DefinitionError(f"{where}: give between {lo} and {hi} {key}",
                              {f"{where}.{key}": f"between {lo} and {hi} {key}"})
    out, seen = [], set()
    for i, item in enumerate(items):
        iw = f"{where}.{key}.{i}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                or not ID_RE.match(item["id"]):
            raise DefinitionError(f"{iw}: each entry needs an id (a-z, 0-9, _)",
                                  {f"{iw}.id": "a-z, 0-9 and _ only"})
        if item["id"] in seen:
            raise DefinitionError(f"{iw}: id {item['id']!r} is used twice",
                                  {f"{iw}.id": "duplicate"})
        seen.add(item["id"])
        out.append({"id": item["id"], "label": _str(item, "label", iw, required=True,
                                                     max_len=label_max) or ""})
    return out


def _lines(items: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['id']} | {c['label']}" for c in items)


def _translated_labels(texts: dict[str, Any], question: dict[str, Any], key: str,
                       where: str) -> dict[str, str] | None:
    """A translation's labels of ``question[key]`` (rows, columns, items)."""
    if key not in texts:
        return None
    known = {c["id"] for c in question.get(key, [])}
    labels = texts[key]
    if not isinstance(labels, dict) or set(labels) - known or \
            not all(isinstance(v, str) for v in labels.values()):
        raise DefinitionError(f"{where}: {key} must map existing ids to text",
                              {f"{where}.{key}": "unknown ids"})
    return {k: clean_text(v)[:200] for k, v in labels.items()}


class _ListTranslations(QuestionType):
    """Translations may relabel the entries of the lists named in ``label_lists``."""

    label_lists: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def validate_translations(cls, translations: Any, question: dict[str, Any],
                              where: str) -> dict[str, Any]:
        plain = {loc: {k: v for k, v in texts.items() if k not in cls.label_lists}
                 if isinstance(texts, dict) else texts
                 for loc, texts in translations.items()} if isinstance(translations, dict) \
            else translations
        out = super().validate_translations(plain, question, where)
        for loc, texts in translations.items():
            for key in cls.label_lists:
                labels = _translated_labels(texts, question, key, f"{where}.translations.{loc}")
                if labels:
                    out.setdefault(loc, {})[key] = labels
        return out

    def widget_schema(self, locale: str | None = None, default_locale: str = "en") -> dict[str, Any]:
        """As the base class, and the lists' labels in the respondent's language."""
        translations = self.config.get("translations") or {}
        plain = {**self.config, "translations": {
            loc: {k: v for k, v in texts.items() if k not in self.label_lists}
            for loc, texts in translations.items()}}
        out = QuestionType.widget_schema(type(self)(plain), locale, default_locale)
        chosen: dict[str, Any] = next((translations[c] for c in _locale_candidates(
            locale, default_locale) if translations.get(c)), {})
        for key in self.label_lists:
            if isinstance(self.config.get(key), list):
                names = chosen.get(key) or {}
                out[key] = [{**c, "label": names.get(c["id"], c["label"])}
                            for c in self.config[key]]
        return out


# ----------------------------------------------------------------------------- ranking
class RankingForm(QuestionForm):
    items = TextAreaField(
        "Items to rank, one per line", validators=[DataRequired()], render_kw={"rows": 5},
        description="Write “id | label” to fix the id that exports use; a line with only a "
                    "label gets an id made from it. 2 to 20 items.")
    randomize = BooleanField("Start from a random order (against order bias)")


class Ranking(_ListTranslations):
    """Put 2-20 items in order of preference. The answer is every item id, first = rank 1;
    the report gives each item's mean rank with an interval and the share who put it first."""

    type = "ranking"
    label = "Ranking"
    form_class = RankingForm
    summary_kind = "ranking"
    default_required = True
    label_lists = ("items",)
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "items": [
            {"id": "price", "label": "Price"}, {"id": "speed", "label": "Speed"},
            {"id": "support", "label": "Support"}]}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        return {"items": _items(config, "items", where, 2, 20),
                "randomize": _bool(config, "randomize", where, False)}

    @classmethod
    def form_data(cls, config: dict[str, Any]) -> dict[str, Any]:
        data = super().form_data(config)
        data["items"] = _lines(config.get("items", []))
        return data

    @classmethod
    def config_from_form(cls, form: Any, old: dict[str, Any]) -> dict[str, Any]:
        config = {"id": old["id"], "type": cls.type, "title": form.title.data,
                  "description": form.description.data or None,
                  "required": form.required.data, "randomize": form.randomize.data,
                  "items": parse_choice_lines(form.items.data)}
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    def validate_answer(self, value: Any) -> list[str]:
        ids = [i["id"] for i in self.config["items"]]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError("put the items in order")
        if len(value) != len(ids) or set(value) != set(ids):
            raise AnswerError("rank every item exactly once")
        return list(value)

    @staticmethod
    def export_columns(q: dict[str, Any]) -> list[tuple[str, str]]:
        title = q.get("title") or q["id"]
        return [(f"{q['id']}__{i['id']}", f"{title} (rank of {i['label']})") for i in q["items"]]

    @staticmethod
    def export_values(q: dict[str, Any], answer: Any) -> list[Any]:
        order = answer if isinstance(answer, list) else []
        return [order.index(i["id"]) + 1 if i["id"] in order else None for i in q["items"]]


# ----------------------------------------------------------------------------- matrix
class MatrixForm(QuestionForm):
    rows = TextAreaField("Rows (statements), one per line", validators=[DataRequired()],
                         render_kw={"rows": 4},
                         description="“id | label”, or a label alone; 1 to 30 rows.")
    columns = TextAreaField(
        "Scale (columns), one per line, lowest first", validators=[DataRequired()],
        render_kw={"rows": 5},
        default="1 | Strongly disagree\n2 | Disagree\n3 | Neutral\n4 | Agree\n5 | Strongly agree",
        description="2 to 11 points; the report's mean counts the first as 1, the next as 2, …")
    multiple = BooleanField("Several answers per row (checkboxes)")


class Matrix(_ListTranslations):
    """Rows (statements) rated on one scale (columns). The answer maps each answered row id
    to a column id, or to a list of column ids when ``multiple``. Rows left out are
    unanswered; a required matrix needs every row."""

    type = "matrix"
    label = "Matrix / Likert grid"
    form_class = MatrixForm
    summary_kind = "matrix"
    default_required = True
    label_lists = ("rows", "columns")
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid),
                "rows": [{"id": "easy", "label": "It is easy to use"},
                         {"id": "fast", "label": "It is fast"}],
                "columns": [{"id": str(i), "label": label} for i, label in enumerate(
                    ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"), 1)],
                "multiple": False}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        return {"rows": _items(config, "rows", where, 1, 30, label_max=300),
                "columns": _items(config, "columns", where, 2, 11, label_max=100),
                "multiple": _bool(config, "multiple", where, False)}

    @classmethod
    def form_data(cls, config: dict[str, Any]) -> dict[str, Any]:
        data = super().form_data(config)
        data["rows"], data["columns"] = _lines(config.get("rows", [])), _lines(config.get("columns", []))
        return data

    @classmethod
    def config_from_form(cls, form: Any, old: dict[str, Any]) -> dict[str, Any]:
        config = {"id": old["id"], "type": cls.type, "title": form.title.data,
                  "description": form.description.data or None,
                  "required": form.required.data, "multiple": form.multiple.data,
                  "rows": parse_choice_lines(form.rows.data),
                  "columns": parse_choice_lines(form.columns.data)}
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    def validate_answer(self, value: Any) -> dict[str, Any]:
        rows = {r["id"] for r in self.config["rows"]}
        cols = [c["id"] for c in self.config["columns"]]
        if not isinstance(value, dict):
            raise AnswerError("answer each row of the grid")
        out: dict[str, Any] = {}
        for row, picked in value.items():
            if row not in rows:
                raise AnswerError("answer only the rows of the grid")
            if self.config.get("multiple"):
                if not isinstance(picked, list) or not picked or \
                        not all(isinstance(p, str) and p in cols for p in picked) or \
                        len(set(picked)) != len(picked):
                    raise AnswerError("choose the offered answers, each once per row")
                out[row] = [c for c in cols if c in picked]  # in scale order
            else:
                if not isinstance(picked, str) or picked not in cols:
                    raise AnswerError("choose one of the offered answers in each row")
                out[row] = picked
        return out

    def is_empty(self, value: Any) -> bool:
        if not isinstance(value, dict) or not value:
            return True
        return self.required and len(value) < len(self.config["rows"])

    @staticmethod
    def export_columns(q: dict[str, Any]) -> list[tuple[str, str]]:
        title = q.get("title") or q["id"]
        return [(f"{q['id']}__{r['id']}", f"{title}: {r['label']}") for r in q["rows"]]

    @staticmethod
    def export_values(q: dict[str, Any], answer: Any) -> list[Any]:
        answer = answer if isinstance(answer, dict) else {}
        return [answer.get(r["id"]) for r in q["rows"]]


# ----------------------------------------------------------------------------- pictures
class PictureChoiceForm(QuestionForm):
    choices = TextAreaField(
        "Pictures, one per line: id | label | image URL | alt text", validators=[DataRequired()],
        render_kw={"rows": 5},
        description="The image URL starts with https:// (or / for a file on this server); the "
                    "alt text describes the picture for people who cannot see it, and is required.")
    multiple = BooleanField("Several pictures may be chosen")
    min = IntegerField("At least (optional)", validators=[Optional(), NumberRange(1, 20)])
    max = IntegerField("At most (optional)", validators=[Optional(), NumberRange(1, 20)])


def parse_picture_lines(text: str) -> list[dict[str, str]]:
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not line.strip():
            continue
        while len(parts) < 4:
            parts.append("")
        out.append({"id": parts[0], "label": parts[1], "image": parts[2],
                    "alt": "|".join(parts[3:]).strip()})
    return out


class PictureChoice(_ListTranslations):
    """Choose one (or several) of 2-20 pictures. Each picture has an image URL and an alt
    text (required: the picture's words for screen readers); answers are reported like
    choice questions."""

    type = "picture_choice"
    label = "Picture choice"
    form_class = PictureChoiceForm
    summary_kind = "choices"
    default_required = True
    label_lists = ("choices",)
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "multiple": False, "choices": [
            {"id": "a", "label": "First", "image": "https://example.org/a.png",
             "alt": "Describe the first picture"},
            {"id": "b", "label": "Second", "image": "https://example.org/b.png",
             "alt": "Describe the second picture"}]}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        base = _items(config, "choices", where, 2, 20)
        raw = config["choices"]
        choices = []
        for i, (item, src) in enumerate(zip(base, raw, strict=True)):
            cw = f"{where}.choices.{i}"
            image = src.get("image")
            if not isinstance(image, str) or not IMAGE_URL_RE.match(image.strip()):
                raise DefinitionError(f"{cw}: image must be an https:// (or /) URL",
                                      {f"{cw}.image": "an https:// or / URL"})
            alt = _str(src, "alt", cw, required=True, max_len=300)
            choices.append({**item, "image": image.strip(), "alt": alt})
        out: dict[str, Any] = {"choices": choices, "multiple": _bool(config, "multiple", where, False)}
        if out["multiple"]:
            n = len(choices)
            lo, hi = _int(config, "min", where, None, 1, n), _int(config, "max", where, None, 1, n)
            if lo and hi and lo > hi:
                raise DefinitionError(f"{where}: min is larger than max",
                                      {f"{where}.min": "larger than max"})
            out.update({k: v for k, v in (("min", lo), ("max", hi)) if v is not None})
        return out

    @classmethod
    def form_data(cls, config: dict[str, Any]) -> dict[str, Any]:
        data = super().form_data(config)
        data["choices"] = "\n".join(f"{c['id']} | {c['label']} | {c['image']} | {c['alt']}"
                                    for c in config.get("choices", []))
        return data

    @classmethod
    def config_from_form(cls, form: Any, old: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {
            "id": old["id"], "type": cls.type, "title": form.title.data,
            "description": form.description.data or None, "required": form.required.data,
            "multiple": form.multiple.data, "choices": parse_picture_lines(form.choices.data)}
        for key in ("min", "max"):
            if getattr(form, key).data is not None and form.multiple.data:
                config[key] = getattr(form, key).data
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    def validate_answer(self, value: Any) -> Any:
        ids = {c["id"] for c in self.config["choices"]}
        if not self.config.get("multiple"):
            if not isinstance(value, str) or value not in ids:
                raise AnswerError("choose one of the pictures")
            return value
        if not isinstance(value, list) or not value or \
                not all(isinstance(v, str) and v in ids for v in value):
            raise AnswerError("choose at least one of the pictures")
        if len(set(value)) != len(value):
            raise AnswerError("each picture can be chosen once")
        if len(value) < self.config.get("min", 1):
            raise AnswerError(f"choose at least {self.config['min']}")
        if "max" in self.config and len(value) > self.config["max"]:
            raise AnswerError(f"choose at most {self.config['max']}")
        return list(value)


# ----------------------------------------------------------------------------- upload tokens
# An answer to a file question is the token the upload endpoint (collect.uploads) gave for
# the stored file, signed with the app's key; the type checks it here.
SALT = "surveyapp.file-upload"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)  # type: ignore[arg-type]


def make_token(info: dict[str, Any]) -> str:
    return str(_serializer().dumps(info))


def read_token(token: str) -> dict[str, Any] | None:
    """The upload a token names (``key``, ``name``, ``size``, ``type``, ``q``), or None."""
    try:
        info = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(info, dict) or not all(isinstance(info.get(k), str)
                                             for k in ("key", "name", "type", "q")) \
            or not isinstance(info.get("size"), int):
        return None
    return info


# ----------------------------------------------------------------------------- uploads
#: The kinds of file a question may accept, by the MIME type detected from the content
#: (magic bytes, ``collect.uploads.detect``), never by the name's extension.
FILE_KINDS: dict[str, str] = {
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "application/pdf": "PDF document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook (XLSX)",
}
MAX_FILE_MB = 20


class FileUploadForm(QuestionForm):
    max_size_mb = IntegerField(f"Largest file (MB, 1-{MAX_FILE_MB})", default=5,
                               validators=[NumberRange(1, MAX_FILE_MB)])
    types = SelectMultipleField("Accepted kinds of file (checked by content)",
                                choices=[SelectChoice(k, v) for k, v in FILE_KINDS.items()],
                                default=["image/png", "image/jpeg", "application/pdf"])
    button = StringField("Button text (optional)", validators=[Optional()])


class FileUpload(QuestionType):
    """One file, at most ``max_size_mb``, of one of ``types`` (checked by its content).

    The widget first sends the file to ``POST /api/v1/client/<key>/uploads/<survey>/<question>``
    and gets a signed token back; the answer is that token, which this class verifies and
    stores as ``{"file": key, "name", "size", "type", "token"}``. The file itself stays in
    the upload store (``collect.uploads``) and is deleted with the response (erasure,
    retention)."""

    type = "file_upload"
    label = "File upload"
    form_class = FileUploadForm
    summary_kind = "files"
    translatable = ("title", "description", "button")
    logic_ops: ClassVar[frozenset[str]] = PRESENCE_OPS

    @classmethod
    def default_config(cls, qid: str) -> dict[str, Any]:
        return {**super().default_config(qid), "max_size_mb": 5,
                "types": ["image/png", "image/jpeg", "application/pdf"]}

    @classmethod
    def validate_specific(cls, config: dict[str, Any], where: str) -> dict[str, Any]:
        types = config.get("types", ["image/png", "image/jpeg", "application/pdf"])
        if not isinstance(types, list) or not types or \
                not all(isinstance(t, str) and t in FILE_KINDS for t in types):
            raise DefinitionError(f"{where}: types must list kinds of file from "
                                  f"{', '.join(FILE_KINDS)}",
                                  {f"{where}.types": "known MIME types"})
        out: dict[str, Any] = {
            "max_size_mb": _int(config, "max_size_mb", where, 5, 1, MAX_FILE_MB),
            "types": [t for t in FILE_KINDS if t in types]}
        button = _str(config, "button", where, max_len=100)
        if button:
            out["button"] = button
        return out

    @classmethod
    def config_from_form(cls, form: Any, old: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {
            "id": old["id"], "type": cls.type, "title": form.title.data,
            "description": form.description.data or None, "required": form.required.data,
            "max_size_mb": form.max_size_mb.data, "types": form.types.data}
        if form.button.data:
            config["button"] = form.button.data
        if old.get("translations"):
            config["translations"] = old["translations"]
        return cls.validate_config(config, f"question {old['id']!r}")

    @property
    def max_bytes(self) -> int:
        return int(self.config.get("max_size_mb", 5)) * 1024 * 1024

    def validate_answer(self, value: Any) -> dict[str, Any]:
        token = value.get("token") if isinstance(value, dict) else value
        if not isinstance(token, str) or len(token) > 2000:
            raise AnswerError("upload the file first, then send its token")
        info = read_token(token)
        if info is None or info.get("q") != self.id:
            raise AnswerError("this upload token is not valid for this question")
        if info.get("type") not in self.config.get("types", []) or \
                int(info.get("size", 0)) > self.max_bytes:
            raise AnswerError("this file is not accepted by this question")
        return {"file": info["key"], "name": info["name"], "size": int(info["size"]),
                "type": info["type"], "token": token}

    @staticmethod
    def export_columns(q: dict[str, Any]) -> list[tuple[str, str]]:
        title = q.get("title") or q["id"]
        return [(q["id"], f"{title} (file name)"), (f"{q['id']}__file", f"{title} (download link)")]

    @staticmethod
    def export_values(q: dict[str, Any], answer: Any) -> list[Any]:
        """The file's name, and its stored key (the export puts its download link there)."""
        if not isinstance(answer, dict):
            return [None, None]
        return [answer.get("name"), answer.get("file")]


RICH_TYPES: tuple[type[QuestionType], ...] = (Ranking, Matrix, PictureChoice, FileUpload)
