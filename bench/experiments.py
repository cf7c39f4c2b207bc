"""Funnel and path queries as the journeys pages run them -- DuckDB over the Parquet copy
of the events (and, with ``--sql``, the SQL path) -- against the same computation in
pandas, load included, over a large synthetic event table.

    .venv/bin/python bench/experiments.py                 # 10,000,000 events, SQLite
    .venv/bin/python bench/experiments.py --events 1000000
    .venv/bin/python bench/experiments.py --database-url postgresql+psycopg://...
    .venv/bin/python bench/experiments.py --events 1000000 --only funnel --sql

The event table is generated once per size into .cache/bench/ (SQLite) and reused; its
Parquet copy is brought up to date first (setup, timed and printed, not compared: the
worker does it in the background), and a CSV export of the same events is written once.
The baselines, measured in the same run, are pandas reading the events it needs from the
Parquet copy (``pandas.read_parquet`` of the directory, the name filter pushed down: a
notebook's best case) and from the CSV export (pyarrow CSV engine), then computing the
same funnel or paths. Each contender runs ``--rounds`` times interleaved, best time kept.
All must agree on every count, or the benchmark fails. A PostgreSQL table is ANALYZEd
after loading (as autovacuum would do soon after a bulk load) for the SQL path's plans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
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

    data_dir = CACHE / (f"events_{events}" + ("_" + url.split("/")[-1] if url else ""))
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
        print(f"generating {events:,} events for {people:,} contacts (once)…", flush=True)
        load_events(db.engine, env.id, first_id, people, events, chunk)
        return app, ws.id


def generate(rng, n: int, people: int, first_id: int):
    """``n`` synthetic events as numpy columns (contact id, session, name, microseconds
    since T0): ~40 sessions a person over 90 days, events within a session minutes apart."""
    p = WEIGHTS / WEIGHTS.sum()
    contact = rng.integers(0, people, n)
    session = contact * 40 + rng.integers(0, 40, n)
    start = (session % 997) * 7800.0 + (contact % 13) * 600.0
    seconds = start + rng.exponential(900, n)
    names = NAMES[rng.choice(len(NAMES), n, p=p)]
    micros = np.datetime64(T0.replace(tzinfo=None), "us") + np.rint(seconds * 1e6).astype(
        "int64").astype("timedelta64[us]")
    return contact + first_id, session, names, micros


def load_events(engine, env_id: int, first_id: int, people: int, events: int,
                chunk: int) -> None:
    """Bulk-load the synthetic events, vectorised: on SQLite one ``executemany`` per chunk
    with the event indexes dropped during the load and rebuilt after (a sorted build, not
    10M random B-tree inserts); on PostgreSQL ``COPY`` of CSV text written by pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    from sqlalchemy import inspect

    rng = np.random.default_rng(1)
    sqlite = engine.dialect.name == "sqlite"
    indexes = [ix for ix in inspect(engine).get_indexes("event")] if sqlite else []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("PRAGMA cache_size = -1000000")
            for ix in indexes:
                cur.execute(f'DROP INDEX "{ix["name"]}"')
        done = 0
        while done < events:
            n = min(chunk, events - done)
            contact, session, names, micros = generate(rng, n, people, first_id)
            if sqlite:  # the ISO text SQLite stores
                stamps = np.char.replace(np.datetime_as_string(micros, unit="us"), "T", " "
                                         ).tolist()
                cur.executemany(
                    "INSERT INTO event (environment_id, contact_id, session_id, name, properties,"
                    " occurred_at, received_at) VALUES (?, ?, ?, ?, '{}', ?, ?)",
                    zip([env_id] * n, contact.tolist(), [f"s{s}" for s in session.tolist()],
                        names.tolist(), stamps, stamps, strict=True))
            else:
                at = pa.array(micros, pa.timestamp("us", tz="UTC"))
                table = pa.table({
                    "environment_id": pa.array(np.full(n, env_id)), "contact_id": contact,
                    "session_id": pc.binary_join_element_wise(
                        "s", pa.array(session).cast(pa.string()), ""),
                    "name": names, "properties": pa.array(["{}"] * n), "occurred_at": at,
                    "received_at": at})
                buf = pa.BufferOutputStream()
                pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
                with cur.copy(f"COPY event ({', '.join(table.column_names)}) FROM STDIN "
                              "(FORMAT csv)") as cp:
                    cp.write(buf.getvalue().to_pybytes())
            raw.commit()
            done += n
            print(f"  {done:,}", end="\r", flush=True)
        print()
        if sqlite:
            for ix in indexes:
                cols = ", ".join(ix["column_names"])
                cur.execute(f'CREATE INDEX "{ix["name"]}" ON event ({cols})')
            # the unique (environment_id, client_id) constraint is an autoindex: never dropped
            raw.commit()
        else:  # what autovacuum would do shortly
            cur.execute("ANALYZE event")
            raw.commit()
    finally:
        raw.close()


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def cpu_timed(fn):
    """(result, wall seconds, CPU seconds of this process: DuckDB's and pyarrow's threads
    included). On a machine shared with other work the wall time includes the wait for a
    core; the CPU seconds do not."""
    cpu = time.process_time()
    result, took = timed(fn)
    return result, took, time.process_time() - cpu


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
    frame = frame[(frame.name != "page_view") & frame.session_id.notna()].sort_values(
        ["session_id", "occurred_at", "id"])
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
    parser.add_argument("--sql", action="store_true",
                        help="also time the SQL path (slow at 10M events: 10-60 s a query)")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()
    app, workspace_id = build(args.database_url, args.events)

    from surveyapp.extensions import db

    with app.app_context():
        session = db.session
        print(f"{args.events:,} events on {db.engine.dialect.name}; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        store, csv_path = columnar_copy(session)
        if args.only != "paths":
            funnel_vs_pandas(session, workspace_id, store, csv_path, args.rounds, args.sql)
        if args.only != "funnel":
            paths_vs_pandas(session, workspace_id, store, csv_path, args.rounds, args.sql)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def columnar_copy(session):
    """The Parquet copy in the data directory (setup: what the worker keeps current), and
    a CSV export of the same events for the pandas-reads-a-CSV baseline (made once)."""
    from surveyapp.events import store as st

    store = st.store_of_app()
    result, t = timed(lambda: st.sync(session, store))
    files = store.files(store.load())
    size = sum(f.stat().st_size for f in files)
    print(f"Parquet copy: {result.added:,} events added in {t:.1f}s (setup; "
          f"{len(files)} files, {size / 1e6:.0f} MB)")
    csv_path = store.root.parent / "events.csv"
    if not csv_path.exists():
        con = st.duck()
        con.execute(f"COPY (SELECT id, contact_id, session_id, name, strftime(occurred_at, "
                    f"'%Y-%m-%dT%H:%M:%S.%fZ') AS occurred_at FROM {st.scan(files)} ORDER BY id) "
                    f"TO '{csv_path}' (HEADER)")
        con.close()
    print(f"CSV export: {csv_path.stat().st_size / 1e6:.0f} MB")
    return store, csv_path


def pandas_parquet(store, columns: list[str], names: list[str] | None = None):
    """What a notebook does with the copy: pandas.read_parquet of the directory."""
    import pandas as pd

    filters = [("name", "in", names)] if names else None
    return pd.read_parquet(store.root, columns=columns, filters=filters)


def pandas_csv(path: Path, columns: list[str], names: list[str] | None = None):
    import pandas as pd

    frame = pd.read_csv(path, usecols=columns, engine="pyarrow")
    if names:
        frame = frame[frame.name.isin(names)]
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    return frame


def race(label: str, ours: dict, baselines: dict, rounds: int, check) -> None:
    """Each contender ``rounds`` times, interleaved; best time of each; ``check`` compares
    every result with the first contender's."""
    best = dict.fromkeys([*ours, *baselines], float("inf"))
    cpu = dict.fromkeys([*ours, *baselines], float("inf"))
    first = None
    for _ in range(rounds):
        for name, fn in {**ours, **baselines}.items():
            result, t, c = cpu_timed(fn)
            best[name] = min(best[name], t)
            cpu[name] = min(cpu[name], c)
            if first is None:
                first = result
            else:
                check(first, result, name)
    print(label)
    for name in ours:
        ratios = " · ".join(f"{best[b] / best[name]:.1f}x faster than {b}" for b in baselines)
        cpu_ratios = " · ".join(f"{cpu[b] / cpu[name]:.1f}x" for b in baselines)
        print(f"  {name}: {best[name]:.2f}s, {cpu[name]:.2f} CPU-s  ({ratios}; in CPU "
              f"{cpu_ratios})")
    for name in baselines:
        print(f"  {name}: {best[name]:.2f}s, {cpu[name]:.2f} CPU-s")
    print(f"  [best of {rounds}, interleaved]")


def funnel_vs_pandas(session, workspace_id: int, store, csv_path: Path, rounds: int,
                     with_sql: bool) -> None:
    """The journeys page's funnel on DuckDB (freshness check, view and Python figures
    included) against pandas loading the same events and computing the same funnel."""
    from surveyapp.experiments import funnels

    def counts(engine):
        return lambda: [s.count for s in funnels.compute(
            session, workspace_id, STEPS, WINDOW_HOURS, engine=engine)[0].steps]

    counts("duckdb")()  # imports statsmodels (Wilson intervals) once, not timed
    cols = ["contact_id", "name", "occurred_at"]
    ours = {"DuckDB": counts("duckdb")}
    if with_sql:
        ours["SQL"] = counts("sql")
    baselines = {
        "pandas reading the Parquet copy": lambda: pandas_funnel(pandas_parquet(store, cols, STEPS)),
        "pandas reading the CSV export": lambda: pandas_funnel(pandas_csv(csv_path, cols, STEPS)),
    }

    def check(a, b, name):
        assert a == b, (name, a, b)

    race(f"funnel {' → '.join(STEPS)} ({WINDOW_HOURS} h): {counts('duckdb')()}", ours,
         baselines, rounds, check)


def paths_vs_pandas(session, workspace_id: int, store, csv_path: Path, rounds: int,
                    with_sql: bool) -> None:
    from surveyapp.experiments import paths

    anchor = "signup"

    def ours_fn(engine):
        def run():
            total, found = paths.top_paths(session, workspace_id, anchor,
                                           exclude=(*paths.NOISE, "page_view"), engine=engine)
            return total, [(tuple(p.steps[1:] + ["(end)"] * (3 - len(p.steps[1:]))), p.count)
                           for p in found]
        return run

    cols = ["id", "session_id", "name", "occurred_at"]
    ours = {"DuckDB": ours_fn("duckdb")}
    if with_sql:
        ours["SQL"] = ours_fn("sql")
    baselines = {
        "pandas reading the Parquet copy": lambda: pandas_paths(pandas_parquet(store, cols), anchor),
        "pandas reading the CSV export": lambda: pandas_paths(pandas_csv(csv_path, cols), anchor),
    }

    def check(a, b, name):
        ours_paths = a[1]
        if isinstance(b, tuple):  # another engine of ours: the same page
            assert b == a, name
            return
        every = dict(b)
        assert all(every.get(k) == v for k, v in ours_paths), (name, "paths differ")
        assert [v for _, v in ours_paths] == sorted(every.values(), reverse=True)[:len(ours_paths)]
        assert a[0] == sum(every.values()), name

    total, found = ours_fn("duckdb")()
    race(f"paths after {anchor}: {total:,} sessions; top {found[0]}", ours, baselines, rounds,
         check)


if __name__ == "__main__":
    main()
