"""Erasure of a study participant: their material, everything derived from it, and the
participant row itself.

Removed: the sources attributed to them (transcripts, notes) with their passages, the
passages spoken under their label in the study's other sources (a group session keeps the
other speakers' words), their usability task results and SUS answers, and their rows in
the search index, and the sessions held with them alone (with their notes). Highlights
taken from their material are *kept* as rows -- so an insight still counts its evidence --
but their quote, note, speaker and source title are replaced by ``[removed: participant
erased]``; their tags, theme and insight stay. The audit log records counts, never a label
or a name.

Erasing a contact (GDPR erasure by the owner, or the person's self-service delete) erases
every participant linked to it, through the privacy eraser registered below.

The full-text index: deleted rows leave their words in SQLite FTS5's index segments (as
delete markers beside the old entries) until the segments are merged, so after every
erasure the index is optimised (merged into one segment without the deleted entries) once
the erasure is committed. PostgreSQL's GIN index drops the entries of deleted rows at its
next VACUUM (autovacuum; see docs/privacy.md).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from surveyapp.extensions import db
from surveyapp.models import Contact, User, Workspace
from surveyapp.models.insights import EvidenceLink
from surveyapp.models.research import (
    Highlight,
    Participant,
    Passage,
    StudySession,
    StudySource,
    SusAnswer,
    UsabilityResult,
)
from surveyapp.models.research_search import SearchDoc
from surveyapp.privacy.derived import after_erasure
from surveyapp.privacy.service import audit
from surveyapp.research.search import REMOVED


def _erase(session: Session, participant: Participant) -> dict[str, int]:
    """Delete the participant and their material; returns counts (nothing committed)."""
    source_ids = list(session.scalars(select(StudySource.id).where(
        StudySource.participant_id == participant.id)))
    passage_ids = list(session.scalars(select(Passage.id).where(
        Passage.source_id.in_(source_ids)))) if source_ids else []
    # Their words in other sources of the study (a group session, a workshop's notes):
    # the passages spoken under their label. The rest of those sources stays.
    spoken = list(session.scalars(select(Passage.id).where(
        Passage.study_id == participant.study_id,
        func.lower(func.trim(Passage.speaker)) == participant.label.strip().lower(),
        Passage.id.not_in(passage_ids))))
    passage_ids += spoken
    counts = {"sources": len(source_ids), "passages": len(passage_ids),
              "passages_in_other_sources": len(spoken), "highlights": 0}
    if passage_ids:
        highlight_ids = list(session.scalars(select(Highlight.id).where(
            Highlight.passage_id.in_(passage_ids))))
        if highlight_ids:
            session.execute(delete(SearchDoc).where(SearchDoc.highlight_id.in_(highlight_ids)))
            counts["highlights"] = session.execute(
                update(Highlight).where(Highlight.id.in_(highlight_ids)).values(
                    quote=REMOVED, note="", speaker=None, source_title="[removed]", start=0, end=0,
                    passage_id=None).execution_options(synchronize_session="fetch")).rowcount or 0
            # Hypotheses' evidence links name the quote in their label.
            session.execute(update(EvidenceLink).where(
                EvidenceLink.kind == "highlight",
                EvidenceLink.ref.in_([f"study:{participant.study_id}/highlight:{i}"
                                      for i in highlight_ids])).values(
                label=f"Interview: {REMOVED}", note="").execution_options(
                synchronize_session="fetch"))
        session.execute(delete(SearchDoc).where(SearchDoc.passage_id.in_(passage_ids)))
        session.execute(delete(Passage).where(Passage.id.in_(passage_ids)))
    session.execute(delete(SearchDoc).where(SearchDoc.participant_id == participant.id))
    if source_ids:
        session.execute(delete(StudySource).where(StudySource.id.in_(source_ids))
                        .execution_options(synchronize_session="fetch"))
    counts["usability_results"] = session.execute(delete(UsabilityResult).where(
        UsabilityResult.participant_id == participant.id)).rowcount or 0
    counts["sus_answers"] = session.execute(delete(SusAnswer).where(
        SusAnswer.participant_id == participant.id)).rowcount or 0
    # Their own sessions (date, moderator, notes about them); group sessions stay.
    counts["sessions"] = session.execute(delete(StudySession).where(
        StudySession.participant_id == participant.id).execution_options(
        synchronize_session="fetch")).rowcount or 0
    study = participant.study
    if participant in study.participants:
        study.participants.remove(participant)  # delete-orphan: the row goes at flush
    else:
        session.delete(participant)
    session.flush()
    return counts


def erase_participant(session: Session, participant: Participant,
                      actor: User | None = None) -> dict[str, int]:
    """Erase one participant (see the module docstring); audited with counts only.
    The caller commits."""
    workspace = session.get(Workspace, participant.workspace_id)
    study_id = participant.study_id
    counts = _erase(session, participant)
    audit(session, workspace, "participant.erased", actor,
          target="a study participant (label not kept)", study_id=study_id, **counts)
    return counts


def erase_participants_of(session: Session, contacts: list[Contact]) -> int:
    """Erasing a person erases the study participants linked to them (the contact's own
    erasure is audited by the caller, with this count)."""
    participants = session.scalars(select(Participant).where(
        Participant.contact_id.in_([c.id for c in contacts]))).all()
    for participant in participants:
        _erase(session, participant)
    return len(participants)


def optimise_search_index(session: Session, contacts: list[Contact]) -> int:
    """Queue the index merge that drops the erased rows' words (nothing is counted here:
    the rows themselves are counted where they are deleted)."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        after_erasure(session, "optimise the research search index",
                      lambda: _fts5_optimise(engine))
    return 0


def _fts5_optimise(engine: object) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.exec_driver_sql(
            "INSERT INTO research_search_fts(research_search_fts) VALUES ('optimize')")


def material_counts(session: Session, participant: Participant) -> dict[str, int]:
    """What erasing would remove, for the confirmation text."""
    sources = select(StudySource.id).where(StudySource.participant_id == participant.id)
    return {"sources": session.scalar(select(func.count()).select_from(sources.subquery())) or 0,
            "passages": session.scalar(select(func.count()).select_from(Passage).where(
                Passage.source_id.in_(sources))) or 0}


