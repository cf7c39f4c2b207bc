"""Survey fatigue across surveys (#24 item 5).

* The wait: at most one survey per person per N days, across every survey of the
  workspace. N is the workspace's ``recontact_days``; a survey's ``targeting.recontact_days``
  overrides it for that survey (0: it may show whenever its own rules allow). The widget
  keeps the wait per browser; the server re-checks it for people it knows (a ``user_id``),
  so a second device or a cleared browser does not ask them again: such a display is not
  recorded (``reason: recontact_wait``).
* Priority: ``targeting.priority`` (0-100, default 0). The config lists live surveys
  highest priority first, and the widget shows the first eligible survey a trigger fires,
  so when two surveys are eligible at once the higher priority one is shown (and the
  other then waits out the recontact period).
* The report (``asks_report``): how many times each known person was asked (a recorded
  display) in a window, across surveys, and the response rate by number of asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Display, Environment, Response, utcnow

MAX_PRIORITY = 100
#: asks beyond this are counted together ("10 or more")
TOP_BUCKET = 10


def priority(targeting: dict[str, Any]) -> int:
    value = targeting.get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def wait_days(targeting: dict[str, Any], workspace_days: int) -> int:
    own = targeting.get("recontact_days")
    return own if isinstance(own, int) and not isinstance(own, bool) else workspace_days


def recontact_reason(
    session: Session, environment_id: int, survey_id: int, contact_id: int | None, days: int
) -> str | None:
    """``recontact_wait`` if this person was shown another survey less than ``days`` ago."""
    if contact_id is None or days <= 0:
        return None
    since = utcnow() - dt.timedelta(days=days)
    recent = session.scalar(
        select(Display.id)
        .where(
            Display.environment_id == environment_id,
            Display.contact_id == contact_id,
            Display.survey_id != survey_id,
            Display.created_at > since,
        )
        .limit(1)
    )
    return "recontact_wait" if recent is not None else None


def _wilson(successes: int, n: int) -> tuple[float, float] | None:
    if not n:
        return None
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def asks_report(session: Session, workspace_id: int, days: int = 90) -> dict[str, Any]:
    """Asks per known person over the last ``days`` days, across all surveys.

    ``distribution``: one row per number of asks (1, 2, ... ``TOP_BUCKET`` or more) with the
    number of people asked that often; ``rate``: for those people, how many of their asks
    got a finished response. Anonymous displays (no user id) cannot be told apart by
    person and are counted on their own (``anonymous_asks``)."""
    since = utcnow() - dt.timedelta(days=days)
    env_ids = select(Environment.id).where(Environment.workspace_id == workspace_id)
    window = (Display.environment_id.in_(env_ids), Display.created_at > since)
    per_person = session.execute(
        select(Display.contact_id, func.count(), func.count(func.distinct(Display.survey_id)))
        .where(*window, Display.contact_id.is_not(None))
        .group_by(Display.contact_id)
    ).all()
    answered: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Response.contact_id, func.count(func.distinct(Response.display_id)))
            .join(Display, Display.id == Response.display_id)
            .where(*window, Response.finished.is_(True), Response.contact_id.is_not(None))
            .group_by(Response.contact_id)
        ).all()
    )
    anonymous = (
        session.scalar(
            select(func.count()).select_from(Display).where(*window, Display.contact_id.is_(None))
        )
        or 0
    )
    buckets: dict[int, dict[str, int]] = {}
    for contact_id, asks, surveys in per_person:
        k = min(asks, TOP_BUCKET)
        row = buckets.setdefault(k, {"people": 0, "asks": 0, "answered": 0, "multi_survey": 0})
        row["people"] += 1
        row["asks"] += asks
        row["answered"] += min(answered.get(contact_id, 0), asks)
        row["multi_survey"] += surveys > 1
    rows = [
        {
            "asks": k,
            "label": f"{k} or more" if k == TOP_BUCKET else str(k),
            **v,
            "rate": v["answered"] / v["asks"] if v["asks"] else None,
            # 95% Wilson interval (asks of one person are not independent: a rough guide)
            "interval": _wilson(v["answered"], v["asks"]),
        }
        for k, v in sorted(buckets.items())
    ]
    people = sum(v["people"] for v in buckets.values())
    total = sum(v["asks"] for v in buckets.values())
    return {
        "days": days,
        "people": people,
        "asks": total,
        "anonymous_asks": anonymous,
        "mean_asks": total / people if people else None,
        "answered": sum(v["answered"] for v in buckets.values()),
        "max_people": max((v["people"] for v in buckets.values()), default=0),
        "rows": rows,
    }
