"""Most common paths from or to an event, per session; and their Sankey diagram.

A session is the events sharing a ``session_id``; a contact's events without one (an
import that had no session column) are cut into sessions at every pause longer than the
inactivity gap (``GAP_MINUTES`` by default, as web analytics tools do). The anchor is the
first occurrence of the event in a session, and the path is the next (or previous)
``depth`` events, grouped and counted -- on DuckDB over the Parquet copy of the events when
it is current (``columnar.top_paths``), else in SQL with window functions (here).
The diagram is laid out here and drawn as server-side SVG (no JavaScript, no CDN).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveyapp.experiments.sql import dialect, seconds_between
from surveyapp.models import Event

NOISE = ("$click", "$exposure")
END = "(end)"
GAP_MINUTES = 30.0
MAX_GAP_MINUTES = 24 * 60.0


@dataclass
class PathCount:
    steps: list[str]  # anchor first (direction "after") or last ("before")
    count: int
    share: float


def top_paths(session: Session, workspace_id: int, anchor: str, direction: str = "after",
              depth: int = 3, limit: int = 15, exclude: tuple[str, ...] = NOISE,
              since: dt.datetime | None = None, gap_minutes: float = GAP_MINUTES, *,
              engine: str = "auto") -> tuple[int, list[PathCount]]:
    """(sessions with the anchor, most common paths); missing steps read "(end)"."""
    from surveyapp.events import analytics

    env_ids = analytics.workspace_envs(session, workspace_id)
    if not env_ids:
        return 0, []

    def columnar(events: analytics.Events) -> tuple[int, list[tuple[list[str], int]]]:
        from surveyapp.experiments import columnar as col

        return col.top_paths(events, anchor, direction, depth, limit, exclude, since,
                             gap_minutes)

    total, rows = analytics.run(session, workspace_id, columnar, lambda: _sql_paths(
        session, env_ids, anchor, direction, depth, limit, exclude, since, gap_minutes),
        engine=engine)
    paths = []
    for names, n in rows:
        names = _trim(names)
        steps = [anchor, *names] if direction == "after" else [*reversed(names), anchor]
        paths.append(PathCount(steps, n, n / total if total else 0.0))
    return total, paths


def _sql_paths(session: Session, env_ids: list[int], anchor: str, direction: str, depth: int,
               limit: int, exclude: tuple[str, ...], since: dt.datetime | None,
               gap_minutes: float) -> tuple[int, list[tuple[list[str], int]]]:
    # On SQLite "+ 0" makes it read the table in order instead of by the environment
    # index (a random row fetch per event); the window sort needs every row anyway.
    env_col = Event.environment_id + 0 if dialect(session) == "sqlite" else Event.environment_id
    in_period: list[ColumnElement[bool]] = [env_col.in_(env_ids)]
    if since is not None:
        in_period.append(Event.occurred_at >= since)
    # Only sessions (and session-less contacts) with the anchor are numbered: one pass to
    # find them, then a window sort over their events rather than over every event.
    with_anchor = select(Event.session_id).where(Event.environment_id.in_(env_ids),
                                                 Event.name == anchor)
    contacts_with_anchor = select(Event.contact_id).where(
        Event.environment_id.in_(env_ids), Event.name == anchor, Event.session_id.is_(None))
    order = (Event.occurred_at, Event.id)
    pause = seconds_between(session, Event.occurred_at, func.lag(Event.occurred_at).over(
        partition_by=Event.contact_id, order_by=order))
    breaks = select(Event.id, Event.contact_id, Event.name, Event.occurred_at, case(
        (pause <= float(gap_minutes) * 60, 0), else_=1).label("brk")).where(
        *in_period, Event.session_id.is_(None), Event.contact_id.in_(contacts_with_anchor)
    ).cte("breaks")
    sessions = union_all(
        select(Event.session_id.label("sid"), cast(null(), BigInteger).label("cid"),
               cast(null(), BigInteger).label("n"), Event.id.label("id"),
               Event.name.label("name"), Event.occurred_at.label("at"))
        .where(*in_period, Event.session_id.in_(with_anchor)),
        select(cast(null(), Event.session_id.type), breaks.c.contact_id,
               func.sum(breaks.c.brk).over(partition_by=breaks.c.contact_id,
                                           order_by=(breaks.c.occurred_at, breaks.c.id)),
               breaks.c.id, breaks.c.name, breaks.c.occurred_at),
    ).cte("sessions")
    c = sessions.c
    shift = func.lead if direction == "after" else func.lag
    conds = [c.name.not_in(exclude)] if exclude else []
    numbered = select(
        c.name, func.row_number().over(partition_by=(c.sid, c.cid, c.n, c.name),
                                       order_by=(c.at, c.id)).label("occ"),
        *[shift(c.name, literal_column(str(k))).over(
            partition_by=(c.sid, c.cid, c.n), order_by=(c.at, c.id)).label(f"s{k}")
          for k in range(1, depth + 1)],
    ).where(*conds).cte("numbered")
    cols = [func.coalesce(numbered.c[f"s{k}"], literal(END)).label(f"p{k}")
            for k in range(1, depth + 1)]
    # The total over all groups rides along as a window over the grouped counts.
    q = (select(*cols, func.count().label("n"), func.sum(func.count()).over().label("total"))
         .where(numbered.c.name == anchor, numbered.c.occ == 1)
         .group_by(*cols).order_by(func.count().desc(), *cols).limit(limit))
    rows = session.execute(q).all()
    total = int(rows[0][-1]) if rows else 0
    return total, [([str(s) for s in row[:depth]], int(row[-2])) for row in rows]


def _trim(names: list[str]) -> list[str]:
    """Keep one "(end)" at the end of a short session's path."""
    if END in names:
        names = names[:names.index(END) + 1]
    return names


# ----------------------------------------------------------------------------- Sankey
@dataclass
class Node:
    column: int
    name: str
    value: int
    x: float = 0
    y: float = 0
    h: float = 0


@dataclass
class Link:
    source: Node
    target: Node
    value: int
    sy: float = 0
    ty: float = 0
    w: float = 0


def sankey(paths: list[PathCount], width: int = 860, height: int = 360,
           node_width: int = 14, gap: int = 10) -> dict[str, Any]:
    """Lay out columns of step names linked by flows; returns nodes, links and size."""
    if not paths:
        return {"nodes": [], "links": [], "width": width, "height": height}
    columns = max(len(p.steps) for p in paths)
    nodes: dict[tuple[int, str], Node] = {}
    links: dict[tuple[tuple[int, str], tuple[int, str]], Link] = {}
    for p in paths:
        for i, name in enumerate(p.steps):
            node = nodes.setdefault((i, name), Node(i, name, 0))
            node.value += p.count
            if i:
                a, b = (i - 1, p.steps[i - 1]), (i, name)
                link = links.setdefault((a, b), Link(nodes[a], node, 0))
                link.value += p.count
    total = max(sum(n.value for n in nodes.values() if n.column == c) for c in range(columns))
    busiest = max(sum(1 for n in nodes.values() if n.column == c) for c in range(columns))
    scale = (height - gap * (busiest - 1)) / total if total else 1
    step_x = (width - node_width - 150) / max(columns - 1, 1)
    for c in range(columns):
        y = 0.0
        for node in sorted((n for n in nodes.values() if n.column == c), key=lambda n: -n.value):
            node.x, node.y, node.h = c * step_x, y, max(node.value * scale, 1.5)
            y += node.h + gap
    out_y = {id(n): n.y for n in nodes.values()}
    in_y = {id(n): n.y for n in nodes.values()}
    for link in sorted(links.values(), key=lambda k: (k.source.y, k.target.y)):
        link.w = max(link.value * scale, 1)
        link.sy = out_y[id(link.source)] + link.w / 2
        link.ty = in_y[id(link.target)] + link.w / 2
        out_y[id(link.source)] += link.w
        in_y[id(link.target)] += link.w
    return {"nodes": list(nodes.values()), "links": list(links.values()), "width": width,
            "height": height + 10, "node_width": node_width}
