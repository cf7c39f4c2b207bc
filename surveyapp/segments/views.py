"""Behavioural segments and personas (issue #7): pages under /w/<slug>/segments.

Views parse the request, call ``service`` / ``imports`` and render; long work (computing
a run, saving it, importing a file) runs as a background job with a progress bar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.models.segments import DataImport, Persona, Segment, SegmentRun
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, start_job, workspace_blueprint
from surveyapp.platform.web import workspace_job as _job
from surveyapp.segments import service
from surveyapp.segments.forms import (
    FillForm,
    PersonaForm,
    PredictForm,
    RunForm,
    SaveForm,
    UploadForm,
)
from surveyapp.segments.imports import ImportFailed
from surveyapp.segments.methods import METHODS, PLAIN_WORDS, STABLE, explain_recommendation
from surveyapp.segments.predict import sentence

#: A trigger is stated as "N times as likely" only when at least this many people on
#: each side (did the behaviour / did not) had the outcome: one churner among 240 makes a
#: ratio of 25 that means nothing.
MIN_OUTCOMES = 5

bp = workspace_blueprint("segments", __name__)
UPLOAD_LIMIT = 100 * 1024 * 1024  # bytes


def _environments() -> list[SelectChoice]:
    return [SelectChoice(e.id, e.name) for e in g.workspace.environments]


# ----------------------------------------------------------------------------- pages
@bp.route("/segments")
@workspace_view(Role.VIEWER)
def index() -> Any:
    form = RunForm()
    form.environment.choices = _environments()
    personas, retired = service.personas_of(db.session, g.workspace)
    return render_template("segments/index.html", form=form,
                           current=service.current_runs(db.session, g.workspace),
                           personas=personas, retired=retired,
                           runs=service.recent_runs(db.session, g.workspace),
                           can_run=g.membership.role.allows(Role.ANALYST))


@bp.route("/segments/runs", methods=["POST"])
@workspace_view(Role.ANALYST)
def start_run() -> Any:
    form = RunForm()
    form.environment.choices = _environments()
    if not form.validate_on_submit():
        flash("Check the form: " + "; ".join(f"{form[k].label.text}: {', '.join(v)}"
                                             for k, v in form.errors.items() if k in form), "error")
        return redirect(url_for("segments.index"))
    try:
        run = service.new_run(db.session, g.workspace.id, form.environment.data,
                              include_attributes=form.include_attributes.data, by=current_user,
                              **form.window())
    except service.SegmentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("segments.index"))
    job = start_job("segments_compute", {"run_id": run.id}, what="the segmentation",
                    link=lambda job: setattr(run, "job_id", job.id))
    # With the job in the query string, jobs.js's reload on success really reloads.
    return redirect(url_for("segments.run", run_id=run.id, job=job.id))


@bp.route("/segments/runs/<int:run_id>")
@workspace_view(Role.VIEWER)
def run(run_id: int) -> Any:
    run = get_or_404_in(SegmentRun, run_id)
    form = SaveForm()
    methods = (run.result or {}).get("methods") or {}
    form.method.choices = [SelectChoice(k, METHODS[k]) for k in METHODS
                           if methods.get(k, {}).get("status", "ok") == "ok" and k in methods]
    if methods and not form.is_submitted():
        form.method.data = run.result.get("recommended")
    job = _job(arg_id("job")) or _job(run.job_id)
    explained = explain_recommendation(methods, (run.result or {}).get("recommended"), run.method)
    return render_template("segments/run.html", run=run, form=form, methods=methods, job=job,
                           can_save=g.membership.role.allows(Role.ANALYST), stable=STABLE,
                           explained=explained, plain_words=PLAIN_WORDS,
                           window_start=run.window_end - dt.timedelta(days=run.window_days))


@bp.route("/segments/runs/<int:run_id>/dendrogram.svg")
@workspace_view(Role.VIEWER)
def dendrogram(run_id: int) -> Any:
    run = get_or_404_in(SegmentRun, run_id)
    if not run.dendrogram_svg:
        abort(404)
    resp = Response(run.dendrogram_svg, mimetype="image/svg+xml")
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return resp


@bp.route("/segments/runs/<int:run_id>/save", methods=["POST"])
@workspace_view(Role.ANALYST)
def save_run(run_id: int) -> Any:
    run = get_or_404_in(SegmentRun, run_id)
    form = SaveForm()
    methods = (run.result or {}).get("methods") or {}
    form.method.choices = [SelectChoice(k, k) for k, m in methods.items()
                           if m.get("status", "ok") == "ok"]
    if not service.saveable(run) or not form.validate_on_submit():
        flash("Only a computed run that is not saved yet can be saved, with one of its methods.",
              "error")
        return redirect(url_for("segments.run", run_id=run.id))
    job = start_job("segments_save", {"run_id": run.id, "method": form.method.data},
                    what="saving the segments", link=lambda job: setattr(run, "job_id", job.id))
    return redirect(url_for("segments.run", run_id=run.id, job=job.id))


@bp.route("/segments/<int:segment_id>")
@workspace_view(Role.VIEWER)
def segment(segment_id: int) -> Any:
    seg = get_or_404_in(Segment, segment_id)
    return render_template("segments/segment.html", seg=seg, run=seg.run,
                           persona=service.persona_of(db.session, seg))


@bp.route("/personas/<int:persona_id>")
@workspace_view(Role.VIEWER)
def persona(persona_id: int) -> Any:
    persona = get_or_404_in(Persona, persona_id)
    return _persona_page(persona, PersonaForm(obj=persona))


def _persona_page(persona: Persona, form: Any, status: int = 200) -> Any:
    return render_template("segments/persona.html", persona=persona, seg=persona.segment,
                           form=form, can_edit=g.membership.role.allows(Role.RESEARCHER),
                           gaps=service.persona_gaps(db.session, persona), fill=FillForm(),
                           history=service.persona_history(db.session, persona)), status


@bp.route("/personas/<int:persona_id>/fill", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def fill_persona(persona_id: int) -> Any:
    """Add the goals and pain points the evidence holds (answers, behaviour, research)."""
    persona = get_or_404_in(Persona, persona_id)
    if not FillForm().validate_on_submit():
        abort(400)
    added = service.fill_from_evidence(db.session, persona, current_user)
    db.session.commit()
    flash(f"Added {len(added)} lines from the evidence (version {persona.version})." if added
          else "The evidence holds nothing the persona does not say already.",
          "success" if added else "info")
    return redirect(url_for("segments.persona", persona_id=persona.id))


@bp.route("/personas/<int:persona_id>", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def edit_persona(persona_id: int) -> Any:
    persona = get_or_404_in(Persona, persona_id)
    form = PersonaForm()
    if not form.validate_on_submit():
        return _persona_page(persona, form, 422)
    changed = service.edit_persona(db.session, persona,
                                   {f: form[f].data for f in service.PERSONA_FIELDS}, current_user)
    db.session.commit()
    flash(f"Saved version {persona.version}." if changed else "Nothing changed.", "success")
    return redirect(url_for("segments.persona", persona_id=persona.id))


# ----------------------------------------------------------------------------- triggers
@bp.route("/segments/predict")
@workspace_view(Role.VIEWER)
def predict() -> Any:
    form = PredictForm()
    form.environment.choices = _environments()
    return _predict_page(form)


def _predict_page(form: Any, status: int = 200) -> Any:
    job = _job(arg_id("job"))
    latest = service.latest_prediction(db.session, g.workspace)
    solid, thin = _triggers(latest.result) if latest is not None and latest.result else ([], [])
    return render_template("segments/predict.html", form=form, latest=latest, job=job,
                           solid=solid, thin=thin, min_outcomes=MIN_OUTCOMES,
                           can_run=g.membership.role.allows(Role.ANALYST)), status


def _triggers(result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The findings as sentences: those with enough people with the outcome on each side,
    and the rest, said to be too thin (how many had the outcome, not a ratio)."""
    r, p = result.get("prediction") or {}, result.get("params") or {}
    what = "churned" if p.get("outcome") == "churn" else f"did “{p.get('event')}” later"
    solid, thin = [], []
    for f in r.get("findings") or []:
        did = round(f["did_rate"] * f["did_n"])
        other = round(f["not_rate"] * f["not_n"])
        if min(did, other) >= MIN_OUTCOMES:
            solid.append(sentence(f, p.get("outcome", "churn"), p.get("early_days", 14), p.get("event")))
        else:
            direction = "more" if f["did_rate"] > f["not_rate"] else "fewer"
            thin.append(f"“{f['behaviour']}” in the first {p.get('early_days', 14)} days: "
                        f"{did:,} of the {f['did_n']:,} people who did it {what} "
                        f"({100 * f['did_rate']:.0f}%), against {other:,} of the "
                        f"{f['not_n']:,} who did not ({100 * f['not_rate']:.0f}%): {direction}, "
                        f"but {min(did, other):,} {'person' if min(did, other) == 1 else 'people'} "
                        f"on one side is too few to say how many times as likely (a ratio needs "
                        f"{MIN_OUTCOMES} on each side).")
    return solid, thin


@bp.route("/segments/predict", methods=["POST"])
@workspace_view(Role.ANALYST)
def start_predict() -> Any:
    form = PredictForm()
    form.environment.choices = _environments()
    valid = form.validate_on_submit()
    if valid and form.outcome.data == "conversion" and not form.event.data:
        form.event.errors = ["Name the event that counts as a conversion."]
        valid = False
    if not valid:
        return _predict_page(form, 422)
    job = start_job("segments_predict", {
        "environment_id": form.environment.data, "outcome": form.outcome.data,
        "event": form.event.data or None, "early_days": form.early_days.data,
        "horizon_days": form.horizon_days.data}, what="the model")
    return redirect(url_for("segments.predict", job=job.id))


# ----------------------------------------------------------------------------- imports
@bp.route("/segments/imports")
@workspace_view(Role.ANALYST)
def imports() -> Any:
    form = UploadForm()
    form.environment.choices = _environments()
    return _imports_page(form)


def _imports_page(form: Any, status: int = 200) -> Any:
    return render_template("segments/imports.html", form=form,
                           items=service.recent_imports(db.session, g.workspace),
                           limit_mb=UPLOAD_LIMIT // (1 << 20)), status


@bp.route("/segments/imports", methods=["POST"])
@workspace_view(Role.ANALYST)
def upload() -> Any:
    """The global request size limit is small; uploads get their own (checked again while
    the file is copied). CSRF is checked by the form itself (the view is exempt from the
    global check, which would read the body before the limit is raised)."""
    request.max_content_length = UPLOAD_LIMIT
    form = UploadForm()
    form.environment.choices = _environments()
    if not form.validate_on_submit():
        return _imports_page(form, 422)
    upload = form.file.data
    try:
        dest, fmt, size = service.store_upload(upload.stream, upload.filename or "",
                                               current_app.config["SETTINGS"].data_dir,
                                               g.workspace.id, UPLOAD_LIMIT)
    except ImportFailed as exc:
        form.file.errors.append(str(exc))
        return _imports_page(form, 422)
    finally:
        upload.close()  # large uploads are spooled to a temporary file
    record = service.add_import(db.session, g.workspace, environment_id=form.environment.data,
                                kind=form.kind.data, filename=upload.filename or "upload",
                                fmt=fmt, size=size, by=current_user)
    job = start_job("segments_import", {"import_id": record.id, "path": str(dest)},
                    what="the import", link=lambda job: setattr(record, "job_id", job.id))
    return redirect(url_for("segments.import_status", import_id=record.id, job=job.id))

@bp.route("/segments/imports/<int:import_id>")
@workspace_view(Role.ANALYST)
def import_status(import_id: int) -> Any:
    record = get_or_404_in(DataImport, import_id)
    return render_template("segments/import.html", item=record, job=_job(record.job_id))
