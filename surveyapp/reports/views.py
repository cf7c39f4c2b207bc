"""Analyst pages: a survey's report (filters, charts, themes), the live feed, exports."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from surveyapp.analysis.model import model_status
from surveyapp.extensions import db
from surveyapp.insights.service import notes_for
from surveyapp.insights.share import links_for
from surveyapp.models import (
    AnswerAnnotation,
    Job,
    JobStatus,
    Response,
    Role,
    Survey,
    TextAnalysis,
    utcnow,
)
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import start_job, workspace_blueprint, workspace_job
from surveyapp.privacy.service import audit
from surveyapp.reports import rollup
from surveyapp.reports.exports import FORMATS, export_path, theme_names
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import breakdown_options, min_cell, segment_options, survey_report
from surveyapp.reports.themes import survey_analysis
from surveyapp.surveys.questions import open_text_questions, reported_questions
from surveyapp.templating import scrub
from surveyapp.workspaces.forms import EmptyForm
from surveyapp.workspaces.services import slugify


class ThemeLabelForm(FlaskForm):
    label = StringField("Theme name", filters=[lambda v: v.strip() if v else v],
                        validators=[DataRequired(), Length(max=80)])

bp = workspace_blueprint("reports", __name__)

LIVE_LIMIT = 20



def report_context(survey: Survey, f: ReportFilter, args: Any) -> dict[str, Any]:
    """Everything the report page (and the read-only share page) draws."""
    k = min_cell(survey.workspace)
    segments = segment_options(db.session, survey)
    f.segment_label = dict(segments).get(f.segment_id or -1, "")
    breakdown_by = (args.get("breakdown") or "").strip()
    theme_by = (args.get("theme_by") or "").strip()
    report = survey_report(db.session, survey, f, by=args.get("by", ""), breakdown_by=breakdown_by,
                           k=k)
    titles = {q.id: q.title for q in report.questions}
    options = breakdown_options(db.session, survey)
    valid = {key for key, _ in options}
    analyses = survey_analysis(db.session, survey, titles, f,
                               attribute=theme_by if theme_by in valid else "",
                               by=report.trend["by"], k=k)
    charts = report.charts()
    for a in analyses:
        charts[f"themes-{a.question_id}"] = {
            "type": "line", "labels": a.trend["buckets"] if a.trend else [],
            "series": a.trend["series"] if a.trend else [], "percent": True}
        if a.drivers:
            charts[f"drivers-{a.question_id}"] = {
                "type": "bar", "horizontal": True, "labels": [d.name for d in a.drivers["drivers"]],
                "series": [{"label": f"Effect on {a.drivers['outcome']}",
                            "data": [round(d.coef, 1) for d in a.drivers["drivers"]]}]}
    _note_filter(survey, f)
    return {"survey": survey, "report": report, "filters": f, "analyses": analyses,
            "charts": charts, "breakdown_options": options, "theme_by": theme_by,
            "open_text": open_text_questions(survey), "model": model_status(),
            "segments": segments}


def _note_filter(survey: Survey, f: ReportFilter) -> None:
    """A filter the survey's cached rows cannot answer gets its own (filled by a job), so
    the next views with it are fast too."""
    fill = rollup.want(db.session, survey, f)
    if fill or db.session.dirty:
        db.session.commit()
    if fill:
        rollup.queue_fill(survey.id, rollup.filter_key(f))


@bp.route("/surveys/<int:survey_id>")
@workspace_view(Role.VIEWER)
def survey(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    f = ReportFilter.from_args(request.args)
    ctx = report_context(survey, f, request.args)
    recent = db.session.scalars(
        select(Response).where(*f.where(survey)).order_by(Response.id.desc()).limit(LIVE_LIMIT)
    ).all()
    can_export = g.membership.role.allows(Role.ANALYST)
    locales, devices = _meta_values(survey, "locale"), _meta_values(survey, "device")
    return render_template(
        "reports/survey.html", **ctx, recent=recent, locales=locales, devices=devices,
        export_job=_job_arg("job"), analysis_job=_job_arg("analysis_job"), formats=FORMATS,
        empty_form=EmptyForm(), can_export=can_export,
        notes=notes_for(db.session, survey), shared=False,
        recent_notes=_annotations({r.id for r in recent}, survey),
        share_links=_share_links(survey, dict(ctx["segments"])) if can_export else [],
        live_url=url_for("reports.live", survey_id=survey.id, **f.to_args()),
    )


def _share_links(survey: Survey, segments: dict[int, str]) -> list[tuple[Any, list[str]]]:
    """Issued share links with their filters in words, for the share card."""
    out = []
    for link in links_for(db.session, survey):
        f = ReportFilter.from_args(link.filters or {})
        f.segment_label = segments.get(f.segment_id or -1, "")
        out.append((link, f.describe()))
    return out


def _meta_values(survey: Survey, key: str) -> list[str]:
    """Filter choices (locales, devices) from the latest 5,000 responses: cheap on big surveys."""
    recent = (select(Response.meta["device" if key == "device" else "locale"].as_string().label("v"))
              .where(Response.survey_id == survey.id).order_by(Response.id.desc()).limit(5000)
              .subquery())
    return [v for v in db.session.scalars(
        select(recent.c.v).where(recent.c.v.is_not(None)).group_by(recent.c.v)
        .order_by(func.count().desc()).limit(20)) if v]


@bp.route("/surveys/<int:survey_id>/live")
@workspace_view(Role.VIEWER)
def live(survey_id: int) -> Any:
    """A small JSON feed for the report page: counts and the latest responses with their
    open-text annotations. ETag/If-None-Match makes an unchanged poll a cheap 304."""
    import datetime as dt


    survey = get_or_404_in(Survey, survey_id)
    f = ReportFilter.from_args(request.args)
    conds = f.where(survey)
    # The ETag comes from index-only reads: the newest response id, the latest change among
    # recently started responses (answers and completion change only while they are open),
    # and the newest annotation. A poll with nothing new costs three index lookups.
    recent = utcnow() - dt.timedelta(days=2)
    stamp = (db.session.scalar(select(func.max(Response.id)).where(Response.survey_id == survey.id)),
             db.session.scalar(select(func.max(Response.updated_at)).where(
                 Response.survey_id == survey.id, Response.created_at >= recent)),
             db.session.scalar(select(func.max(AnswerAnnotation.id))))
    etag = hashlib.sha256(repr((stamp, sorted(request.args.items()))).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        resp = jsonify({})
        resp.status_code = 304
        resp.set_etag(etag)
        return resp
    # Counts from the same grouped rows as the report (cached aggregates on big surveys).
    r_rows = rollup.in_period(rollup.load(db.session, survey, f, reported_questions(survey),
                                          kinds=("r",))["r"], f.start, f.end)
    # The latest few, always: new rows appear, and rows already shown get their annotations
    # (themes, sentiment) as soon as the analysis assigns them.
    rows = db.session.scalars(select(Response).where(*conds)
                              .order_by(Response.id.desc()).limit(LIVE_LIMIT)).all()
    notes = _annotations({r.id for r in rows}, survey)
    resp = jsonify({
        "total": sum(r.n for r in r_rows), "finished": sum(r.n for r in r_rows if r.finished),
        "last_id": stamp[0] or 0,
        "responses": [_live_json(r, notes.get(r.id, [])) for r in reversed(rows)],
    })
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def _annotations(ids: set[int], survey: Survey) -> dict[int, list[str]]:
    if not ids:
        return {}
    names = theme_names(survey)
    out: dict[int, list[str]] = {}
    for ann in db.session.scalars(select(AnswerAnnotation).where(AnswerAnnotation.response_id.in_(ids))):
        parts = []
        if ann.theme is not None and (ann.question_id, ann.theme) in names:
            parts.append(names[(ann.question_id, ann.theme)])
        if ann.sentiment:
            parts.append(ann.sentiment)
        if parts:
            out.setdefault(ann.response_id, []).append(" · ".join(parts))
    return out


def _live_json(r: Response, annotations: list[str]) -> dict[str, Any]:
    answers = {}
    for k, v in r.answers.items():
        if isinstance(v, str):
            answers[k] = scrub(v)
        elif isinstance(v, list):
            answers[k] = ", ".join(str(x) for x in v)
        else:
            answers[k] = v if isinstance(v, int | float | bool) else str(v)
    return {"id": r.id, "created_at": r.created_at.isoformat(), "finished": r.finished,
            "device": r.meta.get("device") or "–", "answers": answers, "annotations": annotations}


def _job_arg(name: str) -> Job | None:
    """The job named in the query string, if it belongs to this workspace."""
    return workspace_job(request.args.get(name, type=int))


@bp.route("/surveys/<int:survey_id>/analyse", methods=["POST"])
@workspace_view(Role.ANALYST)
def analyse(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not open_text_questions(survey):
        flash("This survey has no open-text questions to analyse.", "error")
        return redirect(url_for("reports.survey", survey_id=survey.id))
    job = start_job("analyse_survey",
                    {"survey_id": survey.id, "refit": request.form.get("refit") == "1"},
                    what="the analysis")
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
    analysis.rename_theme(theme_id, form.label.data)
    db.session.commit()
    flash(f"Renamed the theme to “{form.label.data}”; a refit keeps the name.", "success")
    return redirect(url_for("reports.survey", survey_id=survey.id) + "#analysis")


@bp.route("/surveys/<int:survey_id>/export", methods=["POST"])
@workspace_view(Role.ANALYST)
def export(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    fmt = request.form.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    job = start_job(
        "export_responses",
        {"survey_id": survey.id, "finished_only": request.form.get("finished_only") == "1",
         "format": fmt, "real_ids": request.form.get("real_ids") == "1"},
        what="the export",
        link=lambda job: audit(db.session, g.workspace, "export.created", current_user,
                               target=survey.name, job_id=job.id),
    )
    return redirect(url_for("reports.survey", survey_id=survey.id, job=job.id) + "#export")


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
    fmt = job.params.get("format", "csv")
    name = f"{_filename(survey.name if survey else 'survey')}-responses-{job.id}.{fmt}"
    return send_file(path, mimetype=FORMATS[fmt], as_attachment=True, download_name=name)


def _filename(text: str) -> str:
    return slugify(text)
