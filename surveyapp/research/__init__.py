"""Research repository (issue #13): interviews, usability studies and field notes as
evidence beside the survey data. Pages under ``/w/<slug>/research``.

Studies hold participants (optionally linked to product users) and their material --
notes, transcripts, usability results -- read into PII-scrubbed passages
(``importers``), analysed with ``nlp/`` (sentiment; the survey's themes) by a job.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from surveyapp import jobs
from surveyapp.extensions import db
from surveyapp.models import Job, Role, Survey, TextAnalysis, utcnow
from surveyapp.models.research import Participant, Passage, Study, StudyKind, StudySource
from surveyapp.research import job as _job  # noqa: F401  (registers the analysis job)
from surveyapp.research import service
from surveyapp.research.forms import LinkForm, ParticipantForm, SourceForm, StudyForm, UsabilityForm
from surveyapp.research.importers import SourceError
from surveyapp.workspaces.access import get_or_404_in, workspace_view
from surveyapp.workspaces.forms import EmptyForm

bp = Blueprint("research", __name__, url_prefix="/w/<slug>/research")
PAGE = 200  # passages shown per study page


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug


@bp.route("/")
@workspace_view(Role.VIEWER)
def index() -> Any:
    return _index_page(StudyForm(formdata=None))


@bp.route("/", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def create() -> Any:
    form = StudyForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    study = Study(workspace_id=g.workspace.id, title=form.title.data,
                  kind=StudyKind(form.kind.data), research_question=form.research_question.data or "")
    db.session.add(study)
    db.session.commit()
    flash(f"Created the study “{study.title}”. Add participants and material next.", "success")
    return redirect(url_for("research.study", study_id=study.id))


def _index_page(form: StudyForm, status: int = 200) -> Any:
    counts = dict(db.session.execute(select(Passage.study_id, func.count()).join(Study).where(
        Study.workspace_id == g.workspace.id).group_by(Passage.study_id)).all())
    studies = db.session.scalars(select(Study).where(Study.workspace_id == g.workspace.id)
                                 .order_by(Study.created_at.desc())).all()
    return render_template("research/index.html", studies=studies, counts=counts, form=form,
                           can_edit=g.membership.role.allows(Role.RESEARCHER)), status


def _study_page(study: Study, status: int = 200, **forms: Any) -> Any:
    from surveyapp.analysis import model_status
    from surveyapp.research.usability import summarise

    participant_form = forms.get("participant_form") or ParticipantForm(formdata=None)
    source_form = forms.get("source_form") or SourceForm(formdata=None)
    source_form.participant.choices = _participant_choices(study)
    link_form = forms.get("link_form") or LinkForm(formdata=None)
    link_form.question.choices = _question_choices()
    if study.survey_id and study.question_id:
        link_form.question.data = f"{study.survey_id}:{study.question_id}"
    passages = db.session.scalars(select(Passage).where(Passage.study_id == study.id)
                                  .order_by(Passage.source_id, Passage.position).limit(PAGE)).all()
    total = db.session.scalar(select(func.count()).select_from(Passage)
                              .where(Passage.study_id == study.id))
    tasks, sus = summarise(service.usability_data(db.session, study))
    job_id = request.args.get("job", type=int)
    job = db.session.get(Job, job_id) if job_id else None
    if job is not None and job.workspace_id != g.workspace.id:
        job = None
    return render_template(
        "research/study.html", study=study, passages=passages, total=total, tasks=tasks, sus=sus,
        participant_form=participant_form, source_form=source_form, link_form=link_form,
        usability_form=forms.get("usability_form") or UsabilityForm(formdata=None),
        empty_form=EmptyForm(), evidence=service.theme_evidence(db.session, study), job=job,
        proposed=(study.analysis or {}).get("proposed", []), model=model_status(),
        can_edit=g.membership.role.allows(Role.RESEARCHER)), status


def _question_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(Survey.id, Survey.name, TextAnalysis.question_id).join(
        TextAnalysis, TextAnalysis.survey_id == Survey.id).where(
        Survey.workspace_id == g.workspace.id).order_by(Survey.name)).all()
    return [SelectChoice("", "— none —")] + [SelectChoice(f"{sid}:{qid}", f"{name} — {qid}")
                                            for sid, name, qid in rows]


def _participant_choices(study: Study) -> list[SelectChoice]:
    return [SelectChoice(0, "—")] + [SelectChoice(p.id, p.label) for p in study.participants]


@bp.route("/<int:study_id>")
@workspace_view(Role.VIEWER)
def study(study_id: int) -> Any:
    return _study_page(get_or_404_in(Study, study_id))


@bp.route("/<int:study_id>/participants", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_participant(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        if any(p.label == form.label.data for p in study.participants):
            form.label.errors.append("This study already has a participant with this label.")
        contact = None
        if form.contact.data:
            contact = service.find_contact(db.session, g.workspace, form.contact.data)
            if contact is None:
                form.contact.errors.append("No product user has this id in this workspace.")
        if not form.errors and not form.label.errors and not form.contact.errors:
            db.session.add(Participant(
                workspace_id=g.workspace.id, study=study, label=form.label.data,
                contact_id=contact.id if contact else None, consent_note=form.consent_note.data or "",
                consented_at=utcnow() if form.consent.data else None))
            db.session.commit()
            flash(f"Added {form.label.data}.", "success")
            return redirect(url_for("research.study", study_id=study.id) + "#participants")
    return _study_page(study, 422, participant_form=form)


@bp.route("/<int:study_id>/sources", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_source(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = SourceForm()
    form.participant.choices = _participant_choices(study)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else (form.text.data or "").encode()
        if not data.strip():
            form.file.errors.append("Choose a file or paste some text.")
        else:
            participant = next((p for p in study.participants if p.id == form.participant.data), None)
            try:
                source = service.import_source(
                    db.session, study, data, filename=upload.filename if upload else "",
                    title=form.title.data or "", participant=participant)
            except SourceError as exc:
                db.session.rollback()
                (form.file if upload else form.text).errors.append(f"Nothing was imported: {exc}")
            else:
                n = db.session.scalar(select(func.count()).select_from(Passage)
                                      .where(Passage.source_id == source.id))
                db.session.commit()
                flash(f"Imported “{source.title}”: {n} passages ({source.format}). "
                      "Run the analysis to see sentiment and themes.", "success")
                return redirect(url_for("research.study", study_id=study.id) + "#material")
    return _study_page(study, 422, source_form=form)


@bp.route("/<int:study_id>/usability", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_usability(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = UsabilityForm()
    if form.validate_on_submit():
        if not form.file.data:
            form.file.errors.append("Choose a CSV file.")
        else:
            try:
                counts = service.import_usability(db.session, study, form.file.data.read())
            except SourceError as exc:
                db.session.rollback()
                form.file.errors.append(f"Nothing was imported: {exc}")
            else:
                db.session.commit()
                flash(f"Imported {counts['results']} task results and {counts['sus']} SUS "
                      f"questionnaires for {counts['participants']} participants.", "success")
                return redirect(url_for("research.study", study_id=study.id) + "#usability")
    return _study_page(study, 422, usability_form=form)


@bp.route("/<int:study_id>/link", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def link(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = LinkForm()
    form.question.choices = _question_choices()
    if not form.validate_on_submit():
        return _study_page(study, 422, link_form=form)
    if form.question.data:
        survey_id, _, qid = form.question.data.partition(":")
        study.survey_id, study.question_id = int(survey_id), qid
    else:
        study.survey_id = study.question_id = None
    db.session.commit()
    flash("Saved. Run the analysis again to assign passages to these themes.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#themes")


@bp.route("/<int:study_id>/analyse", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def analyse(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = jobs.create_job(db.session, "analyse_study", g.workspace, {"study_id": study.id},
                          current_user)
    db.session.commit()
    if not jobs.enqueue(job.id):
        flash("The job queue is not reachable right now; the analysis will start when it is.", "error")
    return redirect(url_for("research.study", study_id=study.id, job=job.id) + "#themes")


@bp.route("/<int:study_id>/sources/<int:source_id>/delete", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def delete_source(study_id: int, source_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    source = get_or_404_in(StudySource, source_id)
    if source.study_id != study.id or not EmptyForm().validate_on_submit():
        abort(404)
    db.session.delete(source)
    db.session.commit()
    flash(f"Removed “{source.title}” and its passages.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#material")
