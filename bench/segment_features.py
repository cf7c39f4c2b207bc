"""Segment features (``segments.features.extract``, what a segment run computes first) on
DuckDB over the Parquet copy of the events, against pandas computing the same features
from the same copy, load included, at 10M events (#22, item 8: under 10 s).

    .venv/bin/python bench/segment_features.py                       # 10M events, SQLite
    .venv/bin/python bench/segment_features.py --events 1000000 --sql
    .venv/bin/python bench/segment_features.py --database-url postgresql+psycopg://...

The events are ``bench/experiments.py``'s (generated once into .cache/bench/, the copy
brought up to date first: setup, not measured): 166,666 contacts over 90 days at 10M. The
window is the data's last 90 days. DuckDB's time is the whole call a run makes: the
freshness check, the count that catches deletes, the per-contact aggregates, the contacts'
rows and attributes from the database and the feature frame. The baseline reads the
window's events from the same Parquet copy (``pandas.read_parquet`` with the time filter
pushed down) and computes the same activity and usage features (events, active days,
sessions, recency, per-name counts). ``--sql`` adds the SQL path (slow at 10M: minutes).
All must agree on the events and active days of every contact. Best of ``--rounds``,
interleaved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import experiments  # noqa: E402

DAYS = 90


def pandas_features(root: Path, start: dt.datetime, end: dt.datetime):
    """What a notebook would do: the window's events from the copy, features in pandas."""
    import pandas as pd

    raw = pd.read_parquet(root, columns=["contact_id", "occurred_at", "session_id", "name"],
                          filters=[("occurred_at", ">=", start), ("occurred_at", "<", end)])
    raw = raw[raw["contact_id"].notna()]
    raw["day"] = raw["occurred_at"].dt.floor("D")
    by = raw.groupby("contact_id")
    out = pd.DataFrame({"events": by.size(), "active_days": by["day"].nunique(),
                        "sessions": by["session_id"].nunique(),
                        "recency_days": (end - by["occurred_at"].max()).dt.total_seconds() / 86400})
    usage = raw.groupby(["contact_id", "name"]).size().unstack(fill_value=0)
    for name in usage.sum().sort_values(ascending=False).index[:12]:
        out[f"share:{name}"] = usage[name] / out["events"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sql", action="store_true", help="also time the SQL path")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    app, _ = experiments.build(args.database_url, args.events)

    from sqlalchemy import func, select

    from surveyapp.extensions import db
    from surveyapp.models import Environment, Event
    from surveyapp.segments import features

    with app.app_context():
        session = db.session
        print(f"{args.events:,} events on {db.engine.dialect.name}; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        store, _ = experiments.columnar_copy(session)
        env_id = session.scalar(select(Environment.id))
        last = session.scalar(select(func.max(Event.occurred_at)))
        end = last.replace(microsecond=0) + dt.timedelta(seconds=1)
        start = end - dt.timedelta(days=DAYS)
        contenders = {"DuckDB": lambda: features.extract(session, env_id, end, DAYS,
                                                         engine="duckdb")}
        if args.sql:
            contenders["SQL"] = lambda: features.extract(session, env_id, end, DAYS,
                                                         engine="sql")
        contenders["pandas reading the Parquet copy"] = lambda: pandas_features(
            store.root, start, end)
        best = dict.fromkeys(contenders, float("inf"))
        cpu = dict.fromkeys(contenders, float("inf"))
        results = {}
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                results[name], took, used = experiments.cpu_timed(fn)
                best[name] = min(best[name], took)
                cpu[name] = min(cpu[name], used)
        ours = results["DuckDB"].frame
        base = results["pandas reading the Parquet copy"]
        for col in ("events", "active_days"):
            assert (ours[col].reindex(base.index) == base[col]).all(), col
        if "SQL" in results:
            sql = results["SQL"].frame
            assert (sql[["events", "active_days"]] == ours[["events", "active_days"]]).all().all()
        print(f"segment features over {DAYS} days: {len(ours):,} contacts, "
              f"{int(ours['events'].sum()):,} events, {len(results['DuckDB'].behaviour)} "
              "behaviour features")
        for name in contenders:
            ratio = best["pandas reading the Parquet copy"] / best[name]
            print(f"  {name}: {best[name]:.2f}s, {cpu[name]:.2f} CPU-s ({ratio:.1f}x faster "
                  f"than pandas; in CPU {cpu['pandas reading the Parquet copy'] / cpu[name]:.1f}x)")
        print(f"  [best of {args.rounds}, interleaved]")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
