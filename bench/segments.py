"""Segment features in SQL vs pandas on the raw events, and clustering time per method.

    .venv/bin/python bench/segments.py [--contacts 20000] [--events-per-contact 77]
                                       [--backend sqlite|postgres|both]

The issue's size is ``--contacts 100000 --events-per-contact 100`` (10M events).
For each database: synthetic contacts with planted behaviour (surveyapp/segments/
synthetic.py, about 77 events per contact unless told otherwise) are bulk-inserted, then

  * features: ``surveyapp.segments.features.extract`` (GROUP BY in the database) against
    a baseline that loads the window's raw events into pandas and computes the same
    activity and usage features there; time and peak resident memory added by each step
    (Linux high-water mark, reset before each), and their ratio;
  * segmentation: every method of ``methods.compare`` on those features, as a ratio to
    one plain k-means fit (k=4) on the same matrix, plus the adjusted Rand index against
    the planted groups.

PostgreSQL is found or started as in the tests (tests/services.py).

    .venv/bin/python bench/segments.py --real [--grocery CSV] [--helpdesk XES.GZ]

``--real`` instead compares, on real public logs, the product's **recommended**
segmentation with an **analyst's RFM + k-means baseline** (k = 2 and 3) and with every
method of the run, by purity against a label no method sees: whether a customer came back
(bought, or opened a ticket, more than once) or not. Each log goes through the real
importer into a fresh SQLite database and through ``service.compute`` over its whole
period:

  * the BTYDplus online-grocery log (tests/fixtures/segments/btydplus_grocery_elog.csv,
    1,525 customers, 36% buy once), imported as orders;
  * the Helpdesk ticket log of an Italian software company (4,580 tickets, 21,348 events,
    397 customers, 22% with one ticket), imported as events with the ticket as the
    session: ``git -C <pm4py/pm4py-core snapshot> show
    HEAD:tests/input_data/helpdesk.xes.gz > helpdesk.xes.gz`` (skipped without the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MB of resident memory above what the process held before).

    The kernel's high-water mark (VmHWM) is reset first (``/proc/self/clear_refs``), so the
    peak is this step's own, and it sees everything: Python objects, numpy/pandas buffers,
    the SQLite library's cache.
    """
    release_memory()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    return out, seconds, _status_mb("VmHWM") - before


def log(message: str) -> None:
    """Progress with the wall clock and the process's peak resident memory (since the last
    ``measure`` reset it)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  [{dt.datetime.now():%H:%M:%S}, peak RSS {peak:,.0f} MB] {message}", flush=True)


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


EVENT_COLUMNS = "environment_id, contact_id, session_id, name, properties, occurred_at, received_at"
CHUNK = 500_000


def insert_events(conn: Any, env_id: int, frame: Any) -> None:
    """Bulk load through the driver (COPY on PostgreSQL, executemany on SQLite). Only the
    setup, not measured; events carry no sender id (``client_id``), as from a bulk import."""
    import numpy as np
    import pandas as pd

    at = pd.Series(np.datetime_as_string(frame["occurred_at"].to_numpy(), unit="us")
                   ).str.replace("T", " ", regex=False)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        out = pd.DataFrame({"env": env_id, "contact_id": frame["contact_id"],
                            "session_id": frame["session_id"], "name": frame["name"],
                            "properties": "{}", "at": at + "+00"})
        out["received"] = out["at"]
        with raw.cursor() as cur, cur.copy(
                f"COPY event ({EVENT_COLUMNS}) FROM STDIN (FORMAT csv)") as copy:
            for i in range(0, len(out), CHUNK):
                copy.write(out.iloc[i:i + CHUNK].to_csv(header=False, index=False))
                log(f"{min(i + CHUNK, len(out)):,} events copied")
        return
    # SQLite's default 2 MB page cache makes a 10M-row load with five indexes crawl; the
    # bigger cache is for the load only and put back before anything is measured.
    default_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size = -2000000")
    stmt = (f"INSERT INTO event ({EVENT_COLUMNS}) VALUES ({int(env_id)}, ?, ?, ?, '{{}}', ?, ?)")
    cids, sids, names = (frame[c].tolist() for c in ("contact_id", "session_id", "name"))
    ats = at.tolist()
    for i in range(0, len(ats), CHUNK):
        j = i + CHUNK
        conn.exec_driver_sql(stmt, list(zip(cids[i:j], sids[i:j], names[i:j], ats[i:j],
                                            ats[i:j], strict=True)))
        log(f"{min(j, len(ats)):,} events inserted")
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(default_cache)}")


def release_memory() -> None:
    """Give freed heap back to the OS, so the next step's peak RSS is its own."""
    import ctypes
    import gc

    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def populate(db: Any, contacts: int, per_contact: float, end: dt.datetime
             ) -> tuple[int, dict[int, str]]:
    from sqlalchemy import insert, select

    from surveyapp.models import Contact, Workspace
    from surveyapp.models.workspace import Environment
    from surveyapp.segments import synthetic

    log(f"inserting {contacts:,} contacts and their events")
    ws = Workspace(slug="bench", name="Bench")
    env = Environment(workspace=ws, name="production")
    db.session.add_all([ws, env])
    db.session.flush()
    people = synthetic.people(contacts // len(synthetic.GROUPS))
    for i in range(0, len(people), 5000):
        db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": e,
                                              "attributes": {}} for e, _ in people[i:i + 5000]])
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id)).all())
    truth = {ids[e]: g for e, g in people}
    frame = synthetic.event_frame(truth, end, scale=per_contact / synthetic.mean_events())
    log(f"{len(frame):,} events generated")
    insert_events(db.session.connection(), env.id, frame)
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE")  # as autovacuum/an admin would
    db.session.commit()
    n = len(frame)
    del frame
    release_memory()
    log(f"{len(people):,} contacts, {n:,} events inserted")
    return env.id, truth


def bench(url: str | None, label: str, contacts: int, per_contact: float) -> None:
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
            print(f"{label}:", flush=True)
            env_id, truth = populate(db, contacts, per_contact, end)
            fs, sql_s, sql_mb = measure(lambda: features.extract(db.session, env_id, end, 90))
            log(f"SQL features done in {sql_s:.1f} s")
            base, pd_s, pd_mb = measure(lambda: pandas_features(db.session, env_id, end, 90))
            log(f"pandas features done in {pd_s:.1f} s")
            assert abs(base["events"].sum() - fs.frame["events"].sum()) < 1e-6
            print(f"  features: SQL {sql_s:.2f} s / {sql_mb:.0f} MB peak RSS; pandas on raw events "
                  f"{pd_s:.2f} s / {pd_mb:.0f} MB; time ratio {pd_s / sql_s:.1f}x, memory ratio "
                  f"{pd_mb / max(sql_mb, 1):.0f}x in favour of SQL (SQL peak counted as >= 1 MB)", flush=True)
            del base
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
                      f"  ARI vs planted {adjusted_rand_score(planted, r.labels):.2f}", flush=True)
            log("segmentation done")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# ----------------------------------------------------------------------------- real logs
def purity(labels: Any, truth: Any) -> float:
    """Share of contacts in their cluster's majority class (noise, -1, is one group)."""
    import numpy as np

    labels, truth = np.asarray(labels), np.asarray(truth)
    return float(sum(np.bincount(truth[labels == c]).max() for c in set(labels.tolist()))
                 / len(labels))


def analyst_rfm(frame: Any, ks: tuple[int, ...] = (2, 3)) -> dict[int, Any]:
    """What an analyst does with a purchase log: recency (days since the last purchase),
    frequency (purchases) and monetary value (their total, when the log has amounts),
    log1p on frequency and money, z-scores, k-means (10 starts) at k = 2 and 3."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    cols = [np.asarray(frame["recency"], float), np.log1p(np.asarray(frame["frequency"], float))]
    if "monetary" in frame and frame["monetary"].nunique() > 1:
        cols.append(np.log1p(np.asarray(frame["monetary"], float)))
    x = StandardScaler().fit_transform(np.column_stack(cols))
    return {k: KMeans(k, n_init=10, random_state=0).fit_predict(x) for k in ks}


def grocery_log(path: Path) -> tuple[str, list[dict[str, Any]], Any]:
    """(kind, rows to import, per-customer RFM frame) of the BTYDplus grocery log."""
    import pandas as pd

    raw = pd.read_csv(path, dtype={"user_id": str})
    rows = [{"user_id": u, "order_id": f"{u}-{t}", "timestamp": t, "amount": 0}
            for u, t in zip(raw["user_id"], raw["timestamp"], strict=True)]
    at = pd.to_datetime(raw["timestamp"], utc=True)
    end = at.max() + pd.Timedelta(days=1)
    by = at.groupby(raw["user_id"])
    rfm = pd.DataFrame({"recency": (end - by.max()).dt.days, "frequency": by.size()})
    return "orders", rows, rfm


def helpdesk_log(path: Path) -> tuple[str, list[dict[str, Any]], Any]:
    """(kind, rows, RFM frame) of the Helpdesk log: one event per XES event, the customer
    of the ticket's first event as the user, the ticket as the session."""
    import gzip
    import xml.etree.ElementTree as ET

    import pandas as pd

    ns = "{http://www.xes-standard.org/}"
    rows: list[dict[str, Any]] = []
    with gzip.open(path) as f:
        for _, trace in ET.iterparse(f, events=("end",)):
            if trace.tag != ns + "trace":
                continue
            case = next(a.get("value") for a in trace if a.get("key") == "concept:name")
            events = [{a.get("key"): a.get("value") for a in ev}
                      for ev in trace.findall(ns + "event")]
            customer = events[0].get("customer")
            for ev in events:
                rows.append({"user_id": customer, "timestamp": ev["time:timestamp"],
                             "event": ev["concept:name"], "session_id": case,
                             "event_id": f"{case}-{len(rows)}"})
            trace.clear()
    raw = pd.DataFrame(rows)
    at = pd.to_datetime(raw["timestamp"], utc=True)
    end = at.max() + pd.Timedelta(days=1)
    rfm = pd.DataFrame({"recency": (end - at.groupby(raw["user_id"]).max()).dt.days,
                        "frequency": raw.groupby("user_id")["session_id"].nunique(),
                        "monetary": raw.groupby("user_id").size()})  # events: the effort
    return "events", rows, rfm


def as_events(log: tuple[str, list[dict[str, Any]], Any]) -> tuple[str, list[dict[str, Any]], Any]:
    """A purchase log's orders as events named ``purchase`` (one name, no sessions), as a
    purchase log exported to an analytics tool looks."""
    _, rows, rfm = log
    return "events", [{"user_id": r["user_id"], "timestamp": r["timestamp"],
                       "event": "purchase", "event_id": r["order_id"]} for r in rows], rfm


def as_orders(log: tuple[str, list[dict[str, Any]], Any]) -> tuple[str, list[dict[str, Any]], Any]:
    """An event log's sessions as orders (worth 0, at the session's first event): the
    repeat-transaction view an analyst's RFM takes of a ticket log."""
    _, rows, rfm = log
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["session_id"] not in first or r["timestamp"] < first[r["session_id"]]["timestamp"]:
            first[r["session_id"]] = {"user_id": r["user_id"], "order_id": r["session_id"],
                                      "timestamp": r["timestamp"], "amount": 0}
    return "orders", list(first.values()), rfm


def real_log(label: str, kind: str, rows: list[dict[str, Any]], rfm: Any,
             also: tuple[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Import ``rows`` as ``kind`` (and ``also``: another kind's rows), compute a run over
    the whole log and score every method and the analyst's baseline."""
    import csv

    from sqlalchemy import select

    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.models import Contact, Workspace
    from surveyapp.models.workspace import Environment
    from surveyapp.segments import imports, service

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"data_dir": tmp, "secret_key": "b" * 48, "env": "testing"})
        with app.app_context():
            db.create_all()
            ws = Workspace(slug="bench", name="Bench")
            env = Environment(workspace=ws, name="production")
            db.session.add_all([ws, env])
            db.session.flush()
            import_s = 0.0
            for what, lines in ((kind, rows), *([also] if also else [])):
                path = Path(tmp) / f"{what}.csv"
                with path.open("w", newline="") as f:
                    w = csv.DictWriter(f, fieldnames=list(lines[0]))
                    w.writeheader()
                    w.writerows(lines)
                _, took, _ = measure(lambda what=what, path=path: imports.import_file(
                    db.session, env.id, what, path, "csv"))
                import_s += took
                db.session.commit()
            span = service.data_span(db.session, env.id)
            assert span is not None
            run = service.new_run(db.session, ws.id, env.id, None, start=span[0].replace(
                hour=0, minute=0, second=0))
            _, compute_s, _ = measure(lambda: service.compute(db.session, run))
            external = dict(db.session.execute(select(Contact.id, Contact.external_id)).all())
            ids = [external[c] for c in run.result["contact_ids"]]
            truth = (rfm["frequency"].reindex(ids) > 1).astype(int).to_numpy()
            baseline = analyst_rfm(rfm.reindex(ids))
            out = {"log": label, "contacts": len(ids), "returning": float(truth.mean()),
                   "import_s": import_s, "compute_s": compute_s,
                   "recommended": run.result["recommended"], "features": run.result["features"],
                   "analyst": {k: purity(v, truth) for k, v in baseline.items()},
                   "methods": {}}
            for key, m in run.result["methods"].items():
                if m["status"] != "ok":
                    out["methods"][key] = {"status": m["status"], "reason": m["reason"]}
                    continue
                q = m["metrics"]
                out["methods"][key] = {
                    "purity": purity(m["labels"], truth), "clusters": q["clusters"],
                    "silhouette": q["silhouette"], "stability": q.get("stability_ari"),
                    "gap": q.get("separation_gap"),
                    "davies_bouldin": q.get("davies_bouldin"),
                    "calinski_harabasz": q.get("calinski_harabasz"),
                    "noise": q["noise_share"], "k": m["params"].get("k")}
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    return out


def report_real(out: dict[str, Any]) -> None:
    best = max(out["analyst"].values())
    rec = out["methods"][out["recommended"]]["purity"]
    print(f"{out['log']}: {out['contacts']:,} customers, {100 * out['returning']:.0f}% "
          f"came back; import {out['import_s']:.1f} s, all methods {out['compute_s']:.1f} s")
    print(f"  features: {', '.join(out['features'])}")
    for k, p in out["analyst"].items():
        print(f"  analyst RFM + k-means, k={k}: purity {p:.3f}")
    for key, m in out["methods"].items():
        if "purity" not in m:
            print(f"  {key:10} {m['status']}: {m['reason']}")
            continue
        mark = "  <- recommended" if key == out["recommended"] else ""
        print(f"  {key:10} purity {m['purity']:.3f}  clusters {m['clusters']}  silhouette "
              f"{m['silhouette']} (gap {m['gap']})  DB {m['davies_bouldin']}  "
              f"CH {m['calinski_harabasz']}  "
              f"stability {m['stability']}  noise "
              f"{100 * m['noise']:.1f}%{mark}")
    print(f"  recommended / best analyst purity: {rec:.3f} / {best:.3f} = {rec / best:.2f}x",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--events-per-contact", type=float, default=None,
                        help="average events per contact (default: the generator's, about 77)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--real", action="store_true",
                        help="compare the recommended segmentation with an analyst's RFM + "
                             "k-means on real logs instead")
    parser.add_argument("--grocery", type=Path, default=ROOT / "tests" / "fixtures" / "segments"
                        / "btydplus_grocery_elog.csv")
    parser.add_argument("--helpdesk", type=Path, default=Path("helpdesk.xes.gz"))
    args = parser.parse_args()
    if args.real:
        grocery = grocery_log(args.grocery)
        report_real(real_log("BTYDplus online grocery (orders)", *grocery))
        report_real(real_log("BTYDplus online grocery as events (one name, no sessions)",
                             *as_events(grocery)))
        report_real(real_log("BTYDplus online grocery as events and as orders", *grocery,
                             also=as_events(grocery)[:2]))
        if args.helpdesk.exists():
            helpdesk = helpdesk_log(args.helpdesk)
            report_real(real_log("Helpdesk tickets as orders (ticket = order)",
                                 *as_orders(helpdesk)))
            report_real(real_log("Helpdesk tickets as events (ticket = session)", *helpdesk))
        else:
            print(f"{args.helpdesk} not found: the Helpdesk log is skipped (see --help)")
        return
    from surveyapp.segments import synthetic

    per_contact = args.events_per_contact or synthetic.mean_events()
    if args.backend in ("sqlite", "both"):
        bench(None, "SQLite (embedded default)", args.contacts, per_contact)
    if args.backend in ("postgres", "both"):
        from tests.services import create_database, drop_database, postgres_server

        name = f"surveyapp_bench_segments_{os.getpid()}"  # runs side by side never collide
        with postgres_server() as admin:
            url = create_database(admin, name)
            try:
                bench(url, "PostgreSQL", args.contacts, per_contact)
            finally:
                drop_database(admin, name)


if __name__ == "__main__":
    main()
