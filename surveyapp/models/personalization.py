"""Personalization (issue #23): slots, their published versions and exposures.

A *slot* is a place in the customer's product (``onboarding_tip``) that shows one of
several variants, each a JSON payload valid against the slot's schema. Which variant a
person gets is decided by the slot's ordered rules, else its default. The editable
``draft`` is published as an immutable :class:`SlotVersion`; an exposure names the
version it was decided by, so a later change never rewrites what a person was shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, JSONType, TimestampMixin


class Slot(TimestampMixin, Base):
    __tablename__ = "personalization_slot"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    # What the product asks for: surveyapp("personalize", key, cb) or ?slot=key.
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # {"schema": {...}, "variants": {key: payload}, "rules": [...], "default": key,
    #  "holdout_percent": 10, "goal_event": "name" | null, "goal_window_hours": 168}
    draft: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    live_version: Mapped[int | None]  # the published version decisions use (None: not live)

    versions: Mapped[list[SlotVersion]] = relationship(
        back_populates="slot", cascade="all, delete-orphan", order_by="SlotVersion.version")


class SlotVersion(TimestampMixin, Base):
    """A published, immutable copy of a slot's definition."""

    __tablename__ = "personalization_slot_version"
    __table_args__ = (UniqueConstraint("slot_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("personalization_slot.id", ondelete="CASCADE"))
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    slot: Mapped[Slot] = relationship(back_populates="versions")


class ImmutableSlotVersionError(RuntimeError):
    """Raised when code tries to change a published slot version."""


@event.listens_for(SlotVersion, "before_update")
def _refuse_version_changes(_mapper: object, _connection: object, target: SlotVersion) -> None:
    state = inspect(target)
    for attr in ("definition", "version", "slot_id"):
        if state.attrs[attr].history.has_changes():
            raise ImmutableSlotVersionError(
                f"slot version {target.id} is published and immutable; publish a new version")


class SlotExposure(Base):
    """The first time one unit got a decision of one slot version: what it was shown,
    what the rules chose (``intended``; the same unless it is in the holdout) and why."""

    __tablename__ = "personalization_exposure"
    __table_args__ = (
        UniqueConstraint("slot_id", "version", "unit_id"),
        Index(None, "slot_id", "intended", "exposed_at"),
        Index(None, "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("personalization_slot.id", ondelete="CASCADE"))
    version: Mapped[int]
    unit_id: Mapped[str] = mapped_column(String(300))  # "u:<external id>" or "a:<anonymous id>"
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(64))  # shown
    intended: Mapped[str] = mapped_column(String(64))  # chosen by the rules
    holdout: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[int | None]  # index of the matching rule; None: the default
    exposed_at: Mapped[dt.datetime]
    # The slot's relevance micro-survey ("Was this relevant?", 1-5), answered about this
    # decision: so the score sits with the variant and version it was about.
    relevance: Mapped[int | None] = mapped_column(SmallInteger)
    relevance_at: Mapped[dt.datetime | None]
