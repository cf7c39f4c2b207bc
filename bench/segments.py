"""Segment features in SQL vs pandas on the raw events, and clustering time per method.

    .venv/bin/python bench/segments.py [--contacts 20000] [--backend sqlite|postgres|both]

For each database: synthetic contacts with planted behaviour (surveyapp/segments/
synthetic.py, about 77 events per contact) are bulk-inserted, then

  * features: ``surveyapp.segments.features.extract`` (GROUP BY in the database) against
    a baseline that loads the window's raw events into pandas and computes the same
    activity and usage features there; time and peak Python memory (tracemalloc, which
    sees numpy and pandas buffers) of each, and their ratio;
  * segmentation: every method of ``methods.compare`` on those features, as a ratio to
    one plain k-means fit (k=4) on the same matrix, plus the adjusted Rand index against
    the planted groups.

PostgreSQL is found or started as in the tests (tests/services.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MB of Python-tracked allocations)."""
    tracemalloc.start()
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return out, seconds, peak


def pandas_features(session: Any, env_id: int, end: dt.datetime, days: int) -> Any:
    """The baseline: raw events of the window into pandas, features computed there."""
    import pandas as pd
    from sqlalchemy import select

    from surveyapp.models import Event

    start = end - dt.timedelta(days=days)
    rows = session.execute(select(Event.contact_id, Event.occurred_at, Event.name, Event.session_id)
                           .where(Event.environment_id == env_id, Event.occurred_at >= start,
                                  Event.occurred_at < end)).all()
    raw = pd.DataFrame(rows, columns=["contact_id", "at", "name", "session_id"])
    raw["day"] = pd.to_datetime(raw["at"], utc=True).dt.floor("D")  # vectorised, not per group
    by = raw.groupby("contact_id")
    out = pd.DataFrame({"events": by.size(), "active_days": by["day"].nunique(),
                        "sessions": by["session_id"].nunique(),
                        "recency_days": (end - by["at"].max()).dt.total_seconds() / 86400})
    out["sessions_per_week"] = out["sessions"] / (days / 7)
    out["session_depth"] = out["events"] / out["sessions"]
    usage = raw.pivot_table(index="contact_id", columns="name", values="at", aggfunc="count",
                            fill_value=0)
    for name in usage.sum().sort_values(ascending=False).index[:12]:
        out[f"share:{name}"] = usage[name] / out["events"]
    return out


def populate(db: Any, contacts: int, end: dt.datetime) -> tuple[int, dict[int, str]]:
    from sqlalchemy import insert, select

    from surveyapp.models import Contact, Event, Workspace
    from surveyapp.models.workspace import Environment
    from surveyapp.segments import synthetic

    ws = Workspace(slug="bench", name="Bench")
    env = Environment(workspace=ws, name="production")
    db.session.add_all([ws, env])
    db.session.flush()
    people = synthetic.people(contacts // len(synthetic.GROUPS))
    for i in range(0, len(people), 5000):
        db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": e,
                                              "attributes": {}} for e, _ in people[i:i + 5000]])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    batch: list[dict[str, Any]] = []
    n = 0
    for row in synthetic.events(env.id, {e: ids[e] for e, _ in people}, dict(people), end):
        batch.append(row)
        if len(batch) >= 10000:
            db.session.execute(insert(Event), batch)
            n += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(Event), batch)
        n += len(batch)
    db.session.commit()
    print(f"  {len(people):,} contacts, {n:,} events inserted")
    return env.id, {ids[e]: g for e, g in people}


def bench(url: str | None, label: str, contacts: int) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from threadpoolctl import threadpool_limits

    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.models import utcnow
    from surveyapp.segments import features, methods

    with tempfile.TemporaryDirectory() as tmp:
        config: dict[str, Any] = {"data_dir": tmp, "secret_key": "b" * 48, "env": "testing"}
        if url:
            config["database_url"] = url
        app = create_app(config)
        with app.app_context():
            db.create_all()
            end = utcnow()
            print(f"{label}:")
            env_id, truth = populate(db, contacts, end)
            fs, sql_s, sql_mb = measure(lambda: features.extract(db.session, env_id, end, 90))
            base, pd_s, pd_mb = measure(lambda: pandas_features(db.session, env_id, end, 90))
            assert abs(base["events"].sum() - fs.frame["events"].sum()) < 1e-6
            print(f"  features: SQL {sql_s:.2f} s / {sql_mb:.0f} MB peak; pandas on raw events "
                  f"{pd_s:.2f} s / {pd_mb:.0f} MB; time ratio {pd_s / sql_s:.1f}x, memory ratio "
                  f"{pd_mb / max(sql_mb, 0.1):.1f}x in favour of SQL")
            x, _ = features.transform(fs.frame, fs.behaviour)
            with threadpool_limits(1):
                _, km_s, _ = measure(lambda: KMeans(4, n_init=3, random_state=0).fit(x))
            planted = [truth[c] for c in fs.frame.index]
            results, _ = methods.compare(x, fs.usage.to_numpy(), range(2, 8))
            print(f"  plain k-means (k=4) baseline: {km_s:.2f} s")
            for r in results.values():
                m = r.metrics
                print(f"  {r.title:36} {m['seconds']:7.2f} s  {m['seconds'] / km_s:7.1f}x baseline"
                      f"  clusters {m['clusters']}  noise {100 * m['noise_share']:.1f}%"
                      f"  ARI vs planted {adjusted_rand_score(planted, r.labels):.2f}")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        bench(None, "SQLite (embedded default)", args.contacts)
    if args.backend in ("postgres", "both"):
        from tests.services import create_database, drop_database, postgres_server

        with postgres_server() as admin:
            url = create_database(admin, "surveyapp_bench_segments")
            try:
                bench(url, "PostgreSQL", args.contacts)
            finally:
                drop_database(admin, "surveyapp_bench_segments")


if __name__ == "__main__":
    main()
