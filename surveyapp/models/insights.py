"""Goals, hypotheses with typed evidence links, chart notes, webhooks and share links (issue #8).

The evidence link is deliberately generic: ``kind`` names what it points at (theme,
segment, experiment, survey, goal, note, and later interview clips) and ``ref`` the
object inside it, so other areas can link evidence to hypotheses without a new table.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, TimestampMixin, enum_values, utcnow
from surveyapp.models.survey import Survey
from surveyapp.models.user import User


class Goal(TimestampMixin, Base):
    """A user-centric target the team tracks on the dashboard, e.g. NPS >= 40 for new users."""

    __tablename__ = "goal"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(20))  # nps | completion | good_share | responses
    comparator: Mapped[str] = mapped_column(String(2), default=">=")  # >= | <=
    target: Mapped[float] = mapped_column(Float)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ReportFilter.to_args()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship()
    created_by: Mapped[User | None] = relationship()


class HypothesisStatus(enum.StrEnum):
    OPEN = "open"
    SUPPORTED = "supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class Hypothesis(TimestampMixin, Base):
    __tablename__ = "hypothesis"
    __table_args__ = (Index(None, "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[HypothesisStatus] = mapped_column(
        Enum(HypothesisStatus, name="hypothesis_status", native_enum=False, length=14,
             values_callable=enum_values),
        default=HypothesisStatus.OPEN,
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    evidence: Mapped[list[EvidenceLink]] = relationship(
        back_populates="hypothesis", cascade="all, delete-orphan",
        order_by="EvidenceLink.created_at")


class EvidenceLink(TimestampMixin, Base):
    """One piece of evidence for or against a hypothesis, pointing at any kind of object."""

    __tablename__ = "evidence_link"
    __table_args__ = (Index(None, "hypothesis_id", "created_at"), Index(None, "kind", "ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    hypothesis_id: Mapped[int] = mapped_column(ForeignKey("hypothesis.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # theme | segment | experiment | survey | ...
    ref: Mapped[str] = mapped_column(String(200))  # e.g. "survey:12/question:why/theme:3"
    label: Mapped[str] = mapped_column(String(200))  # what people read
    stance: Mapped[str] = mapped_column(String(10), default="supports")  # supports|refutes|context
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    hypothesis: Mapped[Hypothesis] = relationship(back_populates="evidence")
    created_by: Mapped[User | None] = relationship()


class ChartNote(TimestampMixin, Base):
    """A note someone left on a chart of a survey report ("dip = the outage on 3 March")."""

    __tablename__ = "chart_note"
    __table_args__ = (Index(None, "survey_id", "chart"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    chart: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


class Webhook(TimestampMixin, Base):
    """An HTTPS endpoint told about new and finished responses, signed with HMAC-SHA256.

    The cursors remember up to where responses were already turned into deliveries, so
    the dispatcher is idempotent and never sends an event twice."""

    __tablename__ = "webhook"
    __table_args__ = (Index(None, "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64), default=new_webhook_secret)
    events: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"response.created": true, ...}
    active: Mapped[bool] = mapped_column(default=True)
    cursor_created_id: Mapped[int] = mapped_column(default=0)
    cursor_finished_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()


class WebhookDelivery(TimestampMixin, Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event", "response_id"),
        Index(None, "webhook_id", "created_at"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    response_id: Mapped[int] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]

    webhook: Mapped[Webhook] = relationship()


class ShareLink(TimestampMixin, Base):
    """A read-only report link that was handed out (``surveyapp.insights.share``).

    The link itself is a signed token carrying this row's id; the row says who made it,
    with which filters, until when, and whether it was revoked, so links can be listed
    and revoked one by one."""

    __tablename__ = "share_link"
    __table_args__ = (Index(None, "survey_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ReportFilter.to_args()
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "active"


class ReportRollup(Base):
    """Cached aggregates of one survey's settled responses (``surveyapp.reports.rollup``):
    counts per UTC day, version, device, locale and completion, for response patterns
    (kind "r"), answers (kind "a") and open-text annotations (kind "t"). Refreshed by a
    job; responses after the refresh are added live, so reports never go stale.

    ``filter_key`` is "" for the survey's rollup, else it names a ``ReportFilterRollup``:
    the same rows for only the responses matching a URL, contact-attribute or segment
    filter, which the whole-survey rows cannot answer."""

    __tablename__ = "report_rollup"
    __table_args__ = (Index(None, "survey_id", "filter_key", "kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    filter_key: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(1))
    day: Mapped[dt.date]
    version_id: Mapped[int]
    device: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(40))
    finished: Mapped[bool]
    k1: Mapped[str] = mapped_column(String(200), default="")
    k2: Mapped[str] = mapped_column(String(200), default="")
    k3: Mapped[str] = mapped_column(String(40), default="")
    score: Mapped[int | None]
    n: Mapped[int]
    m: Mapped[int] = mapped_column(default=0)


class ReportRollupState(Base):
    """Up to where a survey's rollup reaches: responses with id <= ``cursor_id`` that were
    settled (finished, or started before ``cutoff``) at ``refreshed_at``."""

    __tablename__ = "report_rollup_state"

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           primary_key=True)
    cursor_id: Mapped[int] = mapped_column(default=0)
    cutoff: Mapped[dt.datetime]
    refreshed_at: Mapped[dt.datetime]
    questions: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [...]}
    rows: Mapped[int] = mapped_column(default=0)


class ReportFilterRollup(Base):
    """Up to where the cached rows of one filter (URL, contact attributes, segment) of a
    survey reach, like ``ReportRollupState``. A report view of a big survey with such a
    filter adds a pending row (``refreshed_at`` None) and queues a job that fills it; the
    hourly job refreshes it while it is used and drops it after a week unused."""

    __tablename__ = "report_filter_rollup"

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           primary_key=True)
    filter_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the filter's query args
    cursor_id: Mapped[int] = mapped_column(default=0)
    cutoff: Mapped[dt.datetime | None]
    refreshed_at: Mapped[dt.datetime | None]
    used_at: Mapped[dt.datetime]
    questions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rows: Mapped[int] = mapped_column(default=0)
