"""Who is in a segment, as experiments and click maps need it.

Membership is what the segments area says it is (``surveyapp.segments``): the contacts of
a segment with that key in a *saved* (current) run of the workspace, noise excluded. A
segment key lives on from run to run, so a recompute changes who is in it; an experiment
judges membership when a person is first assigned, and keeps them once exposed (leaving
them out later would let the treatment decide who is analysed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models.segments import Segment, SegmentMember, SegmentRun


def members(workspace_id: int, segment_key: str) -> Any:
    """A SELECT of the contact ids in the workspace's current segment ``segment_key``."""
    return (select(SegmentMember.contact_id)
            .join(Segment, Segment.id == SegmentMember.segment_id)
            .join(SegmentRun, SegmentRun.id == Segment.run_id)
            .where(Segment.workspace_id == workspace_id, Segment.key == segment_key,
                   SegmentRun.status == "saved", Segment.label >= 0))


def is_member(session: Session, workspace_id: int, segment_key: str,
              contact_ids: list[int]) -> bool:
    """Whether any of these contacts (one person, maybe in several environments) is in
    the segment. No contact (an anonymous visitor, an unknown user) is in no segment."""
    if not contact_ids:
        return False
    return session.scalar(members(workspace_id, segment_key)
                          .where(SegmentMember.contact_id.in_(contact_ids)).limit(1)) is not None


def current_segments(session: Session, workspace_id: int) -> list[tuple[str, str]]:
    """(key, name) of the workspace's current segments, for pickers."""
    rows = session.execute(
        select(Segment.key, Segment.name).join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == workspace_id, SegmentRun.status == "saved",
               Segment.label >= 0).order_by(Segment.name, Segment.key)).all()
    seen: dict[str, str] = {}
    for key, name in rows:
        seen.setdefault(str(key), str(name))
    return sorted(seen.items(), key=lambda kv: kv[1].lower())
