"""Click maps from the widget's ``$click`` events, aggregated on DuckDB over the columnar
copy of the events when it is current (``columnar.element_map``), else in SQL.

The widget (only when the workspace enables click maps, and only with tracking consent)
sends ``$click`` events through its event outbox with properties: ``path`` (the page),
``selector`` (a short CSS path to the element), ``x``/``y`` (position inside the element,
0-1), ``px``/``py`` (position on the page, as a share of its width and in pixels from
the top), ``dead`` (1 when the click hit a non-interactive element and nothing on the
page changed within a second) and ``device`` ("mobile" under 640 px wide, "tablet" under
1024 px, else "desktop"; clicks recorded before it was added have none).

Any map can be narrowed to the members of a segment (``audience.members``).

A rage click is the third (or later) click on the same element in the same session
within ``RAGE_SECONDS`` of the click two before it: a LAG() window in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from surveyapp.experiments import audience
from surveyapp.experiments.sql import seconds_between
from surveyapp.models import Contact, Environment, Event, Workspace

CLICK = "$click"
RAGE_SECONDS = 1.5
K_MIN = 5
SETTING = "click_maps"


def enabled(workspace: Workspace) -> bool:
    return bool((workspace.settings or {}).get(SETTING))


def set_enabled(workspace: Workspace, on: bool) -> None:
    workspace.settings = {**(workspace.settings or {}), SETTING: bool(on)}


@dataclass
class ElementClicks:
    selector: str
    clicks: int
    sessions: int
    rage: int
    dead: int
    x: float | None  # mean position inside the element
    y: float | None
    page_x: float | None
    page_y: float | None

    @property
    def flags(self) -> list[str]:
        out = []
        if self.rage:
            out.append("rage clicks")
        if self.dead and self.dead >= self.clicks / 2:
            out.append("dead clicks")
        return out


def _env_ids(session: Session, workspace_id: int) -> list[int]:
    return list(session.scalars(select(Environment.id).where(
        Environment.workspace_id == workspace_id)))


def pages(session: Session, workspace_id: int, limit: int = 30, *,
          engine: str = "auto") -> list[tuple[str, int]]:
    """Pages with clicks, busiest first (DuckDB over the columnar copy when current)."""
    from surveyapp.events import analytics
    from surveyapp.experiments import columnar as col

    def sql() -> list[tuple[str, int]]:
        path = Event.properties["path"].as_string()
        rows = session.execute(
            select(path, func.count()).where(
                Event.environment_id.in_(_env_ids(session, workspace_id)), Event.name == CLICK)
            .group_by(path).order_by(func.count().desc()).limit(limit)).all()
        return [(str(p), int(n)) for p, n in rows if p is not None]

    out: list[tuple[str, int]] = analytics.run(
        session, workspace_id, lambda ev: col.click_pages(ev, CLICK, limit), sql, engine=engine)
    return out


def _clicks_cte(session: Session, workspace_id: int, page: str, segment_key: str | None = None,
                device: str | None = None):
    """The page's clicks with the time of the click two before on the same element in the
    same session; with ``segment_key`` only the segment's members' clicks (their sessions
    are theirs, so rage clicks are counted within the segment as they are overall); with
    ``device`` only the clicks recorded on that kind of device."""
    selector = Event.properties["selector"].as_string()
    conds = [Event.environment_id.in_(_env_ids(session, workspace_id)), Event.name == CLICK,
             Event.properties["path"].as_string() == page]
    if segment_key:
        conds.append(Event.contact_id.in_(audience.members(workspace_id, segment_key)))
    if device:
        conds.append(Event.properties["device"].as_string() == device)
    return select(
        Event.session_id.label("sid"), Event.contact_id.label("cid"), selector.label("sel"),
        Event.occurred_at.label("at"),
        Event.properties["x"].as_float().label("x"), Event.properties["y"].as_float().label("y"),
        Event.properties["px"].as_float().label("px"), Event.properties["py"].as_float().label("py"),
        Event.properties["dead"].as_integer().label("dead"),
        func.lag(Event.occurred_at, 2).over(partition_by=(Event.session_id, selector),
                                            order_by=Event.occurred_at).label("lag2"),
    ).where(*conds).cte("clicks")


def element_map(session: Session, workspace_id: int, page: str, limit: int = 40,
                segment_key: str | None = None, *, device: str | None = None,
                engine: str = "auto") -> list[ElementClicks]:
    """Clicks, sessions, rage and dead clicks per element of ``page``, busiest first; with
    ``segment_key`` those of the segment's members only, and elements fewer than K_MIN
    members clicked are left out (k-anonymity); with ``device`` ("mobile", "tablet",
    "desktop", as the recorder says) those recorded on that kind of device. On DuckDB over
    the columnar copy when it is current, else in SQL; the same figures (a device map is
    always read in SQL: the columnar copy's click query has no device column yet)."""
    from surveyapp.events import analytics
    from surveyapp.experiments import columnar as col

    def sql() -> list[Any]:
        c = _clicks_cte(session, workspace_id, page, segment_key, device)
        rage = case((c.c.lag2.is_not(None) & (seconds_between(session, c.c.at, c.c.lag2)
                                              <= RAGE_SECONDS), 1), else_=0)
        q = (select(c.c.sel, func.count(), func.count(func.distinct(c.c.sid)), func.sum(rage),
                    func.sum(func.coalesce(cast(c.c.dead, Integer), 0)), func.avg(c.c.x),
                    func.avg(c.c.y), func.avg(c.c.px), func.avg(c.c.py))
             .group_by(c.c.sel).order_by(func.count().desc(), c.c.sel).limit(limit))
        if segment_key:
            q = q.having(func.count(func.distinct(c.c.cid)) >= K_MIN)
        return list(session.execute(q).all())

    def columnar(events: Any) -> list[Any]:
        members = ([int(m) for m in session.scalars(audience.members(workspace_id, segment_key))]
                   if segment_key else None)
        return col.element_map(events, CLICK, page, limit, RAGE_SECONDS, K_MIN, members)

    rows = analytics.run(session, workspace_id, columnar, sql, engine="sql" if device else engine)
    return [ElementClicks(str(r[0]), int(r[1]), int(r[2]), int(r[3] or 0), int(r[4] or 0),
                          *(float(v) if v is not None else None for v in r[5:9]))
            for r in rows if r[0] is not None]


def breakdown(session: Session, workspace_id: int, page: str, attribute: str,
              selectors: list[str], *, engine: str = "auto"
              ) -> tuple[list[str], dict[str, dict[str, int | None]]]:
    """Clicks per element and value of a contact attribute (e.g. plan); cells with fewer
    than K_MIN distinct people are None (suppressed)."""
    from surveyapp.events import analytics
    from surveyapp.experiments import columnar as col

    value = func.coalesce(Contact.attributes[attribute].as_string(), "(none)")

    def sql() -> list[Any]:
        c = _clicks_cte(session, workspace_id, page)
        return list(session.execute(
            select(c.c.sel, value, func.count(), func.count(func.distinct(c.c.cid)))
            .select_from(c).join(Contact, Contact.id == c.c.cid)
            .where(c.c.sel.in_(selectors)).group_by(c.c.sel, value)).all())

    def columnar(events: Any) -> list[Any]:
        values = [(int(i), str(v)) for i, v in session.execute(select(Contact.id, value).where(
            Contact.environment_id.in_(_env_ids(session, workspace_id))))]
        return col.click_breakdown(events, CLICK, page, values, selectors)

    rows = analytics.run(session, workspace_id, columnar, sql, engine=engine)
    values = sorted({str(r[1]) for r in rows})[:8]
    table: dict[str, dict[str, int | None]] = {s: dict.fromkeys(values, 0) for s in selectors}
    for sel, val, n, people in rows:
        if str(val) in values and sel in table:
            table[sel][str(val)] = int(n) if people >= K_MIN else None
    return values, table
