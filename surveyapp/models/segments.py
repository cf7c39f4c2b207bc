"""Behavioural segments, segment runs, personas and imports (issue #7).

* ``Order``: purchases imported from the customer's systems (RFM features).
* ``DataImport``: one bulk import of events, contacts or orders (all-or-nothing).
* ``SegmentRun``: features + several clustering methods compared on the same contacts;
  the analyst saves one method's clusters as ``Segment`` rows with ``SegmentMember``s.
* ``Persona`` (with ``PersonaVersion`` history): the researcher's card for a segment; it
  follows its segment from run to run (matched by Jaccard overlap).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin, utcnow
from surveyapp.models.contact import Contact

BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class Order(Base):
    """A purchase; ``external_id`` is the order id in the source system (the natural key
    that makes re-importing a file harmless)."""

    __tablename__ = "segment_order"
    __table_args__ = (
        UniqueConstraint("environment_id", "external_id"),
        Index(None, "contact_id", "ordered_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ordered_at: Mapped[dt.datetime]

    contact: Mapped[Contact] = relationship()


class DataImport(TimestampMixin, Base):
    """A bulk import. ``status``: queued | running | succeeded | failed; ``errors`` lists
    {row, column, message} of a failed file (nothing of it was kept)."""

    __tablename__ = "data_import"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # events | contacts | orders
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))  # csv | jsonl | parquet
    size_bytes: Mapped[int] = mapped_column(BigIntId, default=0)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    finished_at: Mapped[dt.datetime | None]


class SegmentRun(TimestampMixin, Base):
    """Features and every method's clusters over one window. ``status``: computing |
    ready | failed | saved | superseded. ``result`` holds the feature names, transforms,
    per-method metrics and labels (by position in ``contact_ids``)."""

    __tablename__ = "segment_run"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    window_days: Mapped[int] = mapped_column(default=90)
    window_end: Mapped[dt.datetime]
    include_attributes: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="computing")
    message: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dendrogram_svg: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(20))  # the saved method
    drift: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment_run.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    saved_at: Mapped[dt.datetime | None]

    segments: Mapped[list[Segment]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Segment.position")


class Segment(Base):
    """One saved cluster. ``key`` is the stable name surveys target; a recomputed segment
    that matches this one inherits it."""

    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("run_id", "key"), Index(None, "workspace_id", "key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("segment_run.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[int] = mapped_column(default=0)  # the method's cluster label; -1 noise
    size: Mapped[int] = mapped_column(default=0)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    matched_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="SET NULL"))
    jaccard: Mapped[float | None] = mapped_column(Float)

    run: Mapped[SegmentRun] = relationship(back_populates="segments")

    @property
    def is_noise(self) -> bool:
        return self.label == -1


class SegmentMember(Base):
    __tablename__ = "segment_member"
    __table_args__ = (UniqueConstraint("segment_id", "contact_id"), Index(None, "contact_id"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))


class Persona(TimestampMixin, Base):
    """A researcher's persona card. ``segment_id`` points at the segment of the latest
    saved run it was matched to (None when its segment vanished in a recompute)."""

    __tablename__ = "persona"
    __table_args__ = (Index(None, "workspace_id"), Index(None, "segment_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    motivations: Mapped[str] = mapped_column(Text, default="")
    pain_points: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    edited: Mapped[bool] = mapped_column(default=False)  # a person has changed the draft
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    segment: Mapped[Segment | None] = relationship()
    versions: Mapped[list[PersonaVersion]] = relationship(
        cascade="all, delete-orphan", order_by="PersonaVersion.version.desc()")


class PersonaVersion(TimestampMixin, Base):
    """The persona's content as of ``version`` (a full copy; history is short)."""

    __tablename__ = "persona_version"
    __table_args__ = (UniqueConstraint("persona_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(ForeignKey("persona.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    change: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
