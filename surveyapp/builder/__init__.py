"""Researcher pages: create surveys (from templates or JSON), edit, publish, lifecycle."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.builder import editor, service
from surveyapp.builder.forms import DefinitionForm, ImportForm, NewSurveyForm, StatusForm
from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.models import Role, Survey, SurveyKind, SurveyStatus
from surveyapp.surveys.questions import QUESTION_TYPES
from surveyapp.workspaces.access import get_or_404_in, workspace_view
from surveyapp.workspaces.forms import EmptyForm

bp = Blueprint("builder", __name__, url_prefix="/w/<slug>/surveys")
editor.register(bp, lambda survey, **overrides: render_edit(survey, **overrides))

MAX_IMPORT_BYTES = 256 * 1024


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug


def _templates() -> dict[str, dict[str, Any]]:
    from surveyapp.surveys.templates import TEMPLATES

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
    from surveyapp.surveys.schema import ImportError as SurveyImportError
    from surveyapp.surveys.schema import import_survey

    form = ImportForm()
    if not form.validate_on_submit():
        flash("Choose a .json file exported from surveyapp.", "error")
        return redirect(url_for("builder.new"))
    raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        flash(f"That file is larger than {MAX_IMPORT_BYTES // 1024} KB.", "error")
        return redirect(url_for("builder.new"))
    try:
        name, kind, definition = import_survey(json.loads(raw))
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
            definition = json.loads(form.definition.data)
            service.save_draft(survey, definition)
        except ValueError as exc:
            form.definition.errors.append(f"Not valid JSON: {exc}")
        except ApiError as exc:
            form.definition.errors.append(exc.message)
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(url_for("builder.edit", survey_id=survey.id))
        return render_edit(survey, json_form=form), 422
    return render_edit(survey)


def render_edit(survey: Survey, **overrides: Any) -> str:
    """The edit page; ``overrides`` replace forms with bound ones that show errors."""
    from surveyapp.collect.service import widget_survey

    problems: dict[str, Any] = {}
    preview = None
    try:
        definition = service.validate(survey.draft)
        preview = widget_survey(survey.id, 0, definition)
    except ApiError as exc:
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
        logic=[r for r in (survey.draft or {}).get("logic") or [] if isinstance(r, dict)],
        settings_form=overrides.get("settings_form") or editor.settings_form(survey),
        preview=preview, link=url_for("links.survey_page", slug=survey.public_slug, _external=True),
        open_section=next(iter(overrides), None),
    )


@bp.route("/<int:survey_id>/publish", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def publish(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        changes = service.publish(survey, current_user)
    except ApiError as exc:
        where = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        flash(f"Not published: {exc.message}" + (f" ({where})" if where else ""), "error")
        return redirect(url_for("builder.edit", survey_id=survey.id))
    db.session.commit()
    flash(f"Version {survey.current_version.number} is live: " + "; ".join(changes[:5]),
          "success")
    return redirect(url_for("builder.edit", survey_id=survey.id))


@bp.route("/<int:survey_id>/status", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def status(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            service.set_status(survey, SurveyStatus(form.status.data))
        except ApiError as exc:
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
    from surveyapp.surveys.definition import describe_changes

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
    from surveyapp.surveys.schema import export_survey

    survey = get_or_404_in(Survey, survey_id)
    definition = survey.current_version.definition if survey.current_version else survey.draft
    resp = jsonify(export_survey(survey.name, survey.kind.value, definition))
    resp.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.id}.json"'
    return resp
