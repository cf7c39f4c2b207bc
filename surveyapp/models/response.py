"""Displays (a survey was shown) and responses (what was answered, possibly partially)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin, utcnow
from surveyapp.models.contact import Contact
from surveyapp.models.survey import Survey, SurveyVersion


class Display(TimestampMixin, Base):
    __tablename__ = "display"
    __table_args__ = (
        UniqueConstraint("environment_id", "client_id"),
        Index(None, "survey_id", "created_at"),
        Index(None, "contact_id", "survey_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))  # client-generated, for idempotency
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))

    survey: Mapped[Survey] = relationship()
    contact: Mapped[Contact | None] = relationship()


class Response(TimestampMixin, Base):
    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("environment_id", "client_id"),
        Index(None, "survey_id", "created_at"),
        Index(None, "survey_id", "finished"),
        Index(None, "survey_id", "id"),  # reports: responses after a rollup's cursor (0008)
        Index(None, "version_id"),
        Index(None, "contact_id", "created_at"),
        Index(None, "version_id", "updated_at"),  # research search: answers changed since its cursor (0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    # A UUID made by the widget before the first write, so retries never duplicate.
    client_id: Mapped[str] = mapped_column(String(64))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    display_id: Mapped[int | None] = mapped_column(ForeignKey("display.id", ondelete="SET NULL"))
    finished: Mapped[bool] = mapped_column(default=False)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Where and how it was answered: url, locale, device, user-agent family. Never the IP.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[dt.datetime | None]

    survey: Mapped[Survey] = relationship()
    version: Mapped[SurveyVersion] = relationship()
    contact: Mapped[Contact | None] = relationship()
