"""Importing behavioural events (``surveyapp import events``) into a fresh database, at
growing sizes: the time must grow linearly with the rows (issue #22: 164k events did not
finish in 900 s on a fresh PostgreSQL; target 1M events under 60 s).

    .venv/bin/python bench/events_import.py                       # 100k, 300k, 1M on PostgreSQL
    .venv/bin/python bench/events_import.py --sizes 100000 --backend sqlite

Each size gets a new database (``bench/_common.bench_app``: PostgreSQL found or started as
in the tests, dropped afterwards) and a CSV written once into .cache/bench/: one row per
event (user id, event name, ISO timestamp, session id), no event id, so every row's
duplicate key is the content hash, as with a real export. The import runs as the command
does: validate the file, write it in one transaction, commit. Printed: seconds, events/s,
and seconds per 100k events relative to the smallest size (1.0 = linear). Then the same
file is imported again into the same database: everything is "already there", nothing
is added, and that must not be slower than linear either. On PostgreSQL the baseline,
measured in the same database, is the database alone: ``COPY`` of the same file into an
unindexed table of text columns (no parsing, no duplicate check, no contacts), printed as
the import's time over it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_app  # noqa: E402

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench"
NAMES = np.array(["page_view", "signup", "view_dashboard", "create_report", "share_report",
                  "search", "export_csv", "login"])


def events_csv(rows: int) -> Path:
    path = CACHE / f"import_events_{rows}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    people = max(rows // 60, 10)
    user = rng.integers(0, people, rows)
    seconds = np.sort(rng.uniform(0, 90 * 86400, rows))
    stamps = np.datetime64("2026-08-01T00:00:00", "us") + (seconds * 1e6).astype(
        "int64").astype("timedelta64[us]")
    text = np.datetime_as_string(stamps, unit="us")
    names = NAMES[rng.integers(0, len(NAMES), rows)]
    session = user * 1000 + (seconds // 1800).astype("int64") % 1000
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as fh:
        fh.write("user_id,event,timestamp,session_id\n")
        for u, n, t, s in zip(user.tolist(), names.tolist(), text.tolist(), session.tolist(),
                              strict=True):
            fh.write(f"u{u},{n},{t}Z,s{s}\n")
    os.replace(tmp, path)
    return path


def backend_cpu(pid: int | None) -> float:
    """CPU seconds the PostgreSQL backend ``pid`` has used (0 when it is not readable)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_once(app, path: Path) -> tuple[float, object, float]:
    """(seconds, result, CPU seconds of this process and its PostgreSQL backend). On a
    machine shared with other work the wall time is inflated by the queue for the cores;
    the CPU seconds are what the import needs (it runs one thing at a time: parse, then
    the database), so they are close to its wall time on an idle 2-core machine."""
    from surveyapp.extensions import db
    from surveyapp.models import Environment
    from surveyapp.segments import imports

    with app.app_context():
        env_id = db.session.query(Environment.id).scalar()
        pid = (db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
               if db.engine.dialect.name == "postgresql" else None)
        cpu = time.process_time() + backend_cpu(pid)
        start = time.perf_counter()
        result = imports.import_file(db.session, env_id, "events", path, "csv")
        db.session.commit()
        took = time.perf_counter() - start
        return took, result, time.process_time() + backend_cpu(pid) - cpu


def bare_copy(app, path: Path) -> float | None:
    """Seconds to COPY the raw file into an unindexed text table (PostgreSQL only)."""
    from surveyapp.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            start = time.perf_counter()
            cur.execute("CREATE TABLE bare (user_id text, event text, ts text, session_id text)")
            with path.open("rb") as fh, cur.copy("COPY bare FROM STDIN (FORMAT csv, HEADER)") as cp:
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
            raw.commit()
            took = time.perf_counter() - start
            cur.execute("DROP TABLE bare")
            raw.commit()
            return took
        finally:
            raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="postgres")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"event import on {args.backend}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    base = None
    for rows in sizes:
        path = events_csv(rows)
        with ExitStack() as stack:
            app = bench_app(args.backend, stack, "bench_import")
            from surveyapp.extensions import db
            from surveyapp.models import Environment, Workspace

            with app.app_context():
                db.create_all()
                ws = Workspace(slug="bench", name="Bench")
                db.session.add_all([ws, Environment(workspace=ws, name="production")])
                db.session.commit()
            bare = bare_copy(app, path)
            first, result, cpu = import_once(app, path)
            again, second, _ = import_once(app, path)
            with app.app_context():
                db.engine.dispose()
        per = first / rows * 1e5
        base = base or per
        print(f"{rows:>9,} events: {first:6.1f}s, {cpu:.1f} CPU-s ({rows / first:,.0f}/s; "
              f"{per:.2f}s per 100k, "
              f"{per / base:.2f}x the smallest size's)  added {result.inserted:,}; "  # type: ignore[attr-defined]
              f"again: {again:.1f}s, added {second.inserted:,}, "  # type: ignore[attr-defined]
              f"already there {second.duplicates:,}"  # type: ignore[attr-defined]
              + (f"; bare COPY of the file {bare:.1f}s (import = {first / bare:.1f}x)"
                 if bare else ""))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
