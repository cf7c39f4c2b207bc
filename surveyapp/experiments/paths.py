"""Most common paths from or to an event, per session, in SQL; and their Sankey diagram.

Events of each session are numbered with ROW_NUMBER() (both databases have window
functions); the anchor is the first occurrence of the event in a session, and the path
is the next (or previous) ``depth`` events, grouped and counted in the database.
The diagram is laid out here and drawn as server-side SVG (no JavaScript, no CDN).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from surveyapp.experiments.sql import dialect
from surveyapp.models import Environment, Event

NOISE = ("$click", "$exposure")
END = "(end)"


@dataclass
class PathCount:
    steps: list[str]  # anchor first (direction "after") or last ("before")
    count: int
    share: float


def top_paths(session: Session, workspace_id: int, anchor: str, direction: str = "after",
              depth: int = 3, limit: int = 15, exclude: tuple[str, ...] = NOISE,
              since: dt.datetime | None = None) -> tuple[int, list[PathCount]]:
    """(sessions with the anchor, most common paths); missing steps read "(end)"."""
    env_ids = list(session.scalars(select(Environment.id).where(
        Environment.workspace_id == workspace_id)))
    if not env_ids:
        return 0, []
    # On SQLite "+ 0" makes it read the table in order instead of by the environment
    # index (a random row fetch per event); the window sort needs every row anyway.
    env_col = Event.environment_id + 0 if dialect(session) == "sqlite" else Event.environment_id
    conds = [env_col.in_(env_ids), Event.session_id.is_not(None)]
    if exclude:
        conds.append(Event.name.not_in(exclude))
    if since is not None:
        conds.append(Event.occurred_at >= since)
    # Only sessions with the anchor are numbered (one pass to find them, then a window
    # sort over their events rather than over every event).
    with_anchor = select(Event.session_id).where(Event.environment_id.in_(env_ids),
                                                 Event.name == anchor)
    conds.append(Event.session_id.in_(with_anchor))
    numbered = select(
        Event.session_id.label("sid"), Event.name.label("name"),
        func.row_number().over(partition_by=Event.session_id,
                               order_by=(Event.occurred_at, Event.id)).label("rn"),
    ).where(*conds).cte("numbered")
    anchors = (select(numbered.c.sid, func.min(numbered.c.rn).label("rn"))
               .where(numbered.c.name == anchor).group_by(numbered.c.sid).cte("anchors"))
    sign = 1 if direction == "after" else -1
    cols, joins = [], []
    for k in range(1, depth + 1):
        n = numbered.alias(f"n{k}")
        joins.append((n, and_(n.c.sid == anchors.c.sid, n.c.rn == anchors.c.rn + sign * k)))
        cols.append(func.coalesce(n.c.name, END).label(f"s{k}"))
    # The total over all groups rides along as a window over the grouped counts.
    q = select(*cols, func.count().label("n"), func.sum(func.count()).over().label("total")
               ).select_from(anchors)
    for n, on in joins:
        q = q.outerjoin(n, on)
    q = q.group_by(*cols).order_by(func.count().desc(), *cols).limit(limit)
    total, paths = 0, []
    for row in session.execute(q):
        total = int(row[-1])
        names = _trim([str(s) for s in row[:depth]])
        steps = [anchor, *names] if direction == "after" else [*reversed(names), anchor]
        paths.append(PathCount(steps, int(row[-2]), row[-2] / total if total else 0.0))
    return total, paths


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
