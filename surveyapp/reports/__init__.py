"""Analyst pages: a survey's overview, and exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from surveyapp import jobs
from surveyapp.analysis import model_status
from surveyapp.analysis.job import open_text_questions
from surveyapp.analysis.report import survey_analysis
from surveyapp.extensions import db
from surveyapp.models import Job, JobStatus, Response, Role, Survey, TextAnalysis
from surveyapp.privacy.service import audit
from surveyapp.reports.exports import export_path
from surveyapp.reports.summary import summarise
from surveyapp.workspaces.access import get_or_404_in, workspace_view
from surveyapp.workspaces.forms import EmptyForm


class ThemeLabelForm(FlaskForm):
    label = StringField("Theme name", filters=[lambda v: v.strip() if v else v],
                        validators=[DataRequired(), Length(max=80)])

bp = Blueprint("reports", __name__, url_prefix="/w/<slug>")


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug


@bp.route("/surveys/<int:survey_id>")
@workspace_view(Role.VIEWER)
def survey(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    counts = db.session.execute(
        select(func.count(), func.count().filter(Response.finished.is_(True)))
        .where(Response.survey_id == survey.id)
    ).one()
    recent = db.session.scalars(
        select(Response).where(Response.survey_id == survey.id)
        .order_by(Response.created_at.desc()).limit(20)
    ).all()
    export_job, analysis_job = _job_arg("job"), _job_arg("analysis_job")
    summaries = summarise(db.session, survey)
    titles = {s.question["id"]: s.question.get("title", s.question["id"]) for s in summaries}
    return render_template(
        "reports/survey.html", survey=survey, total=counts[0], finished=counts[1],
        summaries=summaries, recent=recent, export_job=export_job,
        empty_form=EmptyForm(), can_export=g.membership.role.allows(Role.ANALYST),
        open_text=open_text_questions(survey), analysis_job=analysis_job,
        analyses=survey_analysis(db.session, survey, titles), model=model_status(),
    )


def _job_arg(name: str) -> Job | None:
    """The job named in the query string, if it belongs to this workspace."""
    job_id = request.args.get(name, type=int)
    job = db.session.get(Job, job_id) if job_id else None
    return job if job is not None and job.workspace_id == g.workspace.id else None


@bp.route("/surveys/<int:survey_id>/analyse", methods=["POST"])
@workspace_view(Role.ANALYST)
def analyse(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not open_text_questions(survey):
        flash("This survey has no open-text questions to analyse.", "error")
        return redirect(url_for("reports.survey", survey_id=survey.id))
    job = jobs.create_job(db.session, "analyse_survey", g.workspace,
                          {"survey_id": survey.id, "refit": request.form.get("refit") == "1"},
                          current_user)
    db.session.commit()
    if not jobs.enqueue(job.id):
        flash("The job queue is not reachable right now; the analysis will start when it is.",
              "error")
    return redirect(url_for("reports.survey", survey_id=survey.id, analysis_job=job.id) + "#analysis")


@bp.route("/surveys/<int:survey_id>/themes/<qid>/<int:theme_id>", methods=["POST"])
@workspace_view(Role.ANALYST)
def rename_theme(survey_id: int, qid: str, theme_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    analysis = db.session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == survey.id, TextAnalysis.question_id == qid))
    form = ThemeLabelForm()
    if analysis is None or not form.validate_on_submit():
        if analysis is None:
            abort(404)
        flash("A theme name is 1 to 80 characters.", "error")
        return redirect(url_for("reports.survey", survey_id=survey.id) + "#analysis")
    labels = dict((analysis.edits or {}).get("labels") or {})
    labels[str(theme_id)] = form.label.data
    analysis.edits = {**(analysis.edits or {}), "labels": labels}
    db.session.commit()
    flash(f"Renamed the theme to “{form.label.data}”; a refit keeps the name.", "success")
    return redirect(url_for("reports.survey", survey_id=survey.id) + "#analysis")


@bp.route("/surveys/<int:survey_id>/export", methods=["POST"])
@workspace_view(Role.ANALYST)
def export(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = jobs.create_job(
        db.session, "export_responses", g.workspace,
        {"survey_id": survey.id, "finished_only": request.form.get("finished_only") == "1"},
        current_user,
    )
    audit(db.session, g.workspace, "export.created", current_user, target=survey.name,
          job_id=job.id)
    db.session.commit()
    if not jobs.enqueue(job.id):
        flash("The job queue is not reachable right now; the export will start when it is.",
              "error")
    return redirect(url_for("reports.survey", survey_id=survey.id, job=job.id))


@bp.route("/jobs/<int:job_id>/download")
@workspace_view(Role.ANALYST)
def download(job_id: int) -> Any:
    job = get_or_404_in(Job, job_id)
    if job.kind != "export_responses" or job.status != JobStatus.SUCCEEDED:
        abort(404)
    path = export_path(job)
    if not path.exists():
        abort(404)
    survey = db.session.get(Survey, job.params["survey_id"])
    name = f"{_filename(survey.name if survey else 'survey')}-responses-{job.id}.csv"
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)


def _filename(text: str) -> str:
    from surveyapp.workspaces.services import slugify

    return slugify(text)
