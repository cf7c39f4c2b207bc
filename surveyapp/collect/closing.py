"""Quotas and closing rules (#24 item 6): when a live survey stops being offered.

A survey's targeting may close it

* on a date: ``schedule.end`` (a bare date is UTC midnight, as the widget reads it);
* at N finished responses overall: ``response_cap``;
* at N finished responses per segment: ``quotas: [{"segment": key, "max": N}]``, counted
  over the contacts who are in that behavioural segment now.

A closed survey leaves the widget config at once (the config is computed per request),
its displays are not recorded and its link page says it is closed. An answer that still
arrives -- a respondent who was mid-survey, a phone that was offline -- is never lost: it
is stored and marked in ``meta.late`` with the rule that had closed the survey
(``after_close``, ``over_quota`` or ``over_segment_quota``), so reports and exports can
count it or leave it out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Response, Survey
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

#: meta.late values, by the reason the survey was closed
LATE = {
    "closed_on_date": "after_close",
    "response_cap": "over_quota",
    "segment_quota": "over_segment_quota",
}


def parse_when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _targeting(definition: dict[str, Any]) -> dict[str, Any]:
    return definition.get("targeting") or {}


def closed_on_date(definition: dict[str, Any], now: datetime | None = None) -> bool:
    end = parse_when((_targeting(definition).get("schedule") or {}).get("end"))
    return end is not None and (now or datetime.now(UTC)) > end


def finished_counts(session: Session, survey_ids: Iterable[int]) -> dict[int, int]:
    ids = list(survey_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Response.survey_id, func.count())
        .where(Response.survey_id.in_(ids), Response.finished.is_(True))
        .group_by(Response.survey_id)
    )
    return {sid: n for sid, n in rows}


def segment_counts(session: Session, survey_id: int, keys: Iterable[str]) -> dict[str, int]:
    """Finished responses of the survey per current (saved) segment key."""
    keys = list(keys)
    if not keys:
        return {}
    segments = session.execute(
        select(Segment.key, Segment.id)
        .join(SegmentRun, SegmentRun.id == Segment.run_id)
        .join(Survey, Survey.environment_id == SegmentRun.environment_id)
        .where(Survey.id == survey_id, SegmentRun.status == "saved", Segment.key.in_(keys))
    ).all()
    out: dict[str, int] = {}
    for key, segment_id in segments:  # (one saved run per environment: one id per key)
        members = select(SegmentMember.contact_id).where(SegmentMember.segment_id == segment_id)
        out[key] = out.get(key, 0) + (
            session.scalar(
                select(func.count())
                .select_from(Response)
                .where(
                    Response.survey_id == survey_id,
                    Response.finished.is_(True),
                    Response.contact_id.in_(members),
                )
            )
            or 0
        )
    return out


def full_segments(session: Session, survey_id: int, definition: dict[str, Any]) -> set[str]:
    quotas = {q["segment"]: q["max"] for q in _targeting(definition).get("quotas") or []}
    counts = segment_counts(session, survey_id, quotas)
    return {k for k, cap in quotas.items() if counts.get(k, 0) >= cap}


def closed_reason(
    session: Session, survey_id: int, definition: dict[str, Any], finished: int | None = None
) -> str | None:
    """Why the survey is closed for everyone now (None if it is open)."""
    if closed_on_date(definition):
        return "closed_on_date"
    cap = _targeting(definition).get("response_cap")
    if cap:
        if finished is None:
            finished = finished_counts(session, [survey_id]).get(survey_id, 0)
        if finished >= cap:
            return "response_cap"
    return None


def reason_for(
    session: Session,
    survey_id: int,
    definition: dict[str, Any],
    contact_id: int | None,
    segment_keys: list[str] | None = None,
) -> str | None:
    """Why the survey is closed for this person (everyone's rules, then their segments')."""
    reason = closed_reason(session, survey_id, definition)
    if reason or contact_id is None or not _targeting(definition).get("quotas"):
        return reason
    quotas = {q["segment"]: q["max"] for q in _targeting(definition)["quotas"]}
    if segment_keys is None:
        from surveyapp.segments.service import segment_keys as keys_of

        segment_keys = keys_of(session, contact_id)
    mine = quotas.keys() & set(segment_keys)  # only the person's own segments are counted
    if not mine:
        return None
    counts = segment_counts(session, survey_id, mine)
    return "segment_quota" if any(counts.get(k, 0) >= quotas[k] for k in mine) else None


#: seconds the config reuses a survey's counts (displays and answers always count afresh)
CONFIG_TTL = 2.0
_memo: dict[tuple[Any, str, int, int], tuple[float, Any]] = {}


def memo(
    session: Session, kind: str, survey_id: int, version_id: int, load: Callable[[], Any]
) -> Any:
    """``load()`` for the widget config, reused for ``CONFIG_TTL`` seconds in this process:
    counting a busy survey's responses on every config request cost several times the
    request itself (bench/closing_rules.py). A response finished in this process forgets
    its survey's entries at once (``forget``); other processes see it within the TTL."""
    key = (session.get_bind().engine.url, kind, survey_id, version_id)
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if len(_memo) > 10_000:
        _memo.clear()
    _memo[key] = (now + CONFIG_TTL, value)
    return value


def forget(survey_id: int) -> None:
    """A response finished in this process: the next config counts this survey afresh."""
    for key in [k for k in _memo if k[2] == survey_id]:
        _memo.pop(key, None)


def served_targeting(targeting: dict[str, Any], full: set[str]) -> dict[str, Any] | None:
    """The targeting the widget gets: segments whose quota is full left out; None when no
    targeted segment is left (the survey is not offered at all)."""
    if not full:
        return targeting
    segments = targeting.get("segments") or []
    if not segments:
        return targeting  # everyone is targeted: the server refuses the full segments' displays
    left = [k for k in segments if k not in full]
    return {**targeting, "segments": left} if left else None
