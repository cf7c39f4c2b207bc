"""Research operations: studies, participants, importing material, analysing passages,
highlights, the synthesis board and the codebook.

Services take a session and never commit; the view, CLI command or job commits once, so
an import either lands whole or not at all. They refuse with the area's errors
(``ResearchError`` and its kinds, ``HighlightError``, ``importers.SourceError``); the
read-only lookups that fill the pages are in ``queries``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from surveyapp.errors import Conflict, DomainError, Invalid
from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Environment,
    TextAnalysis,
    User,
    Workspace,
    utcnow,
)
from surveyapp.models.insights import EvidenceLink, Hypothesis
from surveyapp.models.research import (
    Highlight,
    Insight,
    Participant,
    Passage,
    PersonaEvidence,
    Study,
    StudyKind,
    StudySession,
    StudySource,
    StudyTask,
    SusAnswer,
    Tag,
    UsabilityResult,
)
from surveyapp.models.segments import Persona, Segment, SegmentMember, SegmentRun
from surveyapp.privacy.ids import stored_external_id
from surveyapp.privacy.service import audit
from surveyapp.research.export import study_export
from surveyapp.research.importers import SourceError, accept_speaker, read_source
from surveyapp.research.questionnaires import (
    TaskResult,
    UsabilityData,
    read_usability_csv,
    sus_score,
)
from surveyapp.research.usability import summarise

if TYPE_CHECKING:
    from surveyapp.models.segments import Persona

MAX_PASSAGE = 20000  # characters in a corrected passage


class ResearchError(DomainError):
    """Anything the research area refuses; ``fields`` name the form fields at fault."""


class ResearchInvalid(ResearchError, Invalid):
    """The input breaks a rule (a participant's contact that does not exist, say)."""


class ResearchConflict(ResearchError, Conflict):
    """The input clashes with what the study or codebook holds (a name in use)."""


def create_study(session: Session, workspace_id: int, title: str, kind: StudyKind,
                 research_question: str = "") -> Study:
    study = Study(workspace_id=workspace_id, title=title, kind=kind,
                  research_question=research_question)
    session.add(study)
    return study


def find_contact(session: Session, workspace: Workspace, external_id: str) -> Contact | None:
    """A participant can be one of the product's users (and so bring their segments,
    answers and behaviour along)."""
    # With hashed ids on, contacts hold the hash of the product's id, not the id itself.
    stored = stored_external_id(session, workspace.id, external_id.strip())
    return session.scalar(select(Contact).join(Environment).where(
        Environment.workspace_id == workspace.id, Contact.external_id == stored))


def add_participant(session: Session, workspace: Workspace, study: Study, label: str, *,
                    contact_ref: str = "", consent_note: str = "",
                    consent: bool = False) -> Participant:
    """A participant of the study, optionally one of the workspace's product users (by
    their id in the product). Raises ResearchInvalid naming every field at fault."""
    problems: dict[str, str] = {}
    if any(p.label == label for p in study.participants):
        problems["label"] = "This study already has a participant with this label."
    contact = None
    if contact_ref:
        contact = find_contact(session, workspace, contact_ref)
        if contact is None:
            problems["contact"] = "No product user has this id in this workspace."
    if problems:
        raise ResearchInvalid("invalid", "Some fields are invalid.", problems)
    participant = Participant(
        workspace_id=study.workspace_id, study=study, label=label,
        contact_id=contact.id if contact else None, consent_note=consent_note,
        consented_at=utcnow() if consent else None)
    session.add(participant)
    return participant


def participant_for(session: Session, study: Study, label: str) -> Participant:
    label = label.strip()[:80]
    for p in study.participants:
        if p.label == label:
            return p
    participant = Participant(workspace_id=study.workspace_id, study=study, label=label)
    session.add(participant)
    return participant


def add_session(session: Session, study: Study, title: str, *, participant: Participant | None = None,
                held_on: Any = None, moderator: str = "", notes: str = "") -> StudySession:
    """Record a session (its notes PII-scrubbed before they are stored)."""
    from nlp.text import scrub_pii

    row = StudySession(workspace_id=study.workspace_id, study=study, participant=participant,
                       title=title[:200], held_on=held_on, moderator=moderator[:80],
                       notes=scrub_pii(notes) if notes else "")
    session.add(row)
    return row


def task_for(session: Session, study: Study, name: str) -> StudyTask:
    """The study's task of this name, added after the others if new."""
    name = name.strip()[:200]
    for task in study.tasks:
        if task.name == name:
            return task
    task = StudyTask(study=study, name=name, position=max((t.position for t in study.tasks), default=-1) + 1)
    session.add(task)
    return task


def save_task(session: Session, study: Study, task: StudyTask | None, name: str, *,
              scenario: str = "", success: str = "",
              target_seconds: float | None = None) -> StudyTask:
    """Add a usability task (``task`` None) or change one; a renamed task's results follow
    it. Raises ResearchConflict when another task of the study has the name."""
    if any(t.name == name and t is not task for t in study.tasks):
        raise ResearchConflict("name_taken", "This study already has a task with this name.",
                               {"name": "This study already has a task with this name."})
    if task is None:
        task = task_for(session, study, name)
    elif task.name != name:
        session.execute(UsabilityResult.__table__.update().where(
            UsabilityResult.study_id == study.id, UsabilityResult.task == task.name).values(
            task=name))
        task.name = name
    task.scenario = scenario
    task.success = success
    task.target_seconds = target_seconds
    return task


def link_question(study: Study, survey_id: int | None, question_id: str | None) -> None:
    """Take the study's themes from this analysed survey question (or from none)."""
    if survey_id is not None and question_id is not None:
        study.survey_id, study.question_id = survey_id, question_id
    else:
        study.survey_id = study.question_id = None


def remove_source(session: Session, source: StudySource) -> None:
    """Delete a source with its passages."""
    session.delete(source)


def export_study(session: Session, workspace: Workspace, study: Study, user: User | None, *,
                 fmt: str, real_ids: bool = False) -> dict[str, Any]:
    """The study's export (``research.export``), recorded in the audit log."""
    data = study_export(session, study, real_ids=real_ids)
    audit(session, workspace, "research.exported", user, target=study.title,
          format=fmt, real_ids=real_ids)
    return data


def _not_imported_yet(session: Session, study: Study, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(select(StudySource).where(
        StudySource.study_id == study.id, StudySource.content_hash == digest))
    if existing is not None:
        raise SourceError(0, f"this material is already imported, as “{existing.title}”")
    return digest


def preview_source(session: Session, study: Study, data: bytes, *, filename: str = "") -> dict[str, Any]:
    """What an import would give, before anything is stored: the format, the passages and
    the speakers found (each with its turns, words and first words, in order of first
    appearance). Raises SourceError as ``import_source`` would."""
    _not_imported_yet(session, study, data)
    source = read_source(data, filename, known_speakers=[p.label for p in study.participants])
    speakers: dict[str, dict[str, Any]] = {}
    for p in source.passages:
        if p.speaker:
            row = speakers.setdefault(p.speaker, {"name": p.speaker, "turns": 0, "words": 0,
                                                  "first": p.text[:160]})
            row["turns"] += 1
            row["words"] += len(p.text.split())
    labels = {p.label.casefold(): p.label for p in study.participants}
    for row in speakers.values():
        row["participant"] = labels.get(row["name"].casefold())
    return {"format": source.format, "passages": len(source.passages),
            "unattributed": sum(1 for p in source.passages if not p.speaker),
            "speakers": list(speakers.values()), "sample": source.passages[:6]}


def import_source(session: Session, study: Study, data: bytes, *, filename: str = "",
                  title: str = "", participant: Participant | None = None,
                  fmt: str | None = None, study_session: StudySession | None = None,
                  speakers: dict[str, str] | None = None) -> StudySource:
    """Read one file (or pasted text) into PII-scrubbed passages. Raises SourceError.

    ``speakers`` renames the speakers found (the import preview: a participant's label, a
    new name, or two speakers given one name to merge them)."""
    from nlp.text import scrub_pii

    digest = _not_imported_yet(session, study, data)
    source = read_source(data, filename, fmt, known_speakers=[p.label for p in study.participants])
    for p in source.passages:
        if p.speaker and speakers and (speakers.get(p.speaker) or "").strip():
            p.speaker = " ".join(speakers[p.speaker].split())[:80]
    if participant is None and study_session is not None:
        participant = study_session.participant
    row = StudySource(workspace_id=study.workspace_id, study=study, participant=participant,
                      title=(title or filename or "Pasted notes")[:200], format=source.format,
                      filename=filename[:255], content_hash=digest, session=study_session)
    session.add(row)
    session.flush()
    session.execute(Passage.__table__.insert(), [
        {"study_id": study.id, "source_id": row.id, "position": i, "line": p.line,
         "speaker": (p.speaker or None) and p.speaker[:80], "start_ms": p.start_ms,
         "end_ms": p.end_ms, "section": p.section, "text": scrub_pii(p.text)}
        for i, p in enumerate(source.passages)])
    return row


def import_usability(session: Session, study: Study, data: bytes, filename: str = "") -> dict[str, Any]:
    """Task results and questionnaires (SUS, UMUX-Lite, SEQ) from task rows or a form
    export; re-importing replaces a participant's rows for a task or a questionnaire.
    Returns the counts and ``report``: how the file was read."""
    parsed = read_usability_csv(data, filename)
    people = {label: participant_for(session, study, label)
              for label in {r.participant for r in parsed.results} | set(parsed.sus) | set(parsed.umux)}
    for result in parsed.results:  # tasks in the order the file first names them
        task_for(session, study, result.task)
    session.flush()
    for result in parsed.results:
        session.execute(delete(UsabilityResult).where(
            UsabilityResult.study_id == study.id,
            UsabilityResult.participant_id == people[result.participant].id,
            UsabilityResult.task == result.task[:200]))
    session.flush()
    for result in parsed.results:
        session.add(UsabilityResult(study_id=study.id, participant_id=people[result.participant].id,
                                    task=result.task[:200], success=result.success,
                                    seconds=result.seconds, errors=result.errors, seq=result.seq))
    answered = [("sus", label, answers, sus_score(answers)) for label, answers in parsed.sus.items()]
    answered += [("umux_lite", label, parsed.umux_answers[label], score)
                 for label, score in parsed.umux.items()]
    for instrument, label, answers, score in answered:
        session.execute(delete(SusAnswer).where(SusAnswer.study_id == study.id,
                                                SusAnswer.participant_id == people[label].id,
                                                SusAnswer.instrument == instrument))
        session.flush()
        session.add(SusAnswer(study_id=study.id, participant_id=people[label].id,
                              instrument=instrument, answers=answers, score=score))
    return {"results": len(parsed.results), "sus": len(parsed.sus), "umux": len(parsed.umux),
            "participants": len(people), "report": parsed.report}


def usability_data(session: Session, study: Study) -> UsabilityData:
    labels = {p.id: p.label for p in study.participants}
    order = {t.name: (t.position, t.id) for t in study.tasks}  # tasks in the study's order
    rows = sorted(session.scalars(select(UsabilityResult).where(UsabilityResult.study_id == study.id)
                                  .order_by(UsabilityResult.id)).all(),
                  key=lambda r: order.get(r.task, (1 << 30, 0)))
    answers = session.scalars(select(SusAnswer).where(SusAnswer.study_id == study.id)
                              .order_by(SusAnswer.id)).all()
    return UsabilityData(
        [TaskResult(labels.get(r.participant_id, "?"), r.task, r.success, r.seconds, r.errors, r.seq)
         for r in rows],
        {labels.get(s.participant_id, "?"): list(s.answers) for s in answers if s.instrument == "sus"},
        umux={labels.get(s.participant_id, "?"): s.score for s in answers if s.instrument == "umux_lite"})


def usability_by_segment(session: Session, study: Study) -> list[dict[str, Any]]:
    """Task completion and SUS per current segment of the participants linked to product
    users: [{"segment", "participants", "tasks": [TaskSummary], "sus"}], largest first."""
    linked = {p.contact_id: p.label for p in study.participants if p.contact_id}
    if not linked:
        return []
    groups: dict[str, set[str]] = {}
    for name, contact_id in session.execute(
            select(Segment.name, SegmentMember.contact_id)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .join(SegmentRun, SegmentRun.id == Segment.run_id)
            .where(SegmentRun.status == "saved", Segment.label != -1,
                   SegmentMember.contact_id.in_(list(linked)))):
        groups.setdefault(name, set()).add(linked[contact_id])
    data = usability_data(session, study)
    out = []
    for name, labels in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        summary = summarise(UsabilityData(
            [r for r in data.results if r.participant in labels],
            {k: v for k, v in data.sus.items() if k in labels},
            umux={k: v for k, v in data.umux.items() if k in labels}))
        if summary.tasks or summary.sus or summary.umux:
            out.append({"segment": name, "participants": len(labels), "tasks": summary.tasks,
                        "sus": summary.sus, "umux": summary.umux})
    return out


# ----------------------------------------------------------------------------- analysis
def analyse_study(session: Session, study: Study, progress: Any, *, sentiment_model: Any,
                  cache_dir: str) -> dict[str, Any]:
    """Sentiment per passage; passages assigned to the survey question's themes; new themes
    proposed from what the surveys never raised. Idempotent: re-running replaces results."""
    from nlp import themes as nlp_themes
    from surveyapp.research.themes import theme_passages

    passages = session.scalars(select(Passage).where(Passage.study_id == study.id)
                               .order_by(Passage.id)).all()
    texts = [p.text for p in passages]
    progress(0.05, f"{len(texts):,} passages to read")
    analysis = None
    if study.survey_id and study.question_id:
        analysis = session.scalar(select(TextAnalysis).where(
            TextAnalysis.survey_id == study.survey_id, TextAnalysis.question_id == study.question_id))
    result = analysis.theme_result() if analysis else None
    speakers = {p.speaker for p in passages if p.speaker} | {p.label for p in study.participants}
    themed = theme_passages(texts, result if result is not None and result.themes else None,
                            speakers=speakers, cache_dir=cache_dir)
    progress(0.4, "themes assigned; new themes proposed from what the surveys never raised")
    assigned = themed.assigned
    proposed = themed.proposed
    progress(0.6, "reading sentiment")
    scores: list[dict[str, Any] | None] = [None] * len(texts)
    if sentiment_model is not None:
        ok = [i for i, a in enumerate(assigned) if a not in (nlp_themes.FILLER, nlp_themes.NON_ENGLISH)]
        for i, res in zip(ok, sentiment_model.analyse([texts[i] for i in ok]), strict=True):
            scores[i] = res
    for i, p in enumerate(passages):
        a = assigned[i]
        p.kind = a if isinstance(a, str) else "ok"
        p.theme = a if isinstance(a, int) else None
        p.proposed_theme = themed.proposal_of[i]
        p.sentiment = scores[i]["label"] if scores[i] else None
        p.sentiment_score = scores[i]["score"] if scores[i] else None
    study.analysis = {"passages": len(passages), "proposed": proposed,
                      "backchannel": themed.backchannel, "link_threshold": themed.threshold,
                      "themes_from": study.question_id if result else None,
                      "sentiment": sentiment_model is not None}
    progress(1.0, "done")
    return {"message": f"Read {len(passages):,} passages; {len(proposed)} new themes proposed",
            "passages": len(passages)}


def theme_evidence(session: Session, study: Study) -> list[dict[str, Any]]:
    """Per theme of the linked survey question: interview passages beside survey answers."""
    themes = study_themes(session, study)
    if not themes:
        return []
    labels = {tid: t.label for tid, t in themes.items()}
    answers = dict(session.execute(
        select(AnswerAnnotation.theme, func.count()).where(
            AnswerAnnotation.survey_id == study.survey_id,
            AnswerAnnotation.question_id == study.question_id,
            AnswerAnnotation.theme.is_not(None)).group_by(AnswerAnnotation.theme)).all())
    passages = Counter(session.scalars(select(Passage.theme).where(
        Passage.study_id == study.id, Passage.theme.is_not(None), Passage.theme >= 0)))
    sentiments: dict[int, Counter] = {}
    for theme, label in session.execute(select(Passage.theme, Passage.sentiment).where(
            Passage.study_id == study.id, Passage.theme >= 0)):
        sentiments.setdefault(theme, Counter())[label or "unknown"] += 1
    rows = [{"id": tid, "label": label, "passages": passages.get(tid, 0),
             "answers": answers.get(tid, 0), "sentiment": sentiments.get(tid, Counter())}
            for tid, label in labels.items()]
    return sorted(rows, key=lambda r: (-r["passages"], -r["answers"]))


# ----------------------------------------------------------------------------- highlights
class HighlightError(ValueError):
    """A selection that is not in the passage."""


def tags_by_name(session: Session, workspace_id: int, names: list[str]) -> list[Tag]:
    """The codebook's tags with these names, adding the new ones."""
    wanted = {n.strip()[:60]: None for n in names if n.strip()}
    found = {t.name: t for t in session.scalars(select(Tag).where(
        Tag.workspace_id == workspace_id, Tag.name.in_(list(wanted))))}
    for name in wanted:
        if name not in found:
            found[name] = Tag(workspace_id=workspace_id, name=name)
            session.add(found[name])
    return [found[n] for n in wanted]


def add_highlight(session: Session, passage: Passage, quote: str, *, start: int | None = None,
                  tags: list[Tag], note: str = "", user_id: int | None = None) -> Highlight:
    """Keep an exact quote from a passage (and where it was), with codebook tags."""
    quote = quote.strip()
    if not quote:
        raise HighlightError("Select or type the words to highlight.")
    if start is None or passage.text[start:start + len(quote)] != quote:
        start = passage.text.find(quote)
    if start < 0:
        raise HighlightError("The highlight must be words from this passage, exactly as written.")
    highlight = Highlight(
        workspace_id=passage.source.workspace_id, study_id=passage.study_id, passage_id=passage.id,
        quote=quote, start=start, end=start + len(quote), speaker=passage.speaker,
        source_title=passage.source.title, theme=passage.theme, note=note, created_by_id=user_id,
        tags=tags)
    session.add(highlight)
    return highlight


def remove_highlight(session: Session, highlight: Highlight) -> None:
    session.delete(highlight)


def link_theme(highlight: Highlight, theme_id: int) -> None:
    """Count a highlight as evidence for a theme of the study's survey question."""
    highlight.theme = theme_id


def add_insight(session: Session, study: Study, title: str, body: str = "") -> Insight:
    insight = Insight(workspace_id=study.workspace_id, study_id=study.id, title=title, body=body)
    session.add(insight)
    return insight


def move_highlight(highlight: Highlight, insight_id: int | None) -> None:
    """Put a highlight into one of its study's insights (or back among the unsorted)."""
    highlight.insight_id = insight_id


def add_tag(session: Session, workspace_id: int, name: str, description: str = "") -> Tag:
    """A new code in the codebook. Raises ResearchConflict when the name is in use."""
    exists = session.scalar(select(Tag).where(Tag.workspace_id == workspace_id, Tag.name == name))
    if exists is not None:
        raise ResearchConflict("name_taken", "The codebook already has this code.",
                               {"name": "The codebook already has this code."})
    tag = Tag(workspace_id=workspace_id, name=name, description=description)
    session.add(tag)
    return tag


def edit_tag(session: Session, tag: Tag, name: str, description: str = "") -> None:
    """Rename a code or change its description. Raises ResearchConflict when another code
    has the name (merge the two instead)."""
    clash = session.scalar(select(Tag).where(Tag.workspace_id == tag.workspace_id,
                                             Tag.name == name, Tag.id != tag.id))
    if clash is not None:
        raise ResearchConflict("name_taken",
                               f"“{name}” exists already: merge the two codes instead.",
                               {"name": "This code exists already."})
    tag.name, tag.description = name, description


def merge_tags(session: Session, source: Tag, target: Tag) -> int:
    """Move every highlight of ``source`` to ``target`` and remove ``source``. Raises
    ResearchInvalid when they are the same code."""
    if source.id == target.id:
        raise ResearchInvalid("invalid", "Choose another code to merge into.",
                              {"into": "Choose another code to merge into."})
    moved = 0
    for highlight in session.scalars(select(Highlight).where(Highlight.tags.contains(source))):
        if target not in highlight.tags:
            highlight.tags.append(target)
        highlight.tags.remove(source)
        moved += 1
    if source.description and not target.description:
        target.description = source.description
    session.delete(source)
    return moved


def insight_weight(session: Session, study: Study, highlights: list[Highlight],
                   themes_by_id: dict[int, SimpleNamespace] | None = None) -> dict[str, Any]:
    """The quantitative weight behind an insight: how many people said it in the study,
    what share of the linked survey question's answers fall in the same themes (with a few
    of those answers, PII-scrubbed), and the segments its participants belong to."""
    from nlp.text import scrub_pii

    themes = {h.theme for h in highlights if h.theme is not None and h.theme >= 0}
    out: dict[str, Any] = {"highlights": len(highlights),
                           "voices": len({(h.source_title, h.speaker) for h in highlights}),
                           "themes": sorted(themes), "answers": 0, "answer_share": None,
                           "quotes": [], "segments": segments_of_highlights(session, highlights)}
    if themes and study.survey_id and study.question_id:
        counts = dict(session.execute(select(AnswerAnnotation.theme, func.count()).where(
            AnswerAnnotation.survey_id == study.survey_id,
            AnswerAnnotation.question_id == study.question_id,
            AnswerAnnotation.kind == "ok").group_by(AnswerAnnotation.theme)).all())
        total = sum(counts.values())
        out["answers"] = sum(counts.get(t, 0) for t in themes)
        out["answer_share"] = out["answers"] / total if total else None
        for tid in sorted(themes, key=lambda t: -counts.get(t, 0)):
            theme = (themes_by_id or {}).get(tid)
            if theme is not None:
                out["quotes"] += [{"theme": theme.label, "text": scrub_pii(q)} for q in theme.quotes[:2]]
        out["quotes"] = out["quotes"][:3]
    return out


def study_themes(session: Session, study: Study) -> dict[int, SimpleNamespace]:
    """The linked survey question's themes by id: label (as the analysts edited it) and
    representative quotes."""
    if not (study.survey_id and study.question_id):
        return {}
    analysis = session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == study.survey_id, TextAnalysis.question_id == study.question_id))
    if analysis is None:
        return {}
    result = analysis.theme_result()
    names = analysis.theme_names(result)
    return {t.id: SimpleNamespace(id=t.id, label=names[t.id], quotes=list(t.quotes))
            for t in result.themes}


def segments_of_highlights(session: Session, highlights: list[Highlight]) -> list[dict[str, Any]]:
    """The current segments of the product users behind these highlights (participants
    linked to contacts): each segment's name, size, and how many of the voices are in it."""
    passage_ids = [h.passage_id for h in highlights if h.passage_id]
    if not passage_ids:
        return []
    contacts = set(session.scalars(
        select(Participant.contact_id).join(StudySource, StudySource.participant_id == Participant.id)
        .join(Passage, Passage.source_id == StudySource.id)
        .where(Passage.id.in_(passage_ids), Participant.contact_id.is_not(None))))
    if not contacts:
        return []
    rows = session.execute(
        select(Segment.name, Segment.size, func.count(SegmentMember.contact_id))
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(SegmentRun.status == "saved", Segment.label != -1,
               SegmentMember.contact_id.in_(contacts))
        .group_by(Segment.id, Segment.name, Segment.size).order_by(func.count().desc())).all()
    return [{"name": name, "size": size, "voices": n} for name, size, n in rows]


# ----------------------------------------------------------------------------- evidence
def highlight_ref(highlight: Highlight) -> str:
    return f"study:{highlight.study_id}/highlight:{highlight.id}"


def insight_ref(insight: Insight) -> str:
    return f"study:{insight.study_id}/insight:{insight.id}"


def highlight_label(highlight: Highlight) -> str:
    who = highlight.speaker or "Notes"
    quote = highlight.quote if len(highlight.quote) <= 120 else highlight.quote[:119] + "…"
    return f"Interview: “{quote}” ({who}, {highlight.source_title})"[:200]


def link_hypothesis(session: Session, hypothesis: Hypothesis, item: Highlight | Insight,
                    stance: str, user: User | None) -> EvidenceLink:
    """Keep a highlight or an insight as evidence for (or against) a hypothesis; linking
    the same thing twice keeps one link (with the latest stance)."""
    if isinstance(item, Highlight):
        kind, ref, label = "highlight", highlight_ref(item), highlight_label(item)
    else:
        kind, ref, label = "insight", insight_ref(item), f"Insight: {item.title}"[:200]
    link = session.scalar(select(EvidenceLink).where(EvidenceLink.hypothesis_id == hypothesis.id,
                                                     EvidenceLink.ref == ref))
    if link is None:
        link = EvidenceLink(hypothesis=hypothesis, kind=kind, ref=ref, label=label,
                            created_by=user)
        session.add(link)
    link.stance = stance
    return link


def link_persona(session: Session, persona: Persona, item: Highlight | Insight,
                 user: User | None) -> PersonaEvidence:
    """Keep a highlight or an insight on a persona card (once)."""
    column = PersonaEvidence.highlight_id if isinstance(item, Highlight) else PersonaEvidence.insight_id
    found = session.scalar(select(PersonaEvidence).where(
        PersonaEvidence.persona_id == persona.id, column == item.id))
    if found is not None:
        return found
    row = PersonaEvidence(workspace_id=persona.workspace_id, persona_id=persona.id,
                          created_by_id=user.id if user else None,
                          **({"highlight": item} if isinstance(item, Highlight) else {"insight": item}))
    session.add(row)
    return row


def persona_evidence(session: Session, persona_id: int) -> list[PersonaEvidence]:
    return list(session.scalars(select(PersonaEvidence).where(
        PersonaEvidence.persona_id == persona_id).order_by(PersonaEvidence.id)))


def links_of(session: Session, study: Study) -> dict[str, list[str]]:
    """What each highlight and insight of a study is evidence for, keyed by its ref:
    ["Hypothesis: … (supports)", "Persona: …"]."""
    out: dict[str, list[str]] = {}
    for link, title in session.execute(
            select(EvidenceLink, Hypothesis.title).join(Hypothesis)
            .where(EvidenceLink.ref.like(f"study:{study.id}/%"))
            .order_by(EvidenceLink.id)):
        out.setdefault(link.ref, []).append(f"Hypothesis: {title} ({link.stance})")
    for ev, name in session.execute(
            select(PersonaEvidence, Persona.name).join(Persona, Persona.id == PersonaEvidence.persona_id)
            .where(PersonaEvidence.workspace_id == study.workspace_id).order_by(PersonaEvidence.id)):
        if ev.highlight is not None and ev.highlight.study_id == study.id:
            out.setdefault(highlight_ref(ev.highlight), []).append(f"Persona: {name}")
        elif ev.insight is not None and ev.insight.study_id == study.id:
            out.setdefault(insight_ref(ev.insight), []).append(f"Persona: {name}")
    return out


# ----------------------------------------------------------------------------- editing
def edit_passage(session: Session, passage: Passage, text: str) -> dict[str, int]:
    """Correct a passage's text (PII-scrubbed again). Its highlights keep their exact
    quote: each is re-anchored to the same words in the new text (the occurrence nearest
    its old position); a quote whose words are gone is kept as it was and counted as
    detached. Sentiment is cleared until the next analysis."""
    from nlp.text import scrub_pii

    new = scrub_pii(text.strip())
    counts = {"kept": 0, "moved": 0, "detached": 0}
    if new == passage.text:
        return counts
    passage.text, passage.edited_at = new, utcnow()
    passage.sentiment = passage.sentiment_score = None
    for h in session.scalars(select(Highlight).where(Highlight.passage_id == passage.id)):
        places = [m.start() for m in re.finditer(re.escape(h.quote), new)]
        if not places:
            counts["detached"] += 1
            continue
        start = min(places, key=lambda i: abs(i - h.start))
        counts["kept" if start == h.start else "moved"] += 1
        h.start, h.end = start, start + len(h.quote)
    return counts


def passage_errors(texts: dict[int, str]) -> dict[int, str]:
    """What is wrong with corrected passage texts, by passage id."""
    return {pid: f"At most {MAX_PASSAGE:,} characters." for pid, t in texts.items()
            if len(t) > MAX_PASSAGE}


def edit_source(session: Session, passages: list[Passage], texts: dict[int, str]) -> dict[str, int]:
    """Correct a source's passages at once (``texts`` by passage id, stripped): an emptied
    passage is removed (its highlights keep their quotes), a changed one is edited as
    ``edit_passage`` does. Returns counts of highlights kept, moved and detached, and of
    passages changed and removed. Raises ResearchInvalid when every passage is empty."""
    if not any(texts.values()):
        raise ResearchInvalid("invalid", "Every passage is empty: remove the source instead.")
    counts = {"kept": 0, "moved": 0, "detached": 0, "changed": 0, "removed": 0}
    for p in passages:
        if not texts[p.id]:
            counts["detached"] += remove_passage(session, p)
            counts["removed"] += 1
        elif texts[p.id] != p.text:
            for key, n in edit_passage(session, p, texts[p.id]).items():
                counts[key] += n
            counts["changed"] += 1
    return counts


def remove_passage(session: Session, passage: Passage) -> int:
    """Delete a passage from its source; its highlights stay with their exact quotes but
    no longer point at a passage. Returns how many highlights that concerned."""
    n = session.execute(update(Highlight).where(Highlight.passage_id == passage.id).values(
        passage_id=None).execution_options(synchronize_session="fetch")).rowcount or 0
    session.delete(passage)
    return n


def is_anchored(highlight: Highlight, passage: Passage) -> bool:
    """Whether the highlight's quote is still at its place in the passage's text."""
    return passage.text[highlight.start:highlight.end] == highlight.quote


# ----------------------------------------------------------------------------- speakers and turns
_TURN_LABEL = re.compile(r"^(?P<label>[^\W_][^:\n]{0,79}?)\s*:\s+(?P<text>\S.*)$", re.S)


def rename_speaker(session: Session, source: StudySource, old: str, new: str) -> int:
    """Call a speaker by another name in every passage of one source (a participant's label,
    a real name for "Speaker 2", or an existing speaker's name to merge the two); their
    highlights follow. Returns the passages changed."""
    new = " ".join(new.split())[:80]
    if not new:
        raise ResearchInvalid("invalid", "Give the speaker a name.", fields={"new": "Required."})
    ids = list(session.scalars(select(Passage.id).where(Passage.source_id == source.id,
                                                         Passage.speaker == old)))
    if not ids:
        raise ResearchInvalid("invalid", f"No passage of “{source.title}” is spoken by “{old}”.",
                              fields={"old": "Not a speaker of this source."})
    session.execute(update(Passage).where(Passage.id.in_(ids)).values(speaker=new)
                    .execution_options(synchronize_session="fetch"))
    session.execute(update(Highlight).where(Highlight.passage_id.in_(ids)).values(speaker=new)
                    .execution_options(synchronize_session="fetch"))
    return len(ids)


class _NewTurn:
    def __init__(self, origin: Passage, speaker: str | None, text: str) -> None:
        self.origin, self.speaker, self.text = origin, speaker, text
        # (old passage, shift): its words at ``i`` are at ``i + shift`` in this turn
        self.parts: list[tuple[int, int]] = [(origin.id, 0)]


def restructure_source(session: Session, source: StudySource, passages: list[Passage],
                       edits: dict[int, dict[str, Any]], known: list[str]) -> dict[str, int]:
    """Correct a source's speakers and turns at once, as the correction page sends them:
    per passage ``text``, ``speaker`` (reassign; "" for none) and ``join`` (merge into the
    turn before). A blank line in a text splits the turn there; a part that starts with
    "Name:" (a speaker of this source, a participant's label, or a name-like label) is that
    speaker's turn, else the same speaker goes on. Highlights follow their words into
    whichever turn now holds them (the occurrence nearest their old place); a quote whose
    words are gone keeps its words and stays with the turn its passage became.

    Returns counts: passages changed, split into, joined, and highlights kept, moved,
    detached."""
    from nlp.text import scrub_pii

    speakers = known + [p.speaker for p in passages if p.speaker]
    counts = {"changed": 0, "split": 0, "joined": 0, "kept": 0, "moved": 0, "detached": 0}
    turns: list[_NewTurn] = []
    for p in passages:
        edit = edits.get(p.id, {})
        raw = str(edit.get("text", p.text)).replace("\r\n", "\n").strip()
        if not raw:
            raise ResearchInvalid("invalid", "A passage cannot be emptied here: use Correct the "
                                             "text to remove it.", fields={f"text-{p.id}": "Required."})
        speaker = edit.get("speaker", p.speaker)
        speaker = " ".join(speaker.split())[:80] or None if isinstance(speaker, str) else p.speaker
        pieces = [" ".join(x.split()) for x in re.split(r"\n\s*\n", raw) if x.strip()]
        offset = 0  # where the piece starts in the passage's corrected text
        for i, whole in enumerate(pieces):
            who, piece = speaker, whole
            if i:
                m = _TURN_LABEL.match(whole)
                named = accept_speaker(m.group("label"), speakers) if m else None
                if m and named:
                    who, piece = named, m.group("text").strip()
                counts["split"] += 1
            lead = offset + len(whole) - len(piece)  # the label taken off, if any
            if i == 0 and edit.get("join") and turns:
                last = turns[-1]
                last.parts.append((p.id, len(last.text) + 1 - lead))
                last.text = f"{last.text} {piece}"
                counts["joined"] += 1
            else:
                turn = _NewTurn(p, who, piece)
                turn.parts = [(p.id, -lead)]
                turns.append(turn)
            offset += len(whole) + 1
    # Persist: each old passage's first turn keeps its row (and id); more turns are new rows.
    by_id = {p.id: p for p in passages}
    used: set[int] = set()
    rows: list[Passage] = []
    for turn in turns:
        origin = turn.origin
        text = scrub_pii(turn.text)
        if origin.id not in used:
            used.add(origin.id)
            row = origin
            if row.text != text or row.speaker != turn.speaker:
                counts["changed"] += 1
                if row.text != text:
                    row.edited_at = utcnow()
                    row.sentiment = row.sentiment_score = None
            row.text, row.speaker = text, turn.speaker
        else:
            row = Passage(study_id=origin.study_id, source_id=origin.source_id, position=0,
                          line=origin.line, speaker=turn.speaker, start_ms=origin.start_ms,
                          end_ms=origin.end_ms, section=origin.section, text=text,
                          edited_at=utcnow())
            session.add(row)
        rows.append(row)
    session.flush()
    for position, row in enumerate(rows):
        row.position = position
    # Highlights: to the turn that now holds their words, nearest their old place.
    holders: dict[int, list[tuple[Passage, int]]] = {}
    for turn, row in zip(turns, rows, strict=True):
        for pid, shift in turn.parts:
            holders.setdefault(pid, []).append((row, shift))
    for h in session.scalars(select(Highlight).where(Highlight.passage_id.in_(list(by_id)))):
        old = by_id[h.passage_id]
        best: tuple[int, Passage, int] | None = None
        for row, shift in holders.get(old.id, []):
            for m in re.finditer(re.escape(h.quote), row.text):
                distance = abs(m.start() - (h.start + shift))
                if best is None or distance < best[0]:
                    best = (distance, row, m.start())
        if best is None:
            counts["detached"] += 1
            home = holders[old.id][0][0] if holders.get(old.id) else None
            h.passage_id = home.id if home is not None else None
            continue
        _, row, start = best
        moved = row.id != h.passage_id or start != h.start
        counts["moved" if moved else "kept"] += 1
        h.passage_id, h.start, h.end, h.speaker = row.id, start, start + len(h.quote), row.speaker
    for p in passages:
        if p.id not in used:  # joined into the turn before
            session.delete(p)
    return counts
