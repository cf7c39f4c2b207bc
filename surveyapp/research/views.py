"""Research repository (issue #13): interviews, usability studies and field notes as
evidence beside the survey data. Pages under ``/w/<slug>/research``.

Studies hold participants (optionally linked to product users) and their material --
notes, transcripts, usability results -- read into PII-scrubbed passages
(``importers``), analysed with ``nlp/`` (sentiment; the survey's themes) by a job.
"""

from __future__ import annotations

import json
import re
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

from surveyapp.analysis.model import model_status
from surveyapp.extensions import db
from surveyapp.models import Role
from surveyapp.models.insights import Hypothesis
from surveyapp.models.research import (
    Highlight,
    Insight,
    Passage,
    Study,
    StudyKind,
    StudySource,
    Tag,
)
from surveyapp.models.segments import Persona
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, start_job, workspace_blueprint, workspace_job
from surveyapp.research import pending, queries, service
from surveyapp.research.erasure import erase_participant
from surveyapp.research.export import to_csv
from surveyapp.research.forms import (
    EvidenceForm,
    HighlightForm,
    InsightForm,
    LinkForm,
    MergeTagForm,
    MoveForm,
    ParticipantForm,
    PassageForm,
    SessionForm,
    SourceForm,
    StudyForm,
    TagForm,
    TaskForm,
    UsabilityForm,
)
from surveyapp.research.importers import SourceError
from surveyapp.research.search import (
    ARGS,
    KINDS,
    SENTIMENTS,
    filter_options,
    filters_from_request,
    parse,
    passage_page,
    request_int,
    search,
)
from surveyapp.research.usability import summarise
from surveyapp.templating import natural_sort
from surveyapp.workspaces.forms import EmptyForm

bp = workspace_blueprint("research", __name__, "/research")



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
    study = service.create_study(db.session, g.workspace.id, form.title.data,
                                 StudyKind(form.kind.data), form.research_question.data or "")
    db.session.commit()
    flash(f"Created the study “{study.title}”. Add participants and material next.", "success")
    return redirect(url_for("research.study", study_id=study.id))


def _index_page(form: StudyForm, status: int = 200) -> Any:
    counts = queries.passage_counts(db.session, g.workspace.id)
    studies = queries.studies(db.session, g.workspace.id)
    return render_template("research/index.html", studies=studies, counts=counts, form=form,
                           can_edit=g.membership.role.allows(Role.RESEARCHER)), status


def _study_page(study: Study, status: int = 200, **forms: Any) -> Any:
    participant_form = forms.get("participant_form") or ParticipantForm(formdata=None)
    source_form = forms.get("source_form") or SourceForm(formdata=None)
    source_form.participant.choices = _participant_choices(study)
    source_form.session.choices = _session_choices(study)
    session_form = forms.get("session_form") or SessionForm(formdata=None)
    session_form.participant.choices = _participant_choices(study)
    task_form = forms.get("task_form") or TaskForm(formdata=None)
    task_forms = {t.id: TaskForm(formdata=None, obj=t, prefix=f"task{t.id}") for t in study.tasks}
    task_forms.update(forms.get("task_forms", {}))
    link_form = forms.get("link_form") or LinkForm(formdata=None)
    link_form.question.choices = _question_choices()
    if study.survey_id and study.question_id:
        link_form.question.data = f"{study.survey_id}:{study.question_id}"
    source_id = arg_id("source")
    if source_id is not None and not any(s.id == source_id for s in study.sources):
        source_id = None
    speaker = " ".join((request.args.get("speaker") or "").split())[:80] or None
    shown = queries.passage_page(db.session, study, arg_id("page", 1), source_id=source_id,
                                 speaker=speaker)
    tasks, sus, umux = summarise(service.usability_data(db.session, study))
    by_segment = service.usability_by_segment(db.session, study) if tasks or sus or umux else []
    job = workspace_job(arg_id("job"))
    return render_template(
        "research/study.html", study=study, passages=shown.passages, total=shown.total,
        shown_source=source_id, shown_speaker=speaker,
        speakers=queries.passage_speakers(db.session, study, source_id),
        tasks=tasks, sus=sus, umux=umux, by_segment=by_segment, page=shown.page, pages=shown.pages,
        first=shown.first, marks=queries.highlights_by_passage(db.session, study, shown.passages),
        highlight_form=HighlightForm(formdata=None), passage_form=PassageForm(formdata=None),
        anchored=service.is_anchored,
        participant_form=participant_form, source_form=source_form, link_form=link_form,
        session_form=session_form, task_form=task_form, task_forms=task_forms,
        task_info={t.name: t for t in study.tasks},
        usability_form=forms.get("usability_form") or UsabilityForm(formdata=None),
        empty_form=EmptyForm(), evidence=service.theme_evidence(db.session, study), job=job,
        proposed=(study.analysis or {}).get("proposed", []), model=model_status(),
        can_edit=g.membership.role.allows(Role.RESEARCHER)), status


def _question_choices() -> list[SelectChoice]:
    rows = queries.linkable_questions(db.session, g.workspace.id)
    return [SelectChoice("", "— none —")] + [SelectChoice(f"{sid}:{qid}", f"{name} — {qid}")
                                            for sid, name, qid in rows]


def _participant_choices(study: Study) -> list[SelectChoice]:
    return [SelectChoice(0, "—")] + [SelectChoice(p.id, p.label) for p in study.participants]


def _session_choices(study: Study) -> list[SelectChoice]:
    return [SelectChoice(0, "—")] + [
        SelectChoice(s.id, f"{s.title}{f' ({s.held_on:%Y-%m-%d})' if s.held_on else ''}")
        for s in study.sessions]


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
        try:
            service.add_participant(
                db.session, g.workspace, study, form.label.data, contact_ref=form.contact.data or "",
                consent_note=form.consent_note.data or "", consent=bool(form.consent.data))
        except service.ResearchInvalid as exc:
            _field_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Added {form.label.data}.", "success")
            return redirect(url_for("research.study", study_id=study.id) + "#participants")
    return _study_page(study, 422, participant_form=form)


def _field_errors(form: Any, exc: service.ResearchError) -> None:
    """Show a service's refusal at the form fields it names."""
    for name, message in exc.fields.items():
        form[name].errors.append(message)


@bp.route("/<int:study_id>/sessions", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_session(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = SessionForm()
    form.participant.choices = _participant_choices(study)
    if not form.validate_on_submit():
        return _study_page(study, 422, session_form=form)
    participant = queries.participant_of(study, form.participant.data)
    service.add_session(db.session, study, form.title.data, participant=participant,
                        held_on=form.held_on.data, moderator=form.moderator.data or "",
                        notes=form.notes.data or "")
    db.session.commit()
    flash(f"Added the session “{form.title.data}”. Import its transcript or notes into it.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#sessions")


@bp.route("/<int:study_id>/tasks", methods=["POST"])
@bp.route("/<int:study_id>/tasks/<int:task_id>", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def save_task(study_id: int, task_id: int | None = None) -> Any:
    """Add a usability task, or change one (its name too: its results follow)."""
    study = get_or_404_in(Study, study_id)
    task = None
    if task_id is not None:
        task = queries.task_in(db.session, study, task_id)
        if task is None:
            abort(404)
    form = TaskForm(prefix=f"task{task.id}") if task else TaskForm()
    valid = form.validate_on_submit()
    if valid:
        try:
            task = service.save_task(db.session, study, task, form.name.data,
                                     scenario=form.scenario.data or "",
                                     success=form.success.data or "",
                                     target_seconds=form.target_seconds.data)
        except service.ResearchConflict as exc:
            _field_errors(form, exc)
            valid = False
    if not valid:
        return _study_page(study, 422, **({"task_forms": {task.id: form}} if task else {"task_form": form}))
    db.session.commit()
    flash(f"Saved the task “{task.name}”.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#tasks")


@bp.route("/<int:study_id>/sources", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_source(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = SourceForm()
    form.participant.choices = _participant_choices(study)
    form.session.choices = _session_choices(study)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else (form.text.data or "").encode()
        if not data.strip():
            form.file.errors.append("Choose a file or paste some text.")
        else:
            participant = queries.participant_of(study, form.participant.data)
            in_session = queries.session_of(study, form.session.data)
            filename = upload.filename or "" if upload else ""
            try:
                if request.form.get("preview"):  # the page's form: speakers checked first
                    found = service.preview_source(db.session, study, data, filename=filename)
                    if found["speakers"]:
                        token = pending.stash(_uploads(), g.workspace.id, data)
                        return _preview_page(study, found, token, filename, form.title.data or "",
                                             participant, in_session)
                source = service.import_source(
                    db.session, study, data, filename=filename,
                    title=form.title.data or "", participant=participant, study_session=in_session)
            except SourceError as exc:
                db.session.rollback()
                (form.file if upload else form.text).errors.append(f"Nothing was imported: {exc}")
            else:
                return _imported(study, source)
    return _study_page(study, 422, source_form=form)


def _uploads() -> Any:
    return current_app.config["SETTINGS"].data_dir


def _imported(study: Study, source: Any) -> Any:
    n = queries.source_passage_count(db.session, source)
    speakers = queries.source_speakers(db.session, source)
    db.session.commit()
    said = f", speakers {', '.join(speakers)}" if speakers else ""
    flash(f"Imported “{source.title}”: {n} passages ({source.format}){said}. "
          "Run the analysis to see sentiment and themes.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#material")


def _preview_page(study: Study, found: dict[str, Any], token: str, filename: str, title: str,
                  participant: Any, in_session: Any, status: int = 200,
                  error: str | None = None) -> Any:
    return render_template(
        "research/source_preview.html", study=study, found=found, token=token,
        filename=filename, title=title, participant=participant, in_session=in_session,
        participants=natural_sort(study.participants, 'label'), error=error,
        empty_form=EmptyForm()), status


@bp.route("/<int:study_id>/sources/confirm", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def confirm_source(study_id: int) -> Any:
    """The import preview's answer: the speakers as the researcher named them."""
    study = get_or_404_in(Study, study_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    token = request.form.get("token", "")
    data = pending.take(_uploads(), g.workspace.id, token)
    if data is None:
        flash("That upload is no longer waiting (imported, cancelled or a day old): "
              "import the file again.", "error")
        return redirect(url_for("research.study", study_id=study.id) + "#material")
    if request.form.get("cancel"):
        pending.drop(_uploads(), g.workspace.id, token)
        flash("Nothing was imported.", "success")
        return redirect(url_for("research.study", study_id=study.id) + "#material")
    by_id = {p.id: p for p in study.participants}
    mapping: dict[str, str] = {}
    for key, original in request.form.items():
        if not key.startswith("speaker-"):
            continue
        n = key.removeprefix("speaker-")
        chosen = by_id.get(arg_int(request.form.get(f"participant-{n}")))
        new = chosen.label if chosen else " ".join((request.form.get(f"as-{n}") or "").split())
        if new and new != original:
            mapping[original] = new[:80]
    filename = (request.form.get("filename") or "")[:255]
    title = (request.form.get("title") or "")[:200]
    participant = queries.participant_of(study, arg_int(request.form.get("participant")))
    in_session = queries.session_of(study, arg_int(request.form.get("session")))
    try:
        source = service.import_source(db.session, study, data, filename=filename, title=title,
                                       participant=participant, study_session=in_session,
                                       speakers=mapping)
    except SourceError as exc:
        db.session.rollback()
        found = service.preview_source(db.session, study, data, filename=filename) \
            if "already imported" not in str(exc) else None
        if found is None:
            pending.drop(_uploads(), g.workspace.id, token)
            flash(f"Nothing was imported: {exc}", "error")
            return redirect(url_for("research.study", study_id=study.id) + "#material")
        return _preview_page(study, found, token, filename, title, participant, in_session,
                             422, error=f"Nothing was imported: {exc}")
    pending.drop(_uploads(), g.workspace.id, token)
    return _imported(study, source)


def arg_int(raw: str | None) -> int | None:
    """A form's id choice ("" or a number) as an int, or None."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


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
                counts = service.import_usability(db.session, study, form.file.data.read(),
                                                  form.file.data.filename or "")
            except SourceError as exc:
                db.session.rollback()
                form.file.errors.append(f"Nothing was imported: {exc}")
            else:
                db.session.commit()
                flash(f"Imported {counts['results']} task results, {counts['sus']} SUS and "
                      f"{counts['umux']} UMUX-Lite questionnaires for {counts['participants']} "
                      "participants.", "success")
                flash("How the file was read: " + "; ".join(counts["report"]) + ".", "info")
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
        service.link_question(study, int(survey_id), qid)
    else:
        service.link_question(study, None, None)
    db.session.commit()
    flash("Saved. Run the analysis again to assign passages to these themes.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#themes")


@bp.route("/<int:study_id>/analyse", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def analyse(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = start_job("analyse_study", {"study_id": study.id}, what="the analysis")
    return redirect(url_for("research.study", study_id=study.id, job=job.id) + "#themes")


@bp.route("/<int:study_id>/sources/<int:source_id>/delete", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def delete_source(study_id: int, source_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    source = get_or_404_in(StudySource, source_id)
    if source.study_id != study.id or not EmptyForm().validate_on_submit():
        abort(404)
    service.remove_source(db.session, source)
    db.session.commit()
    flash(f"Removed “{source.title}” and its passages.", "success")
    return redirect(url_for("research.study", study_id=study.id) + "#material")


@bp.route("/<int:study_id>/passages/<int:passage_id>/edit", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def edit_passage(study_id: int, passage_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    passage = _passage_in(study, passage_id)
    form = PassageForm()
    if not form.validate_on_submit():
        flash("A passage needs some text (at most 20,000 characters).", "error")
    else:
        counts = service.edit_passage(db.session, passage, form.text.data)
        db.session.commit()
        flash("Saved the corrected text." + _anchoring_message(counts), "success")
    return redirect(_passage_url(study, passage))


def _anchoring_message(counts: dict[str, int]) -> str:
    message = ""
    if counts["moved"] or counts["kept"]:
        message += f" {counts['kept'] + counts['moved']} highlight(s) still point at their words."
    if counts["detached"]:
        message += (f" {counts['detached']} highlight(s) quote words that are no longer in the "
                    "text; their quotes are kept exactly as highlighted.")
    return message


@bp.route("/<int:study_id>/sources/<int:source_id>/text", methods=["GET", "POST"])
@workspace_view(Role.RESEARCHER)
def edit_source(study_id: int, source_id: int) -> Any:
    """Correct a whole transcript or set of notes at once: every passage in one form.
    Emptying a passage removes it (its highlights keep their quotes)."""
    study = get_or_404_in(Study, study_id)
    source = get_or_404_in(StudySource, source_id)
    if source.study_id != study.id:
        abort(404)
    passages = queries.source_passages(db.session, source)
    form = EmptyForm()
    errors: dict[int, str] = {}
    if request.method == "POST":
        texts = {p.id: request.form.get(f"text-{p.id}", p.text).strip() for p in passages}
        errors = service.passage_errors(texts)
        if not form.validate_on_submit():
            abort(400)
        counts = None
        if not errors:
            try:
                counts = _correct_source(source, passages, texts)
            except service.ResearchInvalid as exc:
                flash(exc.message, "error")
        if counts is not None and "split" in counts:
            db.session.commit()
            flash(f"Saved “{source.title}”: {counts['changed']} passage(s) changed, "
                  f"{counts['split']} turn(s) split off, {counts['joined']} joined, "
                  f"{counts['removed']} removed." + _anchoring_message(counts)
                  + " Run the analysis again for their sentiment and themes.", "success")
            return redirect(url_for("research.study", study_id=study.id) + "#material")
        if counts is not None:
            db.session.commit()
            flash(f"Saved “{source.title}”: {counts['changed']} passage(s) corrected, "
                  f"{counts['removed']} removed." + _anchoring_message(counts)
                  + (" Run the analysis again for their sentiment and themes."
                     if counts["changed"] or counts["removed"] else ""), "success")
            return redirect(url_for("research.study", study_id=study.id) + "#material")
        drafts = texts  # show what was typed, not what is stored
    else:
        drafts = {p.id: p.text for p in passages}
    return render_template("research/source_edit.html", study=study, source=source, passages=passages,
                           drafts=drafts, form=form, errors=errors,
                           speakers=queries.source_speakers(db.session, source),
                           labels=natural_sort(p.label for p in study.participants),
                           typed={p.id: request.form.get(f"speaker-{p.id}", p.speaker or "")
                                  for p in passages},
                           joined={p.id for p in passages if request.form.get(f"join-{p.id}")}), \
        422 if request.method == "POST" else 200


def _correct_source(source: StudySource, passages: list[Passage], texts: dict[int, str]) -> dict[str, int]:
    """Text only: ``service.edit_source``. A speaker changed, a turn joined to the one
    before or split at a blank line: ``service.restructure_source`` (emptied passages are
    removed first, as ``edit_source`` does)."""
    speakers = {p.id: " ".join(request.form.get(f"speaker-{p.id}", p.speaker or "").split())
                for p in passages}
    joins = {p.id for p in passages[1:] if request.form.get(f"join-{p.id}")}
    restructured = joins or any(speakers[p.id] != (p.speaker or "") for p in passages) or any(
        re.search(r"\n\s*\n", texts[p.id]) for p in passages)
    if not restructured:
        return service.edit_source(db.session, passages, texts)
    if not any(texts.values()):
        raise service.ResearchInvalid("invalid", "Every passage is empty: remove the source instead.")
    removed = [p for p in passages if not texts[p.id]]
    detached = sum(service.remove_passage(db.session, p) for p in removed)
    kept = [p for p in passages if texts[p.id]]
    edits = {p.id: {"text": texts[p.id], "speaker": speakers[p.id], "join": p.id in joins}
             for p in kept}
    counts = service.restructure_source(db.session, source, kept, edits,
                                        [p.label for p in source.study.participants])
    counts["removed"] = len(removed)
    counts["detached"] += detached
    return counts


@bp.route("/<int:study_id>/sources/<int:source_id>/speakers", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def rename_speaker(study_id: int, source_id: int) -> Any:
    """Call one speaker of a source by another name (or a participant's label)."""
    study = get_or_404_in(Study, study_id)
    source = get_or_404_in(StudySource, source_id)
    if source.study_id != study.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    old = request.form.get("old", "")
    new = request.form.get("new", "")
    try:
        n = service.rename_speaker(db.session, source, old, new)
    except service.ResearchInvalid as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"“{old}” is now “{' '.join(new.split())}” in {n} passage(s) of “{source.title}”; "
              "their highlights follow.", "success")
    return redirect(url_for("research.edit_source", study_id=study.id, source_id=source.id))


def _passage_url(study: Study, passage: Passage) -> str:
    page = passage_page(db.session, passage.id)
    return url_for("research.study", study_id=study.id, page=page if page > 1 else None) \
        + f"#passage-{passage.id}"


# ----------------------------------------------------------------------------- highlights
def _passage_in(study: Study, passage_id: int) -> Passage:
    passage = queries.passage_in(db.session, study, passage_id)
    if passage is None:
        abort(404)
    return passage


@bp.route("/<int:study_id>/passages/<int:passage_id>/highlights", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_highlight(study_id: int, passage_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    passage = _passage_in(study, passage_id)
    form = HighlightForm()
    if form.validate_on_submit():
        try:
            tags = service.tags_by_name(db.session, g.workspace.id, (form.tags.data or "").split(","))
            service.add_highlight(db.session, passage, form.quote.data, start=form.start.data,
                                  tags=tags, note=form.note.data or "", user_id=current_user.id)
        except service.HighlightError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(_passage_url(study, passage))
        db.session.commit()
        flash("Highlighted. Group highlights into insights on the synthesis board.", "success")
    else:
        flash("A highlight needs some words from the passage.", "error")
    return redirect(_passage_url(study, passage))


@bp.route("/highlights/<int:highlight_id>/delete", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def delete_highlight(highlight_id: int) -> Any:
    highlight = get_or_404_in(Highlight, highlight_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    study_id = highlight.study_id
    service.remove_highlight(db.session, highlight)
    db.session.commit()
    flash("Removed the highlight.", "success")
    target = "research.board" if request.form.get("next") == "board" else "research.study"
    return redirect(url_for(target, study_id=study_id))


# ----------------------------------------------------------------------------- board
@bp.route("/<int:study_id>/board")
@workspace_view(Role.VIEWER)
def board(study_id: int) -> Any:
    return _board_page(get_or_404_in(Study, study_id))


def _board_page(study: Study, status: int = 200, insight_form: InsightForm | None = None) -> Any:
    insights, groups, unsorted = queries.board(db.session, study)
    move = MoveForm(formdata=None)
    move.insight.choices = [SelectChoice(0, "Unsorted")] + [SelectChoice(i.id, i.title) for i in insights]
    themes = service.study_themes(db.session, study)
    return render_template(
        "research/board.html", study=study, insights=insights, groups=groups, unsorted=unsorted,
        weights={i.id: service.insight_weight(db.session, study, groups[i.id], themes)
                 for i in insights},
        insight_form=insight_form or InsightForm(formdata=None), move_form=move,
        evidence_form=_evidence_form(study, themes, formdata=None),
        insight_evidence_form=_evidence_form(study, {}, formdata=None),
        links=service.links_of(db.session, study), themes=themes,
        empty_form=EmptyForm(), can_edit=g.membership.role.allows(Role.RESEARCHER)), status


def _evidence_form(study: Study, themes: dict[int, Any], **kwargs: Any) -> EvidenceForm:
    """Targets a highlight (or, without themes, an insight) can be evidence for."""
    form = EvidenceForm(**kwargs)
    hypotheses, personas = queries.evidence_targets(db.session, g.workspace.id)
    choices: dict[str, list[SelectChoice]] = {
        "Hypotheses": [SelectChoice(f"hypothesis:{h.id}", h.title) for h in hypotheses],
        "Personas": [SelectChoice(f"persona:{p.id}", p.name) for p in personas],
        "Themes": [SelectChoice(f"theme:{tid}", t.label) for tid, t in themes.items()]}
    form.target.choices = {k: v for k, v in choices.items() if v}
    return form


def _link_evidence(item: Highlight | Insight, form: EvidenceForm) -> str:
    """Apply a valid EvidenceForm to ``item``; returns what to tell the researcher."""
    kind, _, ref = form.target.data.partition(":")
    if kind == "hypothesis":
        hypothesis = get_or_404_in(Hypothesis, int(ref))
        service.link_hypothesis(db.session, hypothesis, item, form.stance.data, current_user)
        return f"Linked as evidence ({form.stance.data}) to the hypothesis “{hypothesis.title}”."
    if kind == "persona":
        persona = get_or_404_in(Persona, int(ref))
        service.link_persona(db.session, persona, item, current_user)
        return f"Added to the persona “{persona.name}” as evidence."
    if kind != "theme" or not isinstance(item, Highlight):  # the form offers nothing else
        abort(400)
    service.link_theme(item, int(ref))
    return "Linked to the theme: the insight's survey evidence now counts it."


@bp.route("/highlights/<int:highlight_id>/evidence", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def highlight_evidence(highlight_id: int) -> Any:
    highlight = get_or_404_in(Highlight, highlight_id)
    study = get_or_404_in(Study, highlight.study_id)
    return _evidence_post(study, highlight, service.study_themes(db.session, study),
                          f"#highlight-{highlight.id}")


@bp.route("/insights/<int:insight_id>/evidence", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def insight_evidence(insight_id: int) -> Any:
    insight = get_or_404_in(Insight, insight_id)
    study = get_or_404_in(Study, insight.study_id)
    return _evidence_post(study, insight, {}, f"#col-{insight.id}")


def _evidence_post(study: Study, item: Highlight | Insight, themes: dict[int, Any],
                   anchor: str) -> Any:
    form = _evidence_form(study, themes)
    if form.validate_on_submit():
        flash(_link_evidence(item, form), "success")
        db.session.commit()
    else:
        flash("Choose a hypothesis, persona or theme to link to.", "error")
    return redirect(url_for("research.board", study_id=study.id) + anchor)


@bp.app_template_global("research_persona_evidence")
def persona_evidence(persona_id: int) -> list[Any]:
    """Highlights and insights kept on a persona card (for the segments area's page)."""
    return service.persona_evidence(db.session, persona_id)


@bp.route("/<int:study_id>/insights", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_insight(study_id: int) -> Any:
    study = get_or_404_in(Study, study_id)
    form = InsightForm()
    if not form.validate_on_submit():
        return _board_page(study, 422, form)
    service.add_insight(db.session, study, form.title.data, form.body.data or "")
    db.session.commit()
    flash(f"Added the insight “{form.title.data}”. Move highlights into it as evidence.", "success")
    return redirect(url_for("research.board", study_id=study.id))


@bp.route("/highlights/<int:highlight_id>/move", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def move_highlight(highlight_id: int) -> Any:
    """Drag and drop on the board posts here; so does the keyboard's "Move to" form."""
    highlight = get_or_404_in(Highlight, highlight_id)
    form = MoveForm()
    ids = queries.insight_ids(db.session, highlight.study_id)
    form.insight.choices = [SelectChoice(0, "Unsorted")] + [SelectChoice(i, str(i)) for i in ids]
    if not form.validate_on_submit():
        abort(400)
    service.move_highlight(highlight, form.insight.data or None)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True, "insight": highlight.insight_id}
    return redirect(url_for("research.board", study_id=highlight.study_id) + f"#highlight-{highlight.id}")


# ----------------------------------------------------------------------------- codebook
@bp.route("/codebook")
@workspace_view(Role.VIEWER)
def codebook() -> Any:
    return _codebook_page(TagForm(formdata=None))


def _codebook_page(form: TagForm, status: int = 200) -> Any:
    tags = queries.tags(db.session, g.workspace.id)
    counts = queries.tag_counts(db.session)
    merge = MergeTagForm(formdata=None)
    merge.into.choices = [SelectChoice(t.id, t.name) for t in tags]
    return render_template("research/codebook.html", tags=tags, counts=counts, form=form,
                           merge_form=merge, can_edit=g.membership.role.allows(Role.RESEARCHER)), status


@bp.route("/codebook", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def add_tag() -> Any:
    form = TagForm()
    if form.validate_on_submit():
        try:
            service.add_tag(db.session, g.workspace.id, form.name.data, form.description.data or "")
        except service.ResearchConflict as exc:
            _field_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Added the code “{form.name.data}”.", "success")
            return redirect(url_for("research.codebook"))
    return _codebook_page(form, 422)


@bp.route("/codebook/<int:tag_id>", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def edit_tag(tag_id: int) -> Any:
    tag = get_or_404_in(Tag, tag_id)
    form = TagForm()
    if form.validate_on_submit():
        try:
            service.edit_tag(db.session, tag, form.name.data, form.description.data or "")
        except service.ResearchConflict as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Saved “{tag.name}”.", "success")
            return redirect(url_for("research.codebook"))
    else:
        flash("A code needs a name of at most 60 characters.", "error")
    return redirect(url_for("research.codebook"))


@bp.route("/codebook/<int:tag_id>/merge", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def merge_tag(tag_id: int) -> Any:
    tag = get_or_404_in(Tag, tag_id)
    form = MergeTagForm()
    form.into.choices = [SelectChoice(t.id, t.name) for t in queries.tags(db.session, g.workspace.id)]
    if not form.validate_on_submit():
        flash("Choose another code to merge into.", "error")
        return redirect(url_for("research.codebook"))
    target = get_or_404_in(Tag, form.into.data)
    name = tag.name
    try:
        moved = service.merge_tags(db.session, tag, target)
    except service.ResearchInvalid as exc:
        flash(exc.message, "error")
        return redirect(url_for("research.codebook"))
    db.session.commit()
    flash(f"Merged “{name}” into “{target.name}” ({moved} highlights).", "success")
    return redirect(url_for("research.codebook"))


@bp.route("/<int:study_id>/participants/erase", methods=["POST"])
@workspace_view(Role.RESEARCHER)
def erase(study_id: int) -> Any:
    """Erase the participant named by the form's ``participant`` field (their id)."""
    study = get_or_404_in(Study, study_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pid = request.form.get("participant", "")
    participant = (queries.participant_in(db.session, study, int(pid))
                   if pid.isdigit() and len(pid) < 10 else None)
    if participant is None:
        abort(404)
    label = participant.label
    counts = erase_participant(db.session, participant, current_user)
    db.session.commit()
    flash(f"Erased {label}: {counts['sources']} sources, {counts['passages']} passages, "
          f"{counts['usability_results']} task results and {counts['sus_answers']} SUS answers "
          f"removed; {counts['highlights']} highlights kept without their text.", "success")
    return redirect(url_for("research.study", study_id=study.id, slug=g.workspace.slug) + "#participants")


@bp.route("/<int:study_id>/export")
@workspace_view(Role.ANALYST)
def export_study(study_id: int) -> Any:
    """``?format=json`` (default) or ``csv``; ``real_ids=1`` for product user ids."""
    study = get_or_404_in(Study, study_id)
    fmt = "csv" if request.args.get("format") == "csv" else "json"
    real_ids = request.args.get("real_ids") == "1"
    data = service.export_study(db.session, g.workspace, study, current_user, fmt=fmt,
                                real_ids=real_ids)
    db.session.commit()
    name = f"study-{study.id}.{fmt}"
    body = to_csv(data) if fmt == "csv" else json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, mimetype="text/csv" if fmt == "csv" else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/search")
@workspace_view(Role.VIEWER)
def search_page() -> Any:
    errors: dict[str, str] = {}
    text = request.args.get("q", "")[:500]
    filters = filters_from_request(errors)
    results = None
    if text.strip():
        results = search(db.session, g.workspace.id, text, filters, page=request_int("page") or 1)
        db.session.commit()  # keep what sync read into the index
    args = {k: v for k, v in request.args.items() if k in ARGS}
    return render_template("research/search.html", q=text, filters=filters, errors=errors,
                           results=results, args=args, kinds=KINDS, sentiments=SENTIMENTS,
                           understood=bool(parse(text)), **filter_options(db.session, g.workspace.id))
