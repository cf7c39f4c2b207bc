"""Experiments, assignments, exposures and funnels (issue #9).

An experiment splits people into variants by a hash of (unit id, experiment key), so the
assignment is sticky without being stored; what is stored is the *exposure*: the first
time a unit actually saw its variant. Metrics are computed from events and survey answers
of exposed contacts, after their exposure.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.models.base import Base, JSONType, TimestampMixin, enum_values


class ExperimentStatus(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


class Experiment(TimestampMixin, Base):
    __tablename__ = "experiment"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    # The name the widget and the server API use: surveyapp("experiment", key, cb).
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ExperimentStatus] = mapped_column(
        Enum(ExperimentStatus, name="experiment_status", native_enum=False, length=10,
             values_callable=enum_values),
        default=ExperimentStatus.DRAFT,
    )
    # [{"key": "control", "name": "Control", "weight": 50}, ...]; the first is the control.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Optional audience: the key of a segment (surveyapp.segments); stored, shown, and
    # used to filter the analysis once segments can say who is in them.
    segment_key: Mapped[str | None] = mapped_column(String(64))
    # [{"kind": "conversion"|"time_to_event"|"survey", "event": .., "window_hours": ..,
    #   "survey_id": .., "question_id": .., "label": ..}]; the first is the primary metric.
    metrics: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Plan from the sample-size calculator: baseline, mde, alpha, power, n per variant.
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[dt.datetime | None]
    stopped_at: Mapped[dt.datetime | None]


class ExperimentExposure(Base):
    """The first time one unit (a contact, or an anonymous widget id) saw its variant."""

    __tablename__ = "experiment_exposure"
    __table_args__ = (
        UniqueConstraint("experiment_id", "unit_id"),
        Index(None, "experiment_id", "variant", "exposed_at"),
        Index(None, "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiment.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(String(300))  # "u:<external id>" or "a:<anonymous id>"
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(64))
    exposed_at: Mapped[dt.datetime]

    experiment: Mapped[Experiment] = relationship()


class Funnel(TimestampMixin, Base):
    __tablename__ = "funnel"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[str]] = mapped_column(JSONType, default=list)  # event names, in order
    window_hours: Mapped[int] = mapped_column(default=24)
