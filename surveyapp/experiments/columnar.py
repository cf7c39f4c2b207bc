"""Funnels, paths and funnel sequences in DuckDB over the Parquet copy of the events.

The same definitions as the SQL in ``funnels``, ``paths`` and ``sequences`` (tests check
that both give the same figures on SQLite and PostgreSQL); those modules call these
through ``surveyapp.events.analytics.run`` when the copy is current. Times are compared
in whole microseconds (``epoch_us``), so a step exactly at the end of the window counts.

Breakdowns need the contact's variant or attribute, which live in the OLTP database:
they are read from there (one row per contact) and joined in DuckDB.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from surveyapp.events.analytics import Events

END = "(end)"


def _us(at: dt.datetime) -> int:
    return int(at.timestamp()) * 1_000_000 + at.microsecond


def _step_ctes(steps: list[str], window_hours: float, since: dt.datetime | None,
               until: dt.datetime | None, params: dict[str, Any]) -> list[str]:
    """``s0``..``sN`` (cid, entered, t) as CTE texts.

    Each step scans its own name (``name = $stepN``, so the reader skips every row group
    of other names: the files are sorted by name) and only the contact and time columns.
    Materialising the step events once and filtering that copy per step was measured
    slower (a third more CPU at 10M events: the copy of 3M rows costs more than a
    second pruned scan)."""
    params.update(window=int(round(float(window_hours) * 3600e6)))
    since_sql = ""
    if since is not None:
        params["since"] = _us(since)
        since_sql = " AND epoch_us(occurred_at) >= $since"

    def scan(i: int) -> str:
        params[f"step{i}"] = steps[i]
        return (f"(SELECT contact_id AS cid, epoch_us(occurred_at) AS t FROM events "
                f"WHERE name = $step{i} AND contact_id IS NOT NULL{since_sql})")

    until_sql = ""
    if until is not None:
        params["until"] = _us(until)
        until_sql = " WHERE t < $until"
    ctes = [f"s0 AS MATERIALIZED (SELECT cid, min(t) AS entered, min(t) AS t FROM {scan(0)}"
            f"{until_sql} GROUP BY cid)"]
    for i in range(1, len(steps)):
        ctes.append(
            f"s{i} AS MATERIALIZED (SELECT p.cid, p.entered, min(e.t) AS t FROM s{i - 1} p "
            f"JOIN {scan(i)} e ON e.cid = p.cid AND e.t >= p.t "
            f"WHERE e.t - p.entered <= $window GROUP BY p.cid, p.entered)")
    return ctes


def funnel_stats(events: Events, steps: list[str], window_hours: float,
                 groups: list[tuple[int, str]] | None = None, since: dt.datetime | None = None,
                 until: dt.datetime | None = None
                 ) -> dict[tuple[int, str], tuple[int, float | None, float | None]]:
    """(step, group) -> (people, mean seconds from entry, median seconds). ``groups``:
    (contact id, group) rows of a breakdown (a contact in none is left out; a contact in
    two counts in both, as the SQL's join does); None: one group "all"."""
    import pyarrow as pa

    params: dict[str, Any] = {}
    ctes = _step_ctes(steps, window_hours, since, until, params)
    reached = " UNION ALL ".join(
        [f"SELECT {i} AS step, cid, (t - entered) / 1e6 AS secs FROM s{i}"
         for i in range(len(steps))])
    if groups is None:
        group_sql, join = "'all'", ""
    else:
        events.con.register("grp", pa.table({
            "cid": pa.array([c for c, _ in groups], pa.int64()),
            "g": pa.array([g for _, g in groups], pa.string())}))
        group_sql, join = "grp.g", " JOIN grp ON grp.cid = r.cid"
    rows = events.query(
        f"WITH {', '.join(ctes)}, reached AS ({reached}) "
        f"SELECT step, {group_sql} AS g, count(*), avg(secs), median(secs) FROM reached r{join} "
        "GROUP BY ALL", params).fetchall()
    return {(int(step), str(g)): (int(n), float(mean), float(median))
            for step, g, n, mean, median in rows}


def reached_by_contact(events: Events, steps: list[str], window_hours: float
                       ) -> dict[int, tuple[int, dt.datetime]]:
    """(steps reached, entry time) of each entering contact."""
    params: dict[str, Any] = {}
    ctes = _step_ctes(steps, window_hours, None, None, params)
    reached = " UNION ALL ".join(f"SELECT {i} AS step, cid, entered FROM s{i}"
                                 for i in range(len(steps)))
    rows = events.query(f"WITH {', '.join(ctes)} SELECT cid, max(step) + 1, min(entered) "
                        f"FROM ({reached}) GROUP BY cid", params).fetchall()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return {int(c): (int(r), epoch + dt.timedelta(microseconds=int(e))) for c, r, e in rows}


def funnel_sequences(events: Events, steps: list[str], window_hours: float, limit: int,
                     length: int, skip: set[str]) -> dict[str, list[list[str]]]:
    """Converters' and drop-outs' first ``length`` events from entry (``skip`` left out),
    the ``limit`` lowest contact ids of each group, as ``sequences.funnel_sequences``."""
    params: dict[str, Any] = {}
    ctes = _step_ctes(steps, window_hours, None, None, params)
    reached = " UNION ALL ".join(f"SELECT {i} AS step, cid, entered FROM s{i}"
                                 for i in range(len(steps)))
    params.update(n=len(steps), limit=int(limit), length=int(length), skip=sorted(skip))
    rows = events.query(
        f"WITH {', '.join(ctes)}, "
        f"reached AS (SELECT cid, max(step) + 1 = $n AS done, min(entered) AS entered "
        f"FROM ({reached}) GROUP BY cid), "
        "chosen AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY done ORDER BY cid)"
        " AS k FROM reached) WHERE k <= $limit), "
        "seq AS (SELECT c.cid, e.name, row_number() OVER (PARTITION BY c.cid ORDER BY e.t, e.id)"
        " AS k FROM chosen c JOIN (SELECT contact_id AS cid, id, name, epoch_us(occurred_at) AS t"
        " FROM events WHERE NOT list_contains($skip, name)) e ON e.cid = c.cid"
        " AND e.t >= c.entered), "
        "lists AS (SELECT cid, list(name ORDER BY k) AS names FROM seq WHERE k <= $length"
        " GROUP BY cid) "
        "SELECT c.cid, c.done, l.names FROM chosen c LEFT JOIN lists l ON l.cid = c.cid "
        "ORDER BY c.cid", params).fetchall()
    out: dict[str, list[list[str]]] = {"converted": [], "dropped": []}
    for _cid, done, names in rows:
        out["converted" if done else "dropped"].append(list(names or []))
    return out


def top_paths(events: Events, anchor: str, direction: str, depth: int, limit: int,
              exclude: tuple[str, ...], since: dt.datetime | None, gap_minutes: float
              ) -> tuple[int, list[tuple[list[str], int]]]:
    """(sessions with the anchor, [(the ``depth`` names after/before, count)]) as
    ``paths.top_paths``: events with a session id are in that session; a contact's events
    without one are cut into sessions at every pause longer than ``gap_minutes``."""
    params: dict[str, Any] = {"anchor": anchor, "exclude": list(exclude),
                              "gap": int(round(float(gap_minutes) * 60e6)), "limit": int(limit)}
    since_sql = ""
    if since is not None:
        params["since"] = _us(since)
        since_sql = " WHERE epoch_us(occurred_at) >= $since"
    sign = "+" if direction == "after" else "-"
    names = ", ".join(
        f"coalesce(CASE WHEN pos {sign} {k} >= 1 THEN names[pos {sign} {k}] END, '{END}')"
        for k in range(1, depth + 1))
    period = since_sql.replace(" WHERE ", " AND ")
    rows = events.query(
        # events with a session id: those of sessions with the anchor, excluded names out
        "WITH sessions AS (SELECT session_id AS sid, CAST(NULL AS BIGINT) AS cid, "
        "CAST(NULL AS BIGINT) AS n, id, name, epoch_us(occurred_at) AS t FROM events "
        "WHERE session_id IN (SELECT session_id FROM events WHERE name = $anchor"
        f"{period}) AND NOT list_contains($exclude, name){period}), "
        # events without: cut per contact at pauses over the gap (all events count as
        # activity), only for contacts with the anchor among them
        "auto AS (SELECT id, contact_id, name, t, CASE WHEN t - lag(t) OVER "
        "(PARTITION BY contact_id ORDER BY t, id) <= $gap THEN 0 ELSE 1 END AS brk FROM "
        "(SELECT id, contact_id, name, epoch_us(occurred_at) AS t FROM events WHERE "
        "session_id IS NULL AND contact_id IN (SELECT contact_id FROM events WHERE "
        f"name = $anchor AND session_id IS NULL{period}){period})), "
        "auto_sessions AS (SELECT NULL AS sid, contact_id AS cid, sum(brk) OVER (PARTITION BY "
        "contact_id ORDER BY t, id ROWS UNBOUNDED PRECEDING) AS n, id, name, t FROM auto), "
        # each session's names in order; the anchor's first position in it
        "lists AS (SELECT list(name ORDER BY t, id) AS names FROM (SELECT * FROM sessions "
        "UNION ALL SELECT * FROM auto_sessions WHERE NOT list_contains($exclude, name)) "
        "GROUP BY sid, cid, n), "
        "anchored AS (SELECT names, list_position(names, $anchor) AS pos FROM lists) "
        f"SELECT {names}, count(*) AS c, sum(count(*)) OVER () FROM anchored "
        "WHERE pos IS NOT NULL AND pos > 0 GROUP BY ALL "
        f"ORDER BY c DESC, {', '.join(str(k) for k in range(1, depth + 1))} LIMIT $limit",
        params).fetchall()
    total = int(rows[0][-1]) if rows else 0
    return total, [([str(s) for s in row[:depth]], int(row[depth])) for row in rows]


# ----------------------------------------------------------------------------- click maps
_CLICK_COLS = (
    "session_id AS sid, contact_id AS cid, json_extract_string(properties, '$.selector') AS sel, "
    "epoch_us(occurred_at) AS t, "
    "TRY_CAST(json_extract_string(properties, '$.x') AS DOUBLE) AS x, "
    "TRY_CAST(json_extract_string(properties, '$.y') AS DOUBLE) AS y, "
    "TRY_CAST(json_extract_string(properties, '$.px') AS DOUBLE) AS px, "
    "TRY_CAST(json_extract_string(properties, '$.py') AS DOUBLE) AS py, "
    "TRY_CAST(json_extract_string(properties, '$.dead') AS INTEGER) AS dead")


def click_pages(events: Events, name: str, limit: int) -> list[tuple[str, int]]:
    """Pages (``path``) with clicks, busiest first, as ``clicks.pages``."""
    rows = events.query(
        "SELECT json_extract_string(properties, '$.path') AS p, count(*) AS n FROM events "
        "WHERE name = $name GROUP BY p ORDER BY n DESC, p LIMIT $limit",
        {"name": name, "limit": int(limit)}).fetchall()
    return [(str(p), int(n)) for p, n in rows if p is not None]


def _clicks_sql(members: list[int] | None) -> str:
    """The page's clicks with the time of the click two before on the same element in the
    same session (as ``clicks._clicks_cte``); ``members``: only these contacts' clicks."""
    only = " AND cid IN (SELECT cid FROM members)" if members is not None else ""
    return (f"clicks AS (SELECT *, lag(t, 2) OVER (PARTITION BY sid, sel ORDER BY t) AS lag2 "
            f"FROM (SELECT {_CLICK_COLS} FROM events WHERE name = $name "
            f"AND json_extract_string(properties, '$.path') = $page){' WHERE true' + only})")


def _register_ids(events: Events, name: str, ids: list[int]) -> None:
    import pyarrow as pa

    events.con.register(name, pa.table({"cid": pa.array(ids, pa.int64())}))


def element_map(events: Events, name: str, page: str, limit: int, rage_seconds: float,
                k_min: int, members: list[int] | None = None) -> list[tuple[Any, ...]]:
    """Per element: (selector, clicks, sessions, rage, dead, x, y, px, py), as
    ``clicks.element_map``; with ``members`` only theirs, elements under ``k_min`` of
    them left out."""
    if members is not None:
        _register_ids(events, "members", members)
    having = " HAVING count(DISTINCT cid) >= $k_min" if members is not None else ""
    params: dict[str, Any] = {"name": name, "page": page, "limit": int(limit),
                              "rage": int(round(rage_seconds * 1e6))}
    if members is not None:
        params["k_min"] = int(k_min)
    return events.query(
        f"WITH {_clicks_sql(members)} SELECT sel, count(*) AS n, count(DISTINCT sid), "
        "sum(CASE WHEN lag2 IS NOT NULL AND t - lag2 <= $rage THEN 1 ELSE 0 END), "
        "sum(coalesce(dead, 0)), avg(x), avg(y), avg(px), avg(py) FROM clicks "
        f"GROUP BY sel{having} ORDER BY n DESC, sel LIMIT $limit", params).fetchall()


def click_breakdown(events: Events, name: str, page: str, values: list[tuple[int, str]],
                    selectors: list[str]) -> list[tuple[Any, ...]]:
    """(selector, attribute value, clicks, people) as ``clicks.breakdown``; ``values``:
    (contact id, attribute value) from the database."""
    import pyarrow as pa

    events.con.register("attr", pa.table({
        "cid": pa.array([c for c, _ in values], pa.int64()),
        "v": pa.array([v for _, v in values], pa.string())}))
    return events.query(
        f"WITH {_clicks_sql(None)} SELECT c.sel, a.v, count(*), count(DISTINCT c.cid) "
        "FROM clicks c JOIN attr a ON a.cid = c.cid WHERE list_contains($selectors, c.sel) "
        "GROUP BY c.sel, a.v", {"name": name, "page": page, "selectors": selectors}).fetchall()
