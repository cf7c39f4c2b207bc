"""The visual survey editor: one WTForms form per question (from its type's class), a
branching-rule form, and one form for targeting, appearance and languages.

Every change edits the draft only. A form with errors is shown again with the errors
next to its fields and nothing is saved; logic that would not validate is refused with
the rule and question named. Publishing validates the whole draft as before.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from surveyapp.builder.forms import AddQuestionForm, LogicForm, SettingsForm
from surveyapp.extensions import db
from surveyapp.models import Role, Survey
from surveyapp.surveys.definition import END, DefinitionError, validate_definition
from surveyapp.surveys.questions import QUESTION_TYPES, QuestionType
from surveyapp.workspaces.access import get_or_404_in, workspace_view
from surveyapp.workspaces.forms import EmptyForm


def _questions(survey: Survey) -> list[dict[str, Any]]:
    questions = (survey.draft or {}).get("questions")
    return questions if isinstance(questions, list) else []


def _find(survey: Survey, qid: str) -> tuple[int, dict[str, Any]] | None:
    for i, q in enumerate(_questions(survey)):
        if isinstance(q, dict) and q.get("id") == qid:
            return i, q
    return None


def _store(survey: Survey, draft: dict[str, Any]) -> None:
    survey.draft = draft
    db.session.commit()


def _back(survey: Survey, anchor: str = "") -> Any:
    return redirect(url_for("builder.edit", survey_id=survey.id) + (f"#{anchor}" if anchor else ""))


# ----------------------------------------------------------------------------- forms for the page
def question_form(q: dict[str, Any], formdata: MultiDict[str, str] | None = None) -> Any:
    cls = QUESTION_TYPES[q["type"]]
    prefix = f"q-{q['id']}-"
    if formdata is not None:
        return cls.form_class(formdata=formdata, prefix=prefix)
    return cls.form_class(data=cls.form_data(q), prefix=prefix)


def add_question_form() -> AddQuestionForm:
    form = AddQuestionForm(prefix="add-")
    form.type.choices = [SelectChoice(t, cls.label) for t, cls in QUESTION_TYPES.items()]
    return form


def logic_form(survey: Survey) -> LogicForm:
    form = LogicForm(prefix="logic-")
    ids = [q["id"] for q in _questions(survey) if isinstance(q, dict) and q.get("type") != "hidden"]
    form.source.choices = [SelectChoice(i, i) for i in ids]
    form.target.choices = [SelectChoice(i, i) for i in ids] + [SelectChoice(END, "the end")]
    return form


def settings_form(survey: Survey, formdata: MultiDict[str, str] | None = None) -> SettingsForm:
    if formdata is not None:
        return SettingsForm(formdata=formdata, prefix="set-")
    d = survey.draft or {}
    t, ap, ty = d.get("targeting") or {}, d.get("appearance") or {}, d.get("thank_you") or {}
    trigger = t.get("trigger") or {"type": "page_view"}
    limit = t.get("display_limit") or {"mode": "until_answered"}
    schedule = t.get("schedule") or {}
    data = {
        "urls": "\n".join(("not " if r.get("exclude") else "") + f"{r['match']} {r['value']}"
                          for r in t.get("urls") or []),
        "trigger": trigger.get("type"),
        "trigger_value": str(trigger.get("name") or trigger.get("selector") or
                             trigger.get("percent") or trigger.get("seconds") or ""),
        "attributes": "\n".join(f"{a['key']} {a['op']} {a.get('value', '')}".strip()
                                for a in t.get("attributes") or []),
        "segments": ", ".join(t.get("segments") or []),
        "sampling": t.get("sampling", 100), "display_limit": limit.get("mode"),
        "display_times": limit.get("times"), "recontact_days": t.get("recontact_days"),
        "start": _date(schedule.get("start")), "end": _date(schedule.get("end")),
        "response_cap": t.get("response_cap"),
        "position": ap.get("position", "bottom-right"), "theme": ap.get("theme", "auto"),
        "brand_color": ap.get("brand_color", "#4f46e5"),
        "thank_you_title": ty.get("title"), "thank_you_body": ty.get("body"),
        "locales": ", ".join(d.get("locales") or [d.get("default_locale", "en")]),
    }
    return SettingsForm(data=data, prefix="set-")


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------- conversions
def _settings_to_definition(form: SettingsForm, draft: dict[str, Any]) -> dict[str, Any]:
    """Apply the settings form to a copy of the draft; field errors are added to ``form``."""
    out = copy.deepcopy(draft)
    urls = []
    for n, line in enumerate((form.urls.data or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        exclude = line.startswith("not ")
        parts = line[4:].strip().split(None, 1) if exclude else line.split(None, 1)
        if len(parts) != 2 or parts[0] not in ("exact", "contains", "starts_with", "regex"):
            form.urls.errors.append(f"Line {n}: start with exact, contains, starts_with or regex, "
                                    "then the text.")
            continue
        urls.append({"match": parts[0], "value": parts[1], **({"exclude": True} if exclude else {})})
    attributes = []
    for n, line in enumerate((form.attributes.data or "").splitlines(), 1):
        parts = line.split(None, 2)
        if not parts:
            continue
        if len(parts) < 2 or (parts[1] not in ("exists", "not_exists") and len(parts) < 3):
            form.attributes.errors.append(f"Line {n}: write “attribute operator value”.")
            continue
        value: Any = parts[2] if len(parts) == 3 else None
        if value is not None and value.lstrip("-").replace(".", "", 1).isdigit():
            value = float(value) if "." in value else int(value)
        attributes.append({"key": parts[0], "op": parts[1],
                           **({"value": value} if value is not None else {})})
    trigger: dict[str, Any] = {"type": form.trigger.data}
    raw = form.trigger_value.data or ""
    if trigger["type"] == "event":
        trigger["name"] = raw
    elif trigger["type"] == "click":
        trigger["selector"] = raw
    elif trigger["type"] in ("scroll", "delay"):
        key = "percent" if trigger["type"] == "scroll" else "seconds"
        if raw and not raw.isdigit():
            form.trigger_value.errors.append("a whole number")
        trigger[key] = int(raw) if raw.isdigit() else (50 if key == "percent" else 5)
    targeting: dict[str, Any] = {"urls": urls, "trigger": trigger, "attributes": attributes,
                                 "sampling": form.sampling.data,
                                 "display_limit": {"mode": form.display_limit.data}}
    if form.display_limit.data == "times":
        targeting["display_limit"]["times"] = form.display_times.data or 1
    for key in ("recontact_days", "response_cap"):
        if getattr(form, key).data is not None:
            targeting[key] = getattr(form, key).data
    schedule = {k: getattr(form, k).data.isoformat() for k in ("start", "end")
                if getattr(form, k).data}
    if schedule:
        targeting["schedule"] = schedule
    segment_keys = [k.strip() for k in (form.segments.data or "").split(",") if k.strip()]
    if segment_keys:
        targeting["segments"] = segment_keys
    if (draft.get("targeting") or {}).get("segment") is not None:
        targeting["segment"] = draft["targeting"]["segment"]
    out["targeting"] = targeting
    out["appearance"] = {"position": form.position.data, "theme": form.theme.data,
                         "brand_color": form.brand_color.data}
    out["thank_you"] = {k: v for k, v in (("title", form.thank_you_title.data),
                                          ("body", form.thank_you_body.data)) if v}
    locales = [loc.strip() for loc in (form.locales.data or "").split(",") if loc.strip()]
    if locales:
        out["default_locale"], out["locales"] = locales[0], locales
    return out


def _check_part(draft: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, str]:
    """Errors of the whole draft that concern ``prefixes`` (other parts may be unfinished)."""
    try:
        validate_definition(draft)
    except DefinitionError as exc:
        hits = {k: v for k, v in exc.fields.items() if k.startswith(prefixes)}
        if hits:
            return {**hits, "_message": str(exc)}
    return {}


# ----------------------------------------------------------------------------- routes
def register(bp: Any, render_edit: Any) -> None:
    """Attach the editor's routes to the builder blueprint; ``render_edit(survey, **forms)``
    shows the edit page with some forms replaced by bound ones that carry errors."""

    @bp.route("/<int:survey_id>/questions", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def add_question(survey_id: int) -> Any:
        survey = get_or_404_in(Survey, survey_id)
        form = add_question_form()
        if not form.validate_on_submit():
            return render_edit(survey, add_form=form), 422
        cls: type[QuestionType] = QUESTION_TYPES[form.type.data]
        taken = {q.get("id") for q in _questions(survey) if isinstance(q, dict)}
        qid = form.qid.data or cls.type.split("_")[0]
        if form.qid.data and qid in taken:
            form.qid.errors.append(f"“{qid}” is already used in this survey.")
            return render_edit(survey, add_form=form), 422
        base, n = qid, 2
        while qid in taken:
            qid, n = f"{base}_{n}", n + 1
        draft = copy.deepcopy(survey.draft or {})
        draft["questions"] = [*_questions(survey), cls.default_config(qid)]
        _store(survey, draft)
        flash(f"Added {cls.label.lower()} question “{qid}”. Write its text below.", "success")
        return _back(survey, f"q-{qid}")

    @bp.route("/<int:survey_id>/questions/<qid>", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def save_question(survey_id: int, qid: str) -> Any:
        survey, found, refusal = _question_post(survey_id, qid)
        if refusal is not None:
            return refusal
        index, old = found
        form = question_form(old, request.form)
        if form.validate():
            cls = QUESTION_TYPES[old["type"]]
            try:
                config = cls.config_from_form(form, old)
            except DefinitionError as exc:
                for where, why in exc.fields.items():
                    # "question 'x'.choices.0.id" -> the choices field
                    name = where.split(".")[1] if "." in where else "title"
                    field = form._fields.get(name) or form.title
                    field.errors = [*field.errors, why]  # type: ignore[misc]
            else:
                draft = copy.deepcopy(survey.draft)
                draft["questions"][index] = config
                _store(survey, draft)
                flash(f"Saved question “{qid}”.", "success")
                return _back(survey, f"q-{qid}")
        return render_edit(survey, question_forms={qid: form}), 422

    @bp.route("/<int:survey_id>/questions/<qid>/move", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def move_question(survey_id: int, qid: str) -> Any:
        survey, found, refusal = _question_post(survey_id, qid)
        if refusal is not None:
            return refusal
        index = found[0]
        other = index - 1 if request.form.get("direction") == "up" else index + 1
        questions = copy.deepcopy(_questions(survey))
        if not 0 <= other < len(questions):
            return _back(survey, f"q-{qid}")
        questions[index], questions[other] = questions[other], questions[index]
        draft = {**copy.deepcopy(survey.draft), "questions": questions}
        problems = _check_part(draft, ("logic",))
        if problems:
            flash(f"Not moved: {problems['_message']}", "error")
            return _back(survey, f"q-{qid}")
        _store(survey, draft)
        return _back(survey, f"q-{qid}")

    @bp.route("/<int:survey_id>/questions/<qid>/delete", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def delete_question(survey_id: int, qid: str) -> Any:
        survey, found, refusal = _question_post(survey_id, qid)
        if refusal is not None:
            return refusal
        draft = copy.deepcopy(survey.draft)
        draft["questions"] = [q for q in _questions(survey) if q is not found[1]]
        before = len(draft.get("logic") or [])
        draft["logic"] = [r for r in draft.get("logic") or [] if isinstance(r, dict) and qid not in (
            r.get("from"), r.get("jump_to"), (r.get("when") or {}).get("question"))]
        _store(survey, draft)
        removed = before - len(draft["logic"])
        flash(f"Deleted question “{qid}”" + (f" and {removed} rule(s) that used it." if removed
                                             else "."), "success")
        return _back(survey, "questions")

    @bp.route("/<int:survey_id>/logic", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def add_rule(survey_id: int) -> Any:
        survey = get_or_404_in(Survey, survey_id)
        form = logic_form(survey)
        if not form.validate_on_submit():
            return render_edit(survey, logic_form=form), 422
        rule: dict[str, Any] = {"from": form.source.data, "jump_to": form.target.data}
        if form.op.data:
            rule["when"] = {"op": form.op.data}
            if form.op.data not in ("answered", "skipped"):
                rule["when"]["value"] = _operand(survey, form.source.data, form.op.data,
                                                 form.value.data or "")
        draft = copy.deepcopy(survey.draft or {})
        draft["logic"] = [*(draft.get("logic") or []), rule]
        problems = _check_part(draft, ("logic",))
        if problems:
            form.value.errors.append(problems["_message"])
            return render_edit(survey, logic_form=form), 422
        _store(survey, draft)
        flash("Added the rule.", "success")
        return _back(survey, "logic")

    @bp.route("/<int:survey_id>/logic/<int:index>/delete", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def delete_rule(survey_id: int, index: int) -> Any:
        survey = get_or_404_in(Survey, survey_id)
        logic = list((survey.draft or {}).get("logic") or [])
        if not 0 <= index < len(logic):
            flash("That rule no longer exists.", "error")
            return render_edit(survey), 404
        if not EmptyForm().validate_on_submit():
            return render_edit(survey), 400
        del logic[index]
        _store(survey, {**copy.deepcopy(survey.draft), "logic": logic})
        flash("Deleted the rule.", "success")
        return _back(survey, "logic")

    @bp.route("/<int:survey_id>/settings", methods=["POST"])
    @workspace_view(Role.RESEARCHER)
    def save_settings(survey_id: int) -> Any:
        survey = get_or_404_in(Survey, survey_id)
        form = settings_form(survey, request.form)
        valid = form.validate()
        draft = _settings_to_definition(form, survey.draft or {}) if valid else None
        if draft is not None and not form.errors and not any(f.errors for f in form):
            problems = _check_part(draft, ("targeting", "appearance", "thank_you", "locales",
                                           "default_locale"))
            if problems:
                where = next(k for k in problems if k != "_message")
                field = {"targeting.urls": form.urls, "targeting.attributes": form.attributes,
                         "targeting.segments": form.segments,
                         "targeting.trigger": form.trigger_value}.get(
                    next((p for p in ("targeting.urls", "targeting.attributes", "targeting.trigger",
                                      "targeting.segments")
                          if where.startswith(p)), ""), form.locales if "locale" in where else form.urls)
                field.errors = [*field.errors, problems["_message"]]  # type: ignore[misc]
            else:
                _store(survey, draft)
                flash("Saved targeting and appearance.", "success")
                return _back(survey, "settings")
        return render_edit(survey, settings_form=form), 422

    def _question_post(survey_id: int, qid: str) -> tuple[Survey, Any, Any]:
        """The survey and (index, question) of a question route, or the refusal to return."""
        survey = get_or_404_in(Survey, survey_id)
        found = _find(survey, qid)
        if found is None or found[1].get("type") not in QUESTION_TYPES:
            return survey, None, _missing(survey, qid)
        if not EmptyForm().validate_on_submit():
            return survey, None, (render_edit(survey), 400)
        return survey, found, None

    def _missing(survey: Survey, qid: str) -> Any:
        flash(f"There is no question “{qid}” in this draft.", "error")
        return render_edit(survey), 404  # the editor with the message, not a redirect body

    def _operand(survey: Survey, source: str, op: str, raw: str) -> Any:
        found = _find(survey, source)
        qtype = found[1].get("type") if found else None
        values = [v.strip() for v in raw.split(",")] if op in ("in", "not_in") else [raw]

        def convert(v: str) -> Any:
            if qtype in ("nps", "csat", "ces", "rating"):
                try:
                    return int(v)
                except ValueError:
                    return v
            if qtype == "consent":
                return v.lower() in ("true", "yes", "1", "ticked")
            return v

        converted = [convert(v) for v in values]
        return converted if op in ("in", "not_in") else converted[0]
