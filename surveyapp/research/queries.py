"""Read-only lookups that fill the research pages and their form choices: studies and
their passages, the board's insights and highlights, the codebook, and the objects a URL
or a form names (``None`` when they are not the study's, so the view can answer 404).

They take a session and change nothing; operations are in ``service``.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Survey, TextAnalysis
from surveyapp.models.insights import Hypothesis
from surveyapp.models.research import (
    Highlight,
    Insight,
    Participant,
    Passage,
    Study,
    StudySession,
    StudySource,
    StudyTask,
    Tag,
    highlight_tag,
)
from surveyapp.models.segments import Persona
from surveyapp.research.search import PAGE

CHOICE_LIMIT = 200  # hypotheses and personas offered as evidence targets


# ----------------------------------------------------------------------------- studies
def studies(session: Session, workspace_id: int) -> list[Study]:
    """The workspace's studies, newest first."""
    return list(session.scalars(select(Study).where(Study.workspace_id == workspace_id)
                                .order_by(Study.created_at.desc())))


def passage_counts(session: Session, workspace_id: int) -> dict[int, int]:
    """Passages per study of the workspace (studies without any are left out)."""
    rows = session.execute(select(Passage.study_id, func.count()).join(Study).where(
        Study.workspace_id == workspace_id).group_by(Passage.study_id)).all()
    return {study_id: n for study_id, n in rows}


class PassagePage(NamedTuple):
    passages: list[Passage]
    total: int  # passages in the study
    page: int  # the page shown (1-based, within 1..pages)
    pages: int
    first: int  # the number of the first passage shown (1-based)


def passage_page(session: Session, study: Study, page: int, *, source_id: int | None = None,
                 speaker: str | None = None) -> PassagePage:
    """One page of a study's passages in reading order (source, then position), of one
    source and one speaker if asked; a page number out of range shows the nearest page."""
    where = [Passage.study_id == study.id]
    if source_id is not None:
        where.append(Passage.source_id == source_id)
    if speaker:
        where.append(Passage.speaker == speaker)
    total = session.scalar(select(func.count()).select_from(Passage).where(*where)) or 0
    pages = max(1, -(-total // PAGE))
    page = min(max(page, 1), pages)
    passages = list(session.scalars(select(Passage).where(*where)
                                    .order_by(Passage.source_id, Passage.position)
                                    .offset((page - 1) * PAGE).limit(PAGE)))
    return PassagePage(passages, total, page, pages, (page - 1) * PAGE + 1)


def passage_speakers(session: Session, study: Study, source_id: int | None = None) -> list[str]:
    """The speakers of a study's passages (of one source if asked), alphabetically."""
    query = select(Passage.speaker).where(Passage.study_id == study.id, Passage.speaker.is_not(None))
    if source_id is not None:
        query = query.where(Passage.source_id == source_id)
    return sorted({s for s in session.scalars(query.distinct()) if s}, key=str.casefold)


def highlights_by_passage(session: Session, study: Study,
                          passages: list[Passage]) -> dict[int, list[Highlight]]:
    """The highlights of these passages of the study, by passage id."""
    marks: dict[int, list[Highlight]] = {}
    for h in session.scalars(select(Highlight).where(
            Highlight.study_id == study.id, Highlight.passage_id.in_([p.id for p in passages]))):
        if h.passage_id is not None:
            marks.setdefault(h.passage_id, []).append(h)
    return marks


def source_passages(session: Session, source: StudySource) -> list[Passage]:
    """A source's passages in their order."""
    return list(session.scalars(select(Passage).where(Passage.source_id == source.id)
                                .order_by(Passage.position)))


def source_speakers(session: Session, source: StudySource) -> list[str]:
    """The speakers of a source, in order of first appearance."""
    seen: dict[str, None] = {}
    for speaker in session.scalars(select(Passage.speaker).where(
            Passage.source_id == source.id, Passage.speaker.is_not(None)).order_by(Passage.position)):
        if speaker:
            seen.setdefault(speaker)
    return list(seen)


def source_passage_count(session: Session, source: StudySource) -> int:
    return session.scalar(select(func.count()).select_from(Passage)
                          .where(Passage.source_id == source.id)) or 0


def linkable_questions(session: Session, workspace_id: int) -> list[tuple[int, str, str]]:
    """Analysed open-text questions a study can take its themes from:
    (survey id, survey name, question id), by survey name."""
    rows = session.execute(select(Survey.id, Survey.name, TextAnalysis.question_id).join(
        TextAnalysis, TextAnalysis.survey_id == Survey.id).where(
        Survey.workspace_id == workspace_id).order_by(Survey.name)).all()
    return [(survey_id, name, question_id) for survey_id, name, question_id in rows]


# ----------------------------------------------------------------------------- a study's parts
def participant_of(study: Study, participant_id: int | None) -> Participant | None:
    return next((p for p in study.participants if p.id == participant_id), None)


def session_of(study: Study, session_id: int | None) -> StudySession | None:
    return next((s for s in study.sessions if s.id == session_id), None)


def task_in(session: Session, study: Study, task_id: int) -> StudyTask | None:
    task = session.get(StudyTask, task_id)
    return task if task is not None and task.study_id == study.id else None


def passage_in(session: Session, study: Study, passage_id: int) -> Passage | None:
    passage = session.get(Passage, passage_id)
    return passage if passage is not None and passage.study_id == study.id else None


def participant_in(session: Session, study: Study, participant_id: int) -> Participant | None:
    participant = session.get(Participant, participant_id)
    return participant if participant is not None and participant.study_id == study.id else None


# ----------------------------------------------------------------------------- board
class Board(NamedTuple):
    insights: list[Insight]
    groups: dict[int, list[Highlight]]  # insight id -> its highlights
    unsorted: list[Highlight]  # highlights in no insight yet


def board(session: Session, study: Study) -> Board:
    """A study's insights (in the order they were added) with their highlights."""
    insights = list(session.scalars(select(Insight).where(Insight.study_id == study.id)
                                    .order_by(Insight.id)))
    highlights = list(session.scalars(select(Highlight).where(Highlight.study_id == study.id)
                                      .order_by(Highlight.id)))
    groups = {i.id: [h for h in highlights if h.insight_id == i.id] for i in insights}
    return Board(insights, groups, [h for h in highlights if h.insight_id is None])


def insight_ids(session: Session, study_id: int) -> set[int]:
    return set(session.scalars(select(Insight.id).where(Insight.study_id == study_id)))


def evidence_targets(session: Session,
                     workspace_id: int) -> tuple[list[Hypothesis], list[Persona]]:
    """Hypotheses (latest changed first) and personas (by name) a highlight or an insight
    can be evidence for."""
    hypotheses = list(session.scalars(
        select(Hypothesis).where(Hypothesis.workspace_id == workspace_id)
        .order_by(Hypothesis.updated_at.desc()).limit(CHOICE_LIMIT)))
    personas = list(session.scalars(
        select(Persona).where(Persona.workspace_id == workspace_id)
        .order_by(Persona.name).limit(CHOICE_LIMIT)))
    return hypotheses, personas


# ----------------------------------------------------------------------------- codebook
def tags(session: Session, workspace_id: int) -> list[Tag]:
    """The workspace's codebook, by name."""
    return list(session.scalars(select(Tag).where(Tag.workspace_id == workspace_id)
                                .order_by(Tag.name)))


def tag_counts(session: Session) -> dict[int, int]:
    """Highlights per tag."""
    rows = session.execute(select(highlight_tag.c.tag_id, func.count()).group_by(
        highlight_tag.c.tag_id)).all()
    return {tag_id: n for tag_id, n in rows}
