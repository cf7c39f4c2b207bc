"""Read-only look-ups that fill the settings page's choices and counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Survey
from surveyapp.models.integrations import Delivery
from surveyapp.models.segments import Segment, SegmentRun


def survey_choices(session: Session, workspace_id: int) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in session.scalars(
        select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.name))]


def segment_choices(session: Session, workspace_id: int) -> list[tuple[int, str]]:
    rows = session.scalars(select(Segment).join(SegmentRun, SegmentRun.id == Segment.run_id)
                           .where(SegmentRun.workspace_id == workspace_id,
                                  SegmentRun.saved_at.is_not(None)).order_by(Segment.name))
    return [(s.id, s.name) for s in rows]


def delivery_counts(session: Session, workspace_id: int) -> dict[tuple[int, str], int]:
    """(channel id, status) -> deliveries."""
    rows = session.execute(select(Delivery.channel_id, Delivery.status, func.count())
                           .where(Delivery.workspace_id == workspace_id)
                           .group_by(Delivery.channel_id, Delivery.status)).all()
    return {(c, s): int(n) for c, s, n in rows}
