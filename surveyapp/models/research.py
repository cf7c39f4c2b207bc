"""Research repository (issue #13): studies with participants, their material read into
passages (PII-scrubbed before storing), and usability task results."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, JSONType, TimestampMixin, enum_values, utcnow


class StudyKind(enum.StrEnum):
    INTERVIEWS = "interviews"
    USABILITY = "usability"
    DIARY = "diary"
    FIELD = "field"

    @property
    def label(self) -> str:
        return {"interviews": "Interviews", "usability": "Usability test", "diary": "Diary study",
                "field": "Field visits"}[self.value]


class Study(TimestampMixin, Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"),
                                              index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[StudyKind] = mapped_column(
        Enum(StudyKind, name="study_kind", native_enum=False, length=20,
             values_callable=enum_values))
    research_question: Mapped[str] = mapped_column(Text, default="")
    # Passages are assigned to the themes of this survey question's analysis.
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    question_id: Mapped[str | None] = mapped_column(String(40))
    analysis: Mapped[dict[str, Any]] = mapped_column(default=dict)  # last analysis summary
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="Participant.id")
    sources: Mapped[list[StudySource]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="StudySource.id")
    sessions: Mapped[list[StudySession]] = relationship(
        back_populates="study", cascade="all, delete-orphan",
        order_by="(StudySession.held_on, StudySession.id)")
    tasks: Mapped[list[StudyTask]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="(StudyTask.position, StudyTask.id)")


class Participant(TimestampMixin, Base):
    __tablename__ = "study_participant"
    __table_args__ = (UniqueConstraint("study_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(80))  # "P3", never a real name by default
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    consent_note: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[dt.datetime | None]

    study: Mapped[Study] = relationship(back_populates="participants")


class StudySession(TimestampMixin, Base):
    """One interview, test session, diary entry or visit: when, with whom, who moderated,
    and notes. Its transcripts and notes are the sources imported into it."""

    __tablename__ = "research_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    # None for a group session; erasing the participant deletes their own sessions
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_participant.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date | None]
    moderator: Mapped[str] = mapped_column(String(80), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # PII-scrubbed

    study: Mapped[Study] = relationship(back_populates="sessions")
    participant: Mapped[Participant | None] = relationship()
    sources: Mapped[list[StudySource]] = relationship(back_populates="session", order_by="StudySource.id")


class StudyTask(Base):
    """A usability task as the researcher wrote it: its scenario, what counts as success
    and a target time. Results name their task; imported names create tasks."""

    __tablename__ = "research_task"
    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text, default="")
    success: Mapped[str] = mapped_column(Text, default="")  # what counts as completed
    target_seconds: Mapped[float | None]

    study: Mapped[Study] = relationship(back_populates="tasks")


class StudySource(TimestampMixin, Base):
    """One imported file or pasted text (a session's transcript, notes, usability CSV)."""

    __tablename__ = "study_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_participant.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_hash: Mapped[str] = mapped_column(String(64))  # the same file is imported once
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("research_session.id", ondelete="SET NULL"))

    study: Mapped[Study] = relationship(back_populates="sources")
    participant: Mapped[Participant | None] = relationship()
    session: Mapped[StudySession | None] = relationship(back_populates="sources")


class Passage(Base):
    __tablename__ = "study_passage"
    __table_args__ = (Index(None, "study_id", "theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("study_source.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int]
    line: Mapped[int]
    speaker: Mapped[str | None] = mapped_column(String(80))
    start_ms: Mapped[int | None]
    end_ms: Mapped[int | None]
    section: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # PII-scrubbed (nlp.text.scrub_pii)
    # Filled by the analysis job:
    kind: Mapped[str | None] = mapped_column(String(20))  # ok | filler | non_english
    theme: Mapped[int | None]  # theme id of the study's survey question, -1 none
    proposed_theme: Mapped[int | None]  # index into study.analysis["proposed"]
    sentiment: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None]
    edited_at: Mapped[dt.datetime | None]  # a researcher corrected the text

    source: Mapped[StudySource] = relationship()


class UsabilityResult(Base):
    __tablename__ = "usability_result"
    __table_args__ = (UniqueConstraint("study_id", "participant_id", "task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("study_participant.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(200))
    success: Mapped[bool | None]  # None: not recorded (a post-task SEQ from a form export)
    seconds: Mapped[float | None]
    errors: Mapped[int | None]
    seq: Mapped[int | None]


class SusAnswer(Base):
    """A participant's answers to a standardised questionnaire: SUS (ten answers, 1-5) or
    UMUX-Lite (two answers, 1-7), with its 0-100 score."""

    __tablename__ = "sus_answer"
    __table_args__ = (UniqueConstraint("study_id", "participant_id", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("study_participant.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20), default="sus", server_default="sus")
    answers: Mapped[list[int]] = mapped_column(JSONType, default=list)  # in the items' order
    score: Mapped[float]


class Tag(TimestampMixin, Base):
    """A code of the workspace's codebook."""

    __tablename__ = "research_tag"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")


highlight_tag = Table(
    "highlight_tag", Base.metadata,
    Column("highlight_id", ForeignKey("highlight.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("research_tag.id", ondelete="CASCADE"), primary_key=True),
)


class Insight(TimestampMixin, Base):
    """A finding on the synthesis board, grouping the highlights that support it."""

    __tablename__ = "research_insight"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")


class Highlight(TimestampMixin, Base):
    """A researcher's selection in a passage. The quote, its position and where it came
    from are copied, so the highlight stays exact if the material is edited or removed."""

    __tablename__ = "highlight"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("study_passage.id", ondelete="SET NULL"))
    insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("research_insight.id", ondelete="SET NULL"))
    quote: Mapped[str] = mapped_column(Text)
    start: Mapped[int]  # character offsets in the passage text
    end: Mapped[int]
    speaker: Mapped[str | None] = mapped_column(String(80))
    source_title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[int | None]  # the passage's theme when highlighted
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    tags: Mapped[list[Tag]] = relationship(secondary=highlight_tag, order_by="Tag.name")


class PersonaEvidence(TimestampMixin, Base):
    """A highlight or an insight kept as evidence on a persona card (exactly one is set)."""

    __tablename__ = "persona_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    persona_id: Mapped[int] = mapped_column(ForeignKey("persona.id", ondelete="CASCADE"), index=True)
    highlight_id: Mapped[int | None] = mapped_column(ForeignKey("highlight.id", ondelete="CASCADE"))
    insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("research_insight.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    highlight: Mapped[Highlight | None] = relationship()
    insight: Mapped[Insight | None] = relationship()
