"""Funnels: ordered steps within a conversion window, per contact -- on DuckDB over the
Parquet copy of the events when it is current (``columnar.funnel_stats``), else in SQL
(here); the two give the same figures.

A contact enters at their first step-1 event in the period; step k counts when its event
happens after step k-1 and within the window from the entry. One CTE per step keeps each
contact's time at that step, so conversion, drop-off and time to convert all come from
GROUP BY queries; only the group's counts and mean/median seconds reach Python.
Breakdowns: by experiment variant (the contact's exposure) or by a contact attribute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveyapp.experiments.sql import dialect, seconds_between
from surveyapp.models import Contact, Event
from surveyapp.models.experiments import ExperimentExposure

K_MIN = 5
MAX_GROUPS = 12


@dataclass
class StepFigure:
    name: str
    count: int
    rate_from_start: float
    rate_from_previous: float
    ci: tuple[float, float]  # of rate_from_previous (Wilson 95%)
    dropped: int
    mean_seconds: float | None  # time from entry to this step
    median_seconds: float | None


@dataclass
class FunnelGroup:
    key: str
    entered: int
    steps: list[StepFigure]
    suppressed: bool = False

    @property
    def conversion(self) -> float:
        return self.steps[-1].rate_from_start if self.steps and self.entered else 0.0

    @property
    def conversion_ci(self) -> tuple[float, float]:
        return _wilson(self.steps[-1].count, self.entered) if self.steps else (0.0, 0.0)


def _wilson(x: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(x, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def step_ctes(session: Session, environment_ids: list[int], steps: list[str], window_hours: float,
              since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[Any]:
    """One CTE per step: (contact_id, entered_at, at) of contacts who reached it.

    The events of the funnel's step names are read once (``_step_event_filter`` picks the
    access path) into a materialised CTE; each step is then one grouped pass joining the
    previous step's contacts to that step's events. No per-entrant subquery, so the cost
    grows with the step events, not with entrants times their histories."""
    window = float(window_hours) * 3600
    conds = _step_event_filter(session, environment_ids, sorted(set(steps)), since)
    ev = (select(Event.contact_id.label("contact_id"), Event.name.label("name"),
                 Event.occurred_at.label("at")).where(*conds)
          .cte("step_events").prefix_with("MATERIALIZED"))
    entry = [ev.c.name == steps[0]]
    if until is not None:
        entry.append(ev.c.at < until)
    first = (select(ev.c.contact_id, func.min(ev.c.at).label("entered_at"))
             .where(*entry).group_by(ev.c.contact_id).cte("step0").prefix_with("MATERIALIZED"))
    prev = select(first.c.contact_id, first.c.entered_at, first.c.entered_at.label("at")).cte("s0")
    ctes = [prev]
    for i, name in enumerate(steps[1:], start=1):
        e = ev.alias(f"e{i}")
        cte = (select(prev.c.contact_id, prev.c.entered_at, func.min(e.c.at).label("at"))
               .join(e, and_(e.c.contact_id == prev.c.contact_id, e.c.name == name,
                             e.c.at >= prev.c.at))
               .where(seconds_between(session, e.c.at, prev.c.entered_at) <= window)
               .group_by(prev.c.contact_id, prev.c.entered_at)
               .cte(f"s{i}").prefix_with("MATERIALIZED"))
        ctes.append(cte)
        prev = cte
    return ctes


SCAN_SHARE = 0.1  # above this share of the table, reading it whole beats the index


def _step_event_filter(session: Session, environment_ids: list[int], names: list[str],
                       since: dt.datetime | None) -> list[Any]:
    """WHERE of the funnel's step events (of contacts, in these environments and names).

    PostgreSQL's planner weighs the environment/name/time index against a scan from its
    statistics, and fetches index hits in table order. SQLite (without ANALYZE) always
    takes that index, then pays one random table lookup per event, several times slower
    than reading the table in order when the steps are common events. So on SQLite the
    hits are counted in the index first (index-only, fast): above ``SCAN_SHARE`` of the
    table it is scanned in order ("+ 0" hides the index); below, the hits' rows are
    fetched by id, in id order."""
    in_index: list[ColumnElement[bool]] = [Event.environment_id.in_(environment_ids),
                                           Event.name.in_(names)]
    if since is not None:
        in_index.append(Event.occurred_at >= since)
    contact = Event.contact_id.is_not(None)
    if dialect(session) != "sqlite":
        return [*in_index, contact]
    low, high = session.execute(select(func.min(Event.id), func.max(Event.id))).one()
    if low is None:
        return [*in_index, contact]
    enough = int(SCAN_SHARE * (high - low + 1)) + 1  # counting stops there
    hits = session.scalar(select(func.count()).select_from(
        select(Event.id).where(*in_index).limit(enough).subquery())) or 0
    if hits >= enough:
        return [(Event.environment_id + 0).in_(environment_ids), *in_index[1:], contact]
    return [Event.id.in_(select(Event.id).where(*in_index)), contact]


def _group_expr(session: Session, breakdown: dict[str, Any] | None, cte: Any,
                suffix: str = "") -> tuple[Any, list[Any]]:
    """(group expression, extra joins) for a breakdown."""
    if not breakdown:
        return literal("all"), []
    if breakdown["by"] == "variant":
        x = ExperimentExposure.__table__.alias(f"x{suffix}")
        return x.c.variant, [(x, and_(x.c.contact_id == cte.c.contact_id,
                                      x.c.experiment_id == int(breakdown["experiment_id"])))]
    c = Contact.__table__.alias(f"c{suffix}")
    expr = func.coalesce(c.c.attributes[str(breakdown["attribute"])].as_string(), "(none)")
    return expr, [(c, c.c.id == cte.c.contact_id)]


def compute(session: Session, workspace_id: int, steps: list[str], window_hours: float,
            breakdown: dict[str, Any] | None = None, since: dt.datetime | None = None,
            until: dt.datetime | None = None, *, engine: str = "auto") -> list[FunnelGroup]:
    """Per group, the people at each step with their time from entry (mean and median
    seconds). On DuckDB over the Parquet copy of the events when it is current
    (``engine``: see ``surveyapp.events.analytics.run``), else in SQL."""
    from surveyapp.events import analytics

    env_ids = analytics.workspace_envs(session, workspace_id)
    if not steps or not env_ids:
        return []

    def columnar(events: analytics.Events) -> list[FunnelGroup]:
        from surveyapp.experiments import columnar as col

        groups = None if not breakdown else _group_rows(session, breakdown, env_ids)
        return _groups(steps, col.funnel_stats(events, steps, window_hours, groups, since, until))

    return analytics.run(session, workspace_id, columnar, lambda: _groups(steps, _sql_stats(
        session, env_ids, steps, window_hours, breakdown, since, until)), engine=engine)


def _group_rows(session: Session, breakdown: dict[str, Any], env_ids: list[int]
                ) -> list[tuple[int, str]]:
    """(contact id, group) of a breakdown, read from the database for the columnar path."""
    if breakdown["by"] == "variant":
        x = ExperimentExposure
        rows = session.execute(select(x.contact_id, x.variant).where(
            x.experiment_id == int(breakdown["experiment_id"]), x.contact_id.is_not(None)))
    else:
        value = func.coalesce(Contact.attributes[str(breakdown["attribute"])].as_string(), "(none)")
        rows = session.execute(select(Contact.id, value).where(Contact.environment_id.in_(env_ids)))
    return [(int(cid), str(g)) for cid, g in rows]


Stats = dict[tuple[int, str], tuple[int, float | None, float | None]]


def _sql_stats(session: Session, env_ids: list[int], steps: list[str], window_hours: float,
               breakdown: dict[str, Any] | None, since: dt.datetime | None,
               until: dt.datetime | None) -> Stats:
    """(step, group) -> (people, mean, median seconds) in SQL. One statement: the step
    CTEs are materialised once and every step's (group, seconds) rows come back through a
    UNION ALL, one row per person and step reached."""
    import statistics

    ctes = step_ctes(session, env_ids, steps, window_hours, since, until)
    parts = []
    for i, cte in enumerate(ctes):
        group, joins = _group_expr(session, breakdown, cte, f"{i}")
        q = select(literal(i).label("step"), group.label("g"),
                   seconds_between(session, cte.c.at, cte.c.entered_at).label("secs")
                   ).select_from(cte)
        for table, on in joins:
            q = q.join(table, on)
        parts.append(q)
    values: dict[tuple[int, str], list[float]] = {}
    for step, g, secs in session.execute(union_all(*parts)):
        values.setdefault((int(step), str(g)), []).append(float(secs or 0.0))
    return {k: (len(v), sum(v) / len(v), statistics.median(v)) for k, v in values.items()}


def _groups(steps: list[str], stats: Stats) -> list[FunnelGroup]:
    """The biggest MAX_GROUPS groups (ties by name), each with its step figures."""
    entered = {g: n for (step, g), (n, _, _) in stats.items() if step == 0}
    out = []
    for g in sorted(entered, key=lambda g: (-entered[g], g))[:MAX_GROUPS]:
        figures, prev_n = [], entered[g]
        for i, name in enumerate(steps):
            n, mean, median = stats.get((i, g), (0, None, None))
            figures.append(StepFigure(
                name, n, n / entered[g] if entered[g] else 0.0, n / prev_n if prev_n else 0.0,
                _wilson(n, prev_n), prev_n - n, mean if i and n else None,
                median if i and n else None))
            prev_n = n
        out.append(FunnelGroup(g, entered[g], figures, suppressed=entered[g] < K_MIN))
    return out


def reached_by_contact(session: Session, workspace_id: int, steps: list[str],
                       window_hours: float, *, engine: str = "auto"
                       ) -> dict[int, tuple[int, dt.datetime]]:
    """(steps reached, entry time) of each entering contact (for sequence mining)."""
    from surveyapp.events import analytics

    env_ids = analytics.workspace_envs(session, workspace_id)
    if not steps or not env_ids:
        return {}

    def sql() -> dict[int, tuple[int, dt.datetime]]:
        ctes = step_ctes(session, env_ids, steps, window_hours)
        reached: dict[int, tuple[int, dt.datetime]] = {}
        for i, cte in enumerate(ctes, start=1):
            for cid, entered in session.execute(select(cte.c.contact_id, cte.c.entered_at)):
                reached[int(cid)] = (i, entered)
        return reached

    def columnar(events: analytics.Events) -> dict[int, tuple[int, dt.datetime]]:
        from surveyapp.experiments import columnar as col

        return col.reached_by_contact(events, steps, window_hours)

    return analytics.run(session, workspace_id, columnar, sql, engine=engine)
