"""Researcher pages: create surveys (from templates or JSON), edit, publish, lifecycle."""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.builder import editor, service, translations
from surveyapp.builder.editor import (
    add_question_form,
    back_to,
    check_part,
    draft_questions,
    find_question,
    logic_form,
    question_form,
    settings_form,
    settings_to_definition,
    store_draft,
)
from surveyapp.builder.errors import BuilderError
from surveyapp.builder.forms import DefinitionForm, ImportForm, NewSurveyForm, StatusForm
from surveyapp.builder.wording import rule_words
from surveyapp.collect.service import widget_survey
from surveyapp.extensions import db
from surveyapp.models import Role, Survey, SurveyKind, SurveyStatus
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.inputs import strict_loads
from surveyapp.platform.web import workspace_blueprint
from surveyapp.surveys.definition import DefinitionError, describe_changes
from surveyapp.surveys.questions import QUESTION_TYPES, QuestionType, question_type
from surveyapp.surveys.schema import ImportError as SurveyImportError
from surveyapp.surveys.schema import export_survey, import_survey
from surveyapp.surveys.templates import TEMPLATES
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("builder", __name__, "/surveys")

MAX_IMPORT_BYTES = 256 * 1024



def _templates() -> dict[str, dict[str, Any]]:
    return TEMPLATES


@bp.route("/new", methods=["GET", "POST"])
@workspace_view(Role.RESEARCHER)
def new() -> Any:
    form = NewSurveyForm()
    form.environment.choices = [SelectChoice(e.id, e.name) for e in g.workspace.environments]
    templates = _templates()
    form.template.choices = [SelectChoice("", "A blank survey")] + [
        SelectChoice(key, t["name"]) for key, t in templates.items()
    ]
    if form.validate_on_submit():
        environment = next(e for e in g.workspace.environments if e.id == form.environment.data)
        definition = templates[form.template.data]["definition"] if form.template.data else {
            "questions": []}
        survey = service.create_survey(db.session, g.workspace, environment, form.name.data,
                                       SurveyKind(form.kind.data), definition, current_user)
        db.session.commit()
        flash(f"“{survey.name}” created as a draft. Edit it, then publish.", "success")
        return redirect(url_for("builder.edit", survey_id=survey.id))
    return render_template("builder/new.html", form=form, import_form=ImportForm(),
                           templates=templates)


@bp.route("/import", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def import_json() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        flash("Choose a .json file exported from surveyapp.", "error")
        return redirect(url_for("builder.new"))
    raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        flash(f"That file is larger than {MAX_IMPORT_BYTES // 1024} KB.", "error")
        return redirect(url_for("builder.new"))
    try:
        name, kind, definition = import_survey(strict_loads(raw))
    except (ValueError, SurveyImportError) as exc:
        flash(f"Could not import: {exc}", "error")
        return redirect(url_for("builder.new"))
    survey = service.create_survey(db.session, g.workspace, g.workspace.environments[0], name,
                                   SurveyKind(kind), definition, current_user)
    db.session.commit()
    flash(f"Imported “{survey.name}” as a draft.", "success")
    return redirect(url_for("builder.edit", survey_id=survey.id))


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@workspace_view(Role.RESEARCHER)
def edit(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = DefinitionForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            definition = strict_loads(form.definition.data)
            service.save_draft(survey, definition)
        except ValueError as exc:
            form.definition.errors.append(f"Not valid JSON: {exc}")
        except BuilderError as exc:
            form.definition.errors.append(exc.message)
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(url_for("builder.edit", survey_id=survey.id))
        return render_edit(survey, json_form=form), 422
    return render_edit(survey)


def render_edit(survey: Survey, **overrides: Any) -> str:
    """The edit page; ``overrides`` replace forms with bound ones that show errors."""
    problems: dict[str, Any] = {}
    preview = None
    try:
        definition = service.validate(survey.draft)
        preview = widget_survey(survey.id, 0, definition)
    except BuilderError as exc:
        problems = {"message": exc.message, "fields": exc.fields}
    json_form = overrides.get("json_form") or DefinitionForm(
        definition=json.dumps(survey.draft, indent=2, ensure_ascii=False))
    questions = [q for q in (survey.draft or {}).get("questions") or []
                 if isinstance(q, dict) and q.get("type") in QUESTION_TYPES
                 and isinstance(q.get("id"), str)]
    bound = overrides.get("question_forms") or {}
    question_forms = [(q, QUESTION_TYPES[q["type"]], bound.get(q["id"]) or editor.question_form(q))
                      for q in questions]
    return render_template(
        "builder/edit.html", survey=survey, form=json_form, problems=problems,
        unpublished=service.has_unpublished_changes(survey), empty_form=EmptyForm(),
        status_form=StatusForm(), question_forms=question_forms,
        add_form=overrides.get("add_form") or editor.add_question_form(),
        logic_form=overrides.get("logic_form") or editor.logic_form(survey),
        rules=[(i, rule_words(r, questions)) for i, r in enumerate((survey.draft or {}).get("logic") or [])
               if isinstance(r, dict)],
        settings_form=overrides.get("settings_form") or editor.settings_form(survey),
        preview=preview, link=url_for("links.survey_page", slug=survey.public_slug, _external=True),
        open_section=next(iter(overrides), None),
        opened=request.args.get("open", ""),  # a question just added opens for editing
        link_survey=survey.kind == SurveyKind.LINK,
        translation=_translation_view(survey.draft or {}, questions),
        breaks=set(((survey.draft or {}).get("pages") or {}).get("breaks") or [])
        if isinstance((survey.draft or {}).get("pages"), dict) else set(),
    )


def _translation_view(draft: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """What the Translations section shows: per language, each question's texts (default
    beside translated), the widget's words when the catalogue lacks the language, gaps."""
    from surveyapp.widget_strings import WIDGET_KEYS, strings

    locales = translations.other_locales(draft)
    return {"locales": locales, "missing": translations.missing(draft),
            "rows": {loc: [(q, [(name, label, text, translations.current(q, loc, name))
                                for name, label, text in translations.texts(q)])
                           for q in questions if translations.texts(q)] for loc in locales},
            "widget": {loc: [(k, strings(loc).get(k, ""),
                              ((draft.get("strings") or {}).get(loc) or {}).get(k, ""))
                             for k in WIDGET_KEYS]
                       for loc in locales if translations.widget_missing(
                           {**draft, "strings": {}}, loc)}}


@bp.route("/<int:survey_id>/publish", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def publish(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        changes = service.publish(survey, current_user)
    except BuilderError as exc:
        where = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        flash(f"Not published: {exc.message}" + (f" ({where})" if where else ""), "error")
        return redirect(url_for("builder.edit", survey_id=survey.id))
    db.session.commit()
    flash(f"Version {survey.current_version.number} is live: " + "; ".join(changes[:5]),
          "success")
    # Missing translations warn rather than refuse: those respondents read the default
    # language (builder/translations.py says why).
    for loc, gaps in translations.missing(survey.current_version.definition).items():
        flash(f"Not translated into {loc} yet (shown in the default language): "
              + "; ".join(gaps[:12]) + (f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""),
              "error")
    return redirect(url_for("builder.edit", survey_id=survey.id))


@bp.route("/<int:survey_id>/translations/<loc>/<qid>", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_translation(survey_id: int, loc: str, qid: str) -> Any:
    survey, found, refusal = _question_post(survey_id, qid)
    if refusal is not None:
        return refusal
    if loc not in translations.other_locales(survey.draft or {}):
        flash(f"“{loc[:20]}” is not one of this survey's languages.", "error")
        return render_edit(survey), 404
    try:
        draft = translations.with_question_texts(survey.draft, found[0], loc, request.form)
    except DefinitionError as exc:
        flash(f"Not saved: {exc}", "error")
        return render_edit(survey), 422
    store_draft(survey, draft)
    flash(f"Saved the {loc} texts of “{qid}”.", "success")
    return back_to(survey, f"tr-{loc}-{qid}")


@bp.route("/<int:survey_id>/translations/<loc>/widget-words", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_widget_texts(survey_id: int, loc: str) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        return render_edit(survey), 400
    if loc not in translations.other_locales(survey.draft or {}):
        flash(f"“{loc[:20]}” is not one of this survey's languages.", "error")
        return render_edit(survey), 404
    store_draft(survey, translations.with_widget_texts(survey.draft, loc, request.form))
    flash(f"Saved the widget's words in {loc}.", "success")
    return back_to(survey, f"tr-{loc}-widget")


@bp.route("/<int:survey_id>/status", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def status(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            service.set_status(survey, SurveyStatus(form.status.data))
        except BuilderError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"“{survey.name}” is now {survey.status.value}.", "success")
    return redirect(url_for("builder.edit", survey_id=survey.id))


@bp.route("/<int:survey_id>/duplicate", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def duplicate(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    copy_ = service.duplicate(db.session, survey, current_user)
    db.session.commit()
    flash(f"Duplicated as “{copy_.name}” (a draft).", "success")
    return redirect(url_for("builder.edit", survey_id=copy_.id))


@bp.route("/<int:survey_id>/versions")
@workspace_view(Role.VIEWER)
def versions(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    history = []
    previous = None
    for version in survey.versions:
        changes = (describe_changes(previous.definition, version.definition) if previous
                   else ["First version"])
        history.append((version, changes))
        previous = version
    return render_template("builder/versions.html", survey=survey, history=list(reversed(history)))


@bp.route("/<int:survey_id>/export.json")
@workspace_view(Role.VIEWER)
def export_json(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    definition = survey.current_version.definition if survey.current_version else survey.draft
    resp = jsonify(export_survey(survey.name, survey.kind.value, definition))
    resp.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.id}.json"'
    return resp


# ----------------------------------------------------------------------------- the editor
# Each change edits the draft only; a form with errors is shown again (see builder.editor).
@bp.route("/<int:survey_id>/questions", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_question(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = add_question_form()
    if not form.validate_on_submit():
        return render_edit(survey, add_form=form), 422
    cls: type[QuestionType] = QUESTION_TYPES[form.type.data]
    taken = {q.get("id") for q in draft_questions(survey) if isinstance(q, dict)}
    qid = form.qid.data or cls.type.split("_")[0]
    if form.qid.data and qid in taken:
        form.qid.errors.append(f"“{qid}” is already used in this survey.")
        return render_edit(survey, add_form=form), 422
    base, n = qid, 2
    while qid in taken:
        qid, n = f"{base}_{n}", n + 1
    draft = copy.deepcopy(survey.draft or {})
    draft["questions"] = [*draft_questions(survey), cls.default_config(qid)]
    store_draft(survey, draft)
    flash(f"Added {cls.label.lower()} question “{qid}”. Write its text below.", "success")
    # No #q-<id> anchor: Chromium takes focus away from a field when it scrolls to one;
    # the page's script scrolls to the question and focuses its text (static/js/builder.js).
    return redirect(url_for("builder.edit", survey_id=survey.id, open=qid))

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
            store_draft(survey, draft)
            flash(f"Saved question “{qid}”.", "success")
            return back_to(survey, f"q-{qid}")
    return render_edit(survey, question_forms={qid: form}), 422

@bp.route("/<int:survey_id>/questions/<qid>/move", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def move_question(survey_id: int, qid: str) -> Any:
    survey, found, refusal = _question_post(survey_id, qid)
    if refusal is not None:
        return refusal
    index = found[0]
    other = index - 1 if request.form.get("direction") == "up" else index + 1
    questions = copy.deepcopy(draft_questions(survey))
    if not 0 <= other < len(questions):
        return back_to(survey, f"q-{qid}")
    questions[index], questions[other] = questions[other], questions[index]
    draft = {**copy.deepcopy(survey.draft), "questions": questions}
    problems = check_part(draft, ("logic",))
    if problems:
        flash(f"Not moved: {problems['_message']}", "error")
        return back_to(survey, f"q-{qid}")
    store_draft(survey, draft)
    return back_to(survey, f"q-{qid}")

@bp.route("/<int:survey_id>/questions/<qid>/page_break", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def toggle_page_break(survey_id: int, qid: str) -> Any:
    """Start a new page at this question, or join it to the page before (pages.breaks)."""
    survey, found, refusal = _question_post(survey_id, qid)
    if refusal is not None:
        return refusal
    draft = copy.deepcopy(survey.draft)
    pages = draft.get("pages") if isinstance(draft.get("pages"), dict) else {}
    breaks = [b for b in pages.get("breaks") or [] if b != qid]
    if qid not in (pages.get("breaks") or []):
        breaks.append(qid)
    draft["pages"] = {**pages, "breaks": breaks}
    problems = check_part(draft, ("logic", "pages", "questions"))
    if problems:
        flash(f"Not changed: {problems['_message']}", "error")
        return back_to(survey, f"q-{qid}")
    store_draft(survey, draft)
    flash(f"“{qid}” now starts a new page." if qid in breaks
          else f"“{qid}” is now on the page before it.", "success")
    return back_to(survey, f"q-{qid}")

@bp.route("/<int:survey_id>/questions/<qid>/delete", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def delete_question(survey_id: int, qid: str) -> Any:
    survey, found, refusal = _question_post(survey_id, qid)
    if refusal is not None:
        return refusal
    draft = copy.deepcopy(survey.draft)
    draft["questions"] = [q for q in draft_questions(survey) if q is not found[1]]
    before = len(draft.get("logic") or [])
    draft["logic"] = [r for r in draft.get("logic") or [] if isinstance(r, dict) and qid not in (
        r.get("from"), r.get("jump_to"), (r.get("when") or {}).get("question"))]
    store_draft(survey, draft)
    removed = before - len(draft["logic"])
    flash(f"Deleted question “{qid}”" + (f" and {removed} rule(s) that used it." if removed
                                         else "."), "success")
    return back_to(survey, "questions")

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
    problems = check_part(draft, ("logic",))
    if problems:
        form.value.errors.append(problems["_message"])
        return render_edit(survey, logic_form=form), 422
    store_draft(survey, draft)
    flash("Added the rule.", "success")
    return back_to(survey, "logic")

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
    store_draft(survey, {**copy.deepcopy(survey.draft), "logic": logic})
    flash("Deleted the rule.", "success")
    return back_to(survey, "logic")

@bp.route("/<int:survey_id>/settings", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_settings(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = settings_form(survey, request.form)
    valid = form.validate()
    draft = settings_to_definition(form, survey.draft or {}) if valid else None
    if draft is not None and not form.errors and not any(f.errors for f in form):
        problems = check_part(draft, ("targeting", "appearance", "thank_you", "locales",
                                       "default_locale", "definition.title"))
        if problems:
            where = next(k for k in problems if k != "_message")
            field = {"targeting.urls": form.urls, "targeting.attributes": form.attributes,
                     "targeting.segments": form.segments,
                     "targeting.trigger": form.trigger_value}.get(
                next((p for p in ("targeting.urls", "targeting.attributes", "targeting.trigger",
                                  "targeting.segments")
                      if where.startswith(p)), ""), form.locales if "locale" in where else
                form.public_title if where == "definition.title" else form.urls)
            field.errors = [*field.errors, problems["_message"]]  # type: ignore[misc]
        else:
            store_draft(survey, draft)
            flash("Saved targeting and appearance.", "success")
            return back_to(survey, "settings")
    return render_edit(survey, settings_form=form), 422

def _question_post(survey_id: int, qid: str) -> tuple[Survey, Any, Any]:
    """The survey and (index, question) of a question route, or the refusal to return."""
    survey = get_or_404_in(Survey, survey_id)
    found = find_question(survey, qid)
    if found is None or found[1].get("type") not in QUESTION_TYPES:
        return survey, None, _missing(survey, qid)
    if not EmptyForm().validate_on_submit():
        return survey, None, (render_edit(survey), 400)
    return survey, found, None

def _missing(survey: Survey, qid: str) -> Any:
    flash(f"There is no question “{qid}” in this draft.", "error")
    return render_edit(survey), 404  # the editor with the message, not a redirect body

def _operand(survey: Survey, source: str, op: str, raw: str) -> Any:
    found = find_question(survey, source)
    qtype = found[1].get("type") if found else None
    scale = found is not None and getattr(question_type(found[1]), "is_scale", False)
    values = [v.strip() for v in raw.split(",")] if op in ("in", "not_in") else [raw]

    def convert(v: str) -> Any:
        if scale:
            try:
                return int(v)
            except ValueError:
                return v
        if qtype == "consent":
            return v.lower() in ("true", "yes", "1", "ticked")
        return v

    converted = [convert(v) for v in values]
    return converted if op in ("in", "not_in") else converted[0]
