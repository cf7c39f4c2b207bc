"""Integrations (issue #25): Segment-spec ingestion bookkeeping, notification channels,
alert rules, the delivery log, and warehouse exports.

- ``IngestedMessage``: the ``messageId`` of every Segment/RudderStack message stored, so a
  client that retries a batch stores nothing twice (not only events: identify, group and
  alias too).
- ``ContactAlias``: an anonymous id (or an earlier user id) that now means a contact, after
  an ``alias`` or an ``identify``/``track`` carrying both ids merged them.
- ``Channel``: where messages go (Slack incoming webhook, e-mail over SMTP, a signed
  webhook, a Segment/RudderStack endpoint); ``max_per_hour`` caps what one channel gets.
- ``AlertRule``: a condition checked by the worker; when it holds it writes ``Delivery``
  rows to its channel.
- ``Delivery``: every message to every channel, with its attempts and last error, so
  nothing fails silently and any delivery can be sent again from the settings page.
- ``WarehouseExport`` / ``WarehouseRun``: scheduled incremental Parquet exports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, JSONType, TimestampMixin, utcnow
from surveyapp.models.event import BigIntId

CHANNEL_KINDS = ("slack", "email", "webhook", "segment")
RULE_KINDS = ("detractor", "nps_below", "theme_growing")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class IngestedMessage(Base):
    __tablename__ = "ingested_message"
    __table_args__ = (UniqueConstraint("environment_id", "message_id"),
                      Index(None, "received_at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # track | identify | page | screen | group | alias
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ContactAlias(TimestampMixin, Base):
    __tablename__ = "contact_alias"
    __table_args__ = (UniqueConstraint("environment_id", "alias"), Index(None, "contact_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"))
    # The stored form (a keyed hash when the workspace hashes ids) of the other id.
    alias: Mapped[str] = mapped_column(String(255))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))


class Channel(TimestampMixin, Base):
    __tablename__ = "integration_channel"
    __table_args__ = (Index(None, "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # CHANNEL_KINDS
    name: Mapped[str] = mapped_column(String(120))
    # slack: url; email: host, port, security, username, password, sender, recipients;
    # webhook: url, secret; segment: url, write_key, events.
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[bool] = mapped_column(default=False)  # gets the weekly digest
    max_per_hour: Mapped[int] = mapped_column(default=12)
    # Outbound event cursors (segment channels): {"response_id": n, "finished_at": iso}.
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class AlertRule(TimestampMixin, Base):
    __tablename__ = "alert_rule"
    __table_args__ = (Index(None, "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("integration_channel.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # RULE_KINDS
    name: Mapped[str] = mapped_column(String(120))
    # survey_id, segment_id, threshold, days, min_answers, growth
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    cursor_response_id: Mapped[int] = mapped_column(default=0)
    # What the rule last saw: {"firing": bool, "themes": {...}}; a condition alerts once
    # when it starts to hold, not on every check while it holds.
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_fired_at: Mapped[dt.datetime | None]

    channel: Mapped[Channel] = relationship()


class Delivery(TimestampMixin, Base):
    __tablename__ = "integration_delivery"
    __table_args__ = (UniqueConstraint("channel_id", "dedup_key"),
                      Index(None, "status", "next_attempt_at"),
                      Index(None, "workspace_id", "created_at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("integration_channel.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rule.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(40))
    dedup_key: Mapped[str] = mapped_column(String(120))
    # Channel-neutral message: title, text, link, fields, and for events the Segment body.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # DELIVERY_STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]

    channel: Mapped[Channel] = relationship()


class WarehouseExport(TimestampMixin, Base):
    __tablename__ = "warehouse_export"
    __table_args__ = (Index(None, "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(10))  # directory | s3
    # A directory path, or s3://bucket/prefix.
    location: Mapped[str] = mapped_column(String(500))
    # s3: endpoint_url, region, access_key_id, secret_access_key
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    every_hours: Mapped[int] = mapped_column(default=24)
    active: Mapped[bool] = mapped_column(default=True)
    # The high-water marks of the incremental runs, per table.
    cursors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_run_at: Mapped[dt.datetime | None]


class WarehouseRun(Base):
    __tablename__ = "warehouse_run"
    __table_args__ = (Index(None, "export_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("warehouse_export.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|succeeded|failed
    rows: Mapped[dict[str, Any]] = mapped_column(default=dict)  # table -> rows written
    files: Mapped[list[str]] = mapped_column(JSONType, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
