"""End users of a customer's product: the people who answer surveys and emit events."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin, enum_values
from surveyapp.models.workspace import Environment


class ConsentState(enum.StrEnum):
    UNKNOWN = "unknown"
    GRANTED = "granted"
    DENIED = "denied"
    OPTED_OUT = "opted_out"


class Contact(TimestampMixin, Base):
    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("environment_id", "external_id"),
        Index(None, "environment_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    # The host product's own user id (or an anonymous id the widget made up).
    external_id: Mapped[str] = mapped_column(String(255))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent: Mapped[ConsentState] = mapped_column(
        Enum(ConsentState, name="consent_state", native_enum=False, length=12,
             values_callable=enum_values),
        default=ConsentState.UNKNOWN,
    )
    consent_updated_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]

    environment: Mapped[Environment] = relationship()
