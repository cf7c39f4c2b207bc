"""Consent records, notice versions and per-workspace privacy keys (issue #10).

A person's consent is only meaningful together with the text they agreed to, so notices
are versioned (a new row whenever the owner changes the text, never an edit in place) and
every decision the widget reports is kept as a row pointing at the version shown.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin
from surveyapp.models.user import User


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class ConsentNotice(TimestampMixin, Base):
    """One version of the consent text a workspace shows before it stores anything."""

    __tablename__ = "consent_notice"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()


class ConsentRecord(TimestampMixin, Base):
    """A consent decision: who, granted or not, which notice version, where it came from."""

    __tablename__ = "consent_record"
    __table_args__ = (Index(None, "contact_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_notice.id", ondelete="SET NULL"))
    granted: Mapped[bool]
    source: Mapped[str] = mapped_column(String(20))  # widget | self_service | api

    notice: Mapped[ConsentNotice | None] = relationship()


class PrivacyKeys(TimestampMixin, Base):
    """Per-workspace secrets: signing self-service links, and (when the owner turns it on)
    hashing contact external ids. Rotating ``link_secret`` invalidates every link sent."""

    __tablename__ = "privacy_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True)
    link_secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # Shared with the customer's server, which signs user ids with it (identity verification).
    identity_secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # Set once external ids are stored as HMAC-SHA256(id_hash_key, id); never unset.
    id_hash_key: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[dt.datetime | None]
