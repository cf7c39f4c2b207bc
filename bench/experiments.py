"""Funnel and path queries in SQL (what the journeys pages run) against the same
computation in pandas, over a large synthetic event table.

    .venv/bin/python bench/experiments.py                 # 10,000,000 events, SQLite
    .venv/bin/python bench/experiments.py --events 1000000
    .venv/bin/python bench/experiments.py --database-url postgresql+psycopg://...
    .venv/bin/python bench/experiments.py --events 1000000 --only funnel

The event table is generated once per size into .cache/bench/ (SQLite) and reused. The
baseline, measured in the same run, is pandas over the same rows: once with the frame
already in memory (pandas' best case), and once including reading the rows it needs from
the database (what a pandas implementation would really do per request). The funnel is
timed alternately with pandas, best of two each. Both sides must agree on every count,
or the benchmark fails. A PostgreSQL table is ANALYZEd after loading (as autovacuum would
do soon after a bulk load): the funnel's plan relies on table statistics there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from functools import partial
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench"
NAMES = np.array(["page_view", "signup", "onboarding_completed", "view_dashboard",
                  "create_report", "share_report", "search", "export_csv", "help_opened",
                  "error_shown", "login", "billing_viewed"])
WEIGHTS = np.array([30, 2, 2, 20, 6, 2, 8, 4, 3, 3, 10, 2], dtype=float)
STEPS = ["view_dashboard", "create_report", "share_report"]
WINDOW_HOURS = 24
T0 = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


def build(url: str | None, events: int, chunk: int = 200_000) -> tuple[object, int]:
    """An app on a database holding ``events`` synthetic events; returns (app, workspace id)."""
    from sqlalchemy import func, select

    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.models import Contact, Environment, Event, Workspace

    data_dir = CACHE / f"events_{events}"
    data_dir.mkdir(parents=True, exist_ok=True)
    config = {"env": "testing", "secret_key": "b" * 40, "data_dir": data_dir}
    if url:
        config["database_url"] = url
    app = create_app(config)
    with app.app_context():
        db.create_all()
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == "bench"))
        if ws is not None:
            have = db.session.scalar(select(func.count()).select_from(Event))
            if have == events:
                return app, ws.id
            raise SystemExit(f"{data_dir} holds {have} events; delete it to rebuild")
        ws = Workspace(slug="bench", name="Bench")
        env = Environment(workspace=ws, name="production")
        db.session.add_all([ws, env])
        db.session.flush()
        people = max(events // 60, 10)
        db.session.execute(Contact.__table__.insert(), [
            {"environment_id": env.id, "external_id": f"c{i}", "attributes": {},
             "consent": "unknown", "created_at": T0} for i in range(people)])
        first_id = db.session.scalar(select(func.min(Contact.id)))
        db.session.commit()
        rng = np.random.default_rng(1)
        p = WEIGHTS / WEIGHTS.sum()
        print(f"generating {events:,} events for {people:,} contacts (once)…", flush=True)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            if db.engine.dialect.name == "sqlite":  # index pages stay in memory while loading
                cur.execute("PRAGMA cache_size = -1000000")
            placeholder = "?" if db.engine.dialect.name == "sqlite" else "%s"
            sql = (f"INSERT INTO event (environment_id, contact_id, session_id, name, properties, "
                   f"occurred_at, received_at) VALUES ({', '.join([placeholder] * 7)})")
            done = 0
            while done < events:
                n = min(chunk, events - done)
                contact = rng.integers(0, people, n)
                session = contact * 40 + rng.integers(0, 40, n)  # ~40 sessions a person
                # sessions spread over 90 days; events within a session minutes apart
                start = (session % 997) * 7800.0 + (contact % 13) * 600.0
                seconds = start + rng.exponential(900, n)
                names = NAMES[rng.choice(len(NAMES), n, p=p)]
                # vectorised: microsecond timestamps as the ISO text SQLite stores
                micros = np.datetime64(T0.replace(tzinfo=None), "us") + np.rint(seconds * 1e6).astype(
                    "int64").astype("timedelta64[us]")
                stamps = np.char.replace(np.datetime_as_string(micros, unit="us"), "T", " ").tolist()
                if placeholder != "?":
                    stamps = [dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC) for s in stamps]
                rows = list(zip([env.id] * n, (contact + first_id).tolist(),
                                [f"s{s}" for s in session.tolist()], names.tolist(), ["{}"] * n,
                                stamps, stamps, strict=True))
                cur.executemany(sql, rows)
                raw.commit()
                done += n
                print(f"  {done:,}", end="\r", flush=True)
            print()
            if db.engine.dialect.name == "postgresql":  # what autovacuum would do shortly
                cur.execute("ANALYZE event")
                raw.commit()
        finally:
            raw.close()
        return app, ws.id


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def pandas_frame(columns: str, where: str):
    import pandas as pd

    from surveyapp.extensions import db

    with db.engine.connect() as conn:
        frame = pd.read_sql_query(f"SELECT {columns} FROM event {where}", conn)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    return frame


def pandas_funnel(frame) -> list[int]:
    """First entry per contact, then each step's first event after the previous one,
    within the window from the entry: the same definition as the SQL."""
    window = np.timedelta64(WINDOW_HOURS, "h")
    cur = (frame[frame.name == STEPS[0]].groupby("contact_id")["occurred_at"].min()
           .rename("entered").to_frame())
    cur["at"] = cur["entered"]
    counts = [len(cur)]
    for step in STEPS[1:]:
        ev = frame[frame.name == step][["contact_id", "occurred_at"]]
        m = ev.merge(cur, left_on="contact_id", right_index=True)
        m = m[(m.occurred_at >= m["at"]) & (m.occurred_at - m.entered <= window)]
        nxt = m.groupby("contact_id").agg(entered=("entered", "first"), at=("occurred_at", "min"))
        counts.append(len(nxt))
        cur = nxt
    return counts


def pandas_paths(frame, anchor: str, depth: int = 3) -> list[tuple[tuple[str, ...], int]]:
    frame = frame[frame.name != "page_view"].sort_values(["session_id", "occurred_at", "id"])
    frame = frame.assign(rn=frame.groupby("session_id").cumcount())
    first = frame[frame.name == anchor].groupby("session_id")["rn"].min()
    keyed = frame.set_index(["session_id", "rn"])["name"]
    cols = []
    for k in range(1, depth + 1):
        idx = list(zip(first.index, first.values + k, strict=True))
        cols.append(keyed.reindex(idx).fillna("(end)").to_numpy())
    import pandas as pd

    counts = pd.DataFrame({f"s{k}": c for k, c in enumerate(cols)}).value_counts()
    return [(tuple(k), int(v)) for k, v in counts.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--only", choices=("funnel", "paths"), default=None,
                        help="run one of the two comparisons")
    args = parser.parse_args()
    app, workspace_id = build(args.database_url, args.events)

    from surveyapp.extensions import db

    with app.app_context():
        session = db.session
        print(f"{args.events:,} events on {db.engine.dialect.name}")
        if args.only != "paths":
            funnel_vs_pandas(session, workspace_id)
        if args.only != "funnel":
            paths_vs_pandas(session, workspace_id)


def funnel_vs_pandas(session, workspace_id: int, rounds: int = 2) -> None:
    """The funnel in SQL against pandas, alternating, best of ``rounds`` for each side (so
    neither is the one that paid for a cold cache)."""
    from surveyapp.experiments import funnels

    names = ", ".join(f"'{n}'" for n in STEPS)
    sql_t = pd_t = total_t = float("inf")
    for _ in range(rounds):
        sql_groups, t = timed(lambda: funnels.compute(session, workspace_id, STEPS, WINDOW_HOURS))
        sql_t = min(sql_t, t)
        sql_counts = [s.count for s in sql_groups[0].steps]
        frame, load_t = timed(lambda: pandas_frame("contact_id, name, occurred_at",
                                                   f"WHERE name IN ({names})"))
        pd_counts, t = timed(partial(pandas_funnel, frame))
        pd_t, total_t = min(pd_t, t), min(total_t, load_t + t)
        assert sql_counts == pd_counts, (sql_counts, pd_counts)
    print(f"funnel {' → '.join(STEPS)} ({WINDOW_HOURS} h): {sql_counts}")
    print(f"  SQL {sql_t:.2f}s · pandas {pd_t:.2f}s in memory ({sql_t / pd_t:.2f}x of it) · "
          f"pandas incl. loading {total_t:.2f}s ({sql_t / total_t:.2f}x of it)  "
          f"[best of {rounds}]")


def paths_vs_pandas(session, workspace_id: int) -> None:
    from surveyapp.experiments import paths

    anchor = "signup"
    (total, found), sql_t = timed(lambda: paths.top_paths(
        session, workspace_id, anchor, exclude=(*paths.NOISE, "page_view")))
    frame, load_t = timed(lambda: pandas_frame("id, session_id, name, occurred_at",
                                               "WHERE session_id IS NOT NULL"))
    pd_paths, pd_t = timed(lambda: pandas_paths(frame, anchor))
    sql_paths = [(tuple(p.steps[1:] + ["(end)"] * (3 - len(p.steps[1:]))), p.count) for p in found]
    every = dict(pd_paths)
    assert all(every.get(k) == v for k, v in sql_paths), "SQL and pandas paths differ"
    assert [v for _, v in sql_paths] == sorted(every.values(), reverse=True)[:len(sql_paths)]
    print(f"paths after {anchor}: {total:,} sessions; top {found[0].steps} × {found[0].count:,}")
    print(f"  SQL {sql_t:.2f}s · pandas {pd_t:.2f}s in memory ({sql_t / pd_t:.2f}x of it) · "
          f"pandas incl. loading {load_t + pd_t:.2f}s ({sql_t / (load_t + pd_t):.2f}x of it)")


if __name__ == "__main__":
    main()
