"""Analyst pages: a survey's report (filters, charts, themes), the live feed, exports."""

from __future__ import annotations

import hashlib
import io
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
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from surveyapp.analysis.model import model_status
from surveyapp.collect import uploads
from surveyapp.extensions import db
from surveyapp.insights.service import notes_for
from surveyapp.models import Job, Response, Role, Survey
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, start_job, workspace_blueprint, workspace_job
from surveyapp.privacy.service import audit
from surveyapp.reports import queries, rollup, service
from surveyapp.reports.exports import FORMATS, download_name, erased, finished_export
from surveyapp.reports.filters import ReportFilter
from surveyapp.surveys.questions import open_text_questions
from surveyapp.templating import scrub
from surveyapp.workspaces.forms import EmptyForm


class ThemeLabelForm(FlaskForm):
    label = StringField("Theme name", filters=[lambda v: v.strip() if v else v],
                        validators=[DataRequired(), Length(max=80)])

bp = workspace_blueprint("reports", __name__)


def report_context(survey: Survey, f: ReportFilter, args: Any) -> dict[str, Any]:
    """Everything the report page (and the read-only share page) draws, for the query
    string (or a share link's filters) ``args``; ``f`` is parsed from them."""
    ctx = service.report_page(db.session, survey, f, by=args.get("by", ""),
                              breakdown_by=(args.get("breakdown") or "").strip(),
                              theme_by=(args.get("theme_by") or "").strip())
    _note_filter(survey, f)
    return {**ctx, "model": model_status()}


def _note_filter(survey: Survey, f: ReportFilter) -> None:
    """A filter the survey's cached rows cannot answer gets its own (filled by a job), so
    the next views with it are fast too."""
    fill = rollup.want(db.session, survey, f)
    if fill or db.session.dirty:
        db.session.commit()
    if fill:
        rollup.queue_fill(survey.id, rollup.filter_key(f))


@bp.route("/surveys")
@workspace_view(Role.VIEWER)
def surveys() -> Any:
    """Every survey of the workspace with its status and responses."""
    return render_template("reports/surveys.html", rows=queries.survey_list(db.session, g.workspace))


@bp.route("/surveys/<int:survey_id>/responses")
@workspace_view(Role.VIEWER)
def responses(survey_id: int) -> Any:
    """The survey's responses, a page at a time, under the report's filters plus
    finished/partial; question texts as column heads."""
    survey = get_or_404_in(Survey, survey_id)
    f = ReportFilter.from_args(request.args)
    status = request.args.get("status", "")
    status = status if status in queries.STATUSES else ""
    result = queries.response_page(db.session, survey, f, status=status,
                                   page=arg_id("page", 1) or 1)
    args = {**f.to_args(), **({"status": status} if status else {})}
    return render_template(
        "reports/responses.html", survey=survey, filters=f, result=result, args=args,
        columns=queries.question_columns(survey), labels=queries.choice_labels(survey),
        answer_text=queries.answer_text, can_see_people=g.membership.role.allows(Role.ANALYST),
        locales=service.meta_values(db.session, survey, "locale"),
        devices=service.meta_values(db.session, survey, "device"))


@bp.route("/surveys/<int:survey_id>/responses/<int:response_id>/files/<qid>")
@workspace_view(Role.ANALYST)
def response_file(survey_id: int, response_id: int, qid: str) -> Any:
    """The file a response answered a file-upload question with, as an attachment (never
    shown inline: its content is the respondent's). Each download is in the audit log."""
    survey = get_or_404_in(Survey, survey_id)
    response = db.session.get(Response, response_id)
    info = uploads.answered_file(response, qid) if response and response.survey_id == survey.id \
        else None
    if info is None:
        abort(404)
    data = uploads.store().get(info["file"])
    if data is None:  # erased or swept meanwhile
        return render_template("error.html", status=410, title="File deleted",
                               message="This file is no longer stored (its response was "
                                       "erased or it passed the retention period)."), 410
    audit(db.session, g.workspace, "upload.downloaded", current_user, target=survey.name,
          response_id=response.id, question=qid)
    db.session.commit()
    sent = send_file(io.BytesIO(data), mimetype=info.get("type") or "application/octet-stream",
                     as_attachment=True, download_name=str(info.get("name") or "file"))
    sent.headers["X-Content-Type-Options"] = "nosniff"
    sent.headers["Cache-Control"] = "private, no-store"
    return sent


@bp.route("/people/<int:contact_id>")
@workspace_view(Role.ANALYST)
def person(contact_id: int) -> Any:
    """One person (a contact): their attributes and their responses to this workspace's
    surveys."""
    contact = queries.person(db.session, g.workspace, contact_id)
    if contact is None:
        abort(404)
    rows = queries.person_responses(db.session, contact)
    return render_template("reports/person.html", contact=contact, rows=rows,
                           columns={s.id: dict(queries.question_columns(s)) for _, s in rows},
                           labels={s.id: queries.choice_labels(s) for _, s in rows},
                           answer_text=queries.answer_text)


@bp.route("/surveys/<int:survey_id>")
@workspace_view(Role.VIEWER)
def survey(survey_id: int) -> Any:
    survey = get_or_404_in(Survey, survey_id)
    f = ReportFilter.from_args(request.args)
    ctx = report_context(survey, f, request.args)
    recent = service.recent_responses(db.session, survey, f)
    can_export = g.membership.role.allows(Role.ANALYST)
    locales = service.meta_values(db.session, survey, "locale")
    devices = service.meta_values(db.session, survey, "device")
    return render_template(
        "reports/survey.html", **ctx, recent=recent, locales=locales, devices=devices,
        export_job=_job_arg("job"), analysis_job=_job_arg("analysis_job"), formats=FORMATS,
        empty_form=EmptyForm(), can_export=can_export,
        notes=notes_for(db.session, survey), shared=False,
        recent_notes=service.annotation_labels(db.session, survey, {r.id for r in recent}),
        share_links=(service.share_links(db.session, survey, dict(ctx["segments"]))
                     if can_export else []),
        live_url=url_for("reports.live", survey_id=survey.id, **f.to_args()),
        question_titles=dict(queries.question_columns(survey)),
        choice_labels=queries.choice_labels(survey), answer_text=queries.answer_text,
    )


@bp.route("/surveys/<int:survey_id>/live")
@workspace_view(Role.VIEWER)
def live(survey_id: int) -> Any:
    """A small JSON feed for the report page: counts and the latest responses with their
    open-text annotations. ETag/If-None-Match makes an unchanged poll a cheap 304."""
    survey = get_or_404_in(Survey, survey_id)
    f = ReportFilter.from_args(request.args)
    # The ETag comes from index-only reads: a poll with nothing new costs three lookups.
    stamp = service.live_stamp(db.session, survey)
    etag = hashlib.sha256(repr((stamp, sorted(request.args.items()))).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        resp = jsonify({})
        resp.status_code = 304
        resp.set_etag(etag)
        return resp
    total, finished = service.live_counts(db.session, survey, f)
    # The latest few, always: new rows appear, and rows already shown get their annotations
    # (themes, sentiment) as soon as the analysis assigns them.
    rows = service.recent_responses(db.session, survey, f)
    notes = service.annotation_labels(db.session, survey, {r.id for r in rows})
    personal = {qid for qid, mark in queries.choice_labels(survey) if mark == queries.PII_MARK}
    resp = jsonify({
        "total": total, "finished": finished,
        "last_id": stamp[0] or 0,
        "responses": [_live_json(r, notes.get(r.id, []), personal) for r in reversed(rows)],
    })
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def _live_json(r: Response, annotations: list[str], personal: set[str]) -> dict[str, Any]:
    answers = {}
    for k, v in r.answers.items():
        if k in personal:  # contact info (questions_input.Contact)
            answers[k] = queries.PII_TEXT
        elif isinstance(v, str):
            answers[k] = scrub(v)
        elif isinstance(v, list):
            answers[k] = ", ".join(str(x) for x in v)
        elif isinstance(v, dict):  # a matrix's rows, a file's name (never its token)
            answers[k] = scrub(queries.answer_text(v, k, {}))
        else:
            answers[k] = v if isinstance(v, int | float | bool) else str(v)
    return {"id": r.id, "created_at": r.created_at.isoformat(), "finished": r.finished,
            "device": r.meta.get("device") or "–", "answers": answers, "annotations": annotations}


def _job_arg(name: str) -> Job | None:
    """The job named in the query string, if it belongs to this workspace."""
    return workspace_job(arg_id(name))


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
    analysis = service.text_analysis(db.session, survey, qid)
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
         "format": fmt, "real_ids": request.form.get("real_ids") == "1",
         "omit_personal": request.form.get("omit_personal") == "1",
         "base_url": request.url_root},  # the files' download links, as the analyst reaches us
        what="the export",
        link=lambda job: audit(db.session, g.workspace, "export.created", current_user,
                               target=survey.name, job_id=job.id),
    )
    return redirect(url_for("reports.survey", survey_id=survey.id, job=job.id) + "#export")


@bp.route("/jobs/<int:job_id>/download")
@workspace_view(Role.ANALYST)
def download(job_id: int) -> Any:
    job = get_or_404_in(Job, job_id)
    if erased(job):
        return render_template("error.html", status=410, title="Export deleted",
                               message=job.message), 410
    path = finished_export(job)
    if path is None:
        abort(404)
    return send_file(path, mimetype=FORMATS[job.params.get("format", "csv")], as_attachment=True,
                     download_name=download_name(db.session, job))
