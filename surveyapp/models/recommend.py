"""Recommendation models of personalization slots (issue #23 item 2).

A slot can have one :class:`SlotModel`: which events name the *items* it ranks (an event
name, or a property of one event such as ``feature`` of ``feature_used``), the state of
its last training, the offline evaluation of every ranker beside the popularity baseline,
and the file in the data dir that holds the trained artefact (item factors, item-item
similarities, popularity -- item-level numbers only; a person's own history is read at
decision time, never stored here). Erasure retrains the models a person's events were in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base, JSONType, TimestampMixin


class SlotModel(TimestampMixin, Base):
    __tablename__ = "personalization_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("personalization_slot.id", ondelete="CASCADE"), unique=True)
    # Items: the values of ``item_property`` of events named ``item_event``, or, when
    # ``item_property`` is empty, the names of the events themselves.
    item_event: Mapped[str] = mapped_column(String(200), default="")
    item_property: Mapped[str] = mapped_column(String(64), default="")
    # untrained | training | ready | failed
    status: Mapped[str] = mapped_column(String(12), default="untrained")
    message: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    algorithm: Mapped[str] = mapped_column(String(20), default="")  # the ranker served
    # {"split": {...}, "rankers": {"popularity": {"hit_rate": .., "ndcg": .., "coverage": ..}, ...}}
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # {attribute: [[group, test people, hits], ...]} for the bias audit (aggregates only)
    fairness: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    artefact: Mapped[str] = mapped_column(String(300), default="")  # file name in the data dir
    trained_at: Mapped[dt.datetime | None]
