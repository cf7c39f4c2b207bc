"""Decision latency of personalization at a bounded request rate, against a bare Flask
endpoint in the same run.

    .venv/bin/python bench/personalization.py [--rate 20] [--requests 1000] [--visitors 2000] [--backend sqlite|postgres|both]

For each database, two gunicorn servers (``-w 2``, as bench/ingest.py) run on loopback:
  * baseline: a bare Flask endpoint that reads one JSON row by key and returns it;
  * surveyapp's own ``GET /api/v1/workspace`` (the secret key's check and last-use
    write, nothing else), to tell the key check from the decision;
  * surveyapp: ``GET /api/v1/personalize?slot=...&user=...`` (secret key: the key's
    look-up and last-use write, the slot and its live version, the person's contacts,
    consent checks, the rules -- page, an attribute, "did X in the last 7 days", a
    segment -- the holdout hash and the idempotent exposure write), and the widget's
    ``POST /api/v1/client/<key>/personalize/<slot>`` for anonymous visitors by page and
    attributes.
Requests are sent open-loop at ``--rate`` per second (each at its scheduled time, so a
slow answer does not slow the sender) from ``--visitors`` of the 2,000 users with events
and attributes (fewer visitors: each is asked more often, as a product asks on every page
view; repeats within 30 s are answered by the per-visitor decision cache). Latency is
from the request's send to the end of its answer on loopback: server time plus a
loopback round trip, an upper bound of the server time. Printed: p50/p99 of each and the
ratio to the baseline (target: p50 <= 20 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import database_urls  # noqa: E402
from ingest import running  # noqa: E402

BASELINE_APP = '''
import os
from flask import Flask, jsonify
from sqlalchemy import create_engine, event, text
engine = create_engine(os.environ["BENCH_DB"])
if engine.dialect.name == "sqlite":
    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
app = Flask(__name__)

@app.get("/decide/<key>")
def decide(key):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT body FROM bench_slot WHERE key = :k"), {"k": key}).first()
    return jsonify({"slot": key, "payload": row[0] if row else None})
'''

USERS = 2000
PLANS = ["free", "pro", "team"]
PAGES = ["/home", "/pricing", "/docs/start", "/settings"]


def prepare(db_url: str) -> tuple[str, str]:
    """A workspace with a live slot, 2,000 contacts with attributes and events, a segment;
    returns (public key, secret API key)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.models import Contact, Event, utcnow
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
    from surveyapp.personalization import service
    from surveyapp.workspaces import services

    app = create_app({"database_url": db_url, "data_dir": Path(tempfile.mkdtemp())})
    with app.app_context():
        upgrade()
        user = services.create_user(db.session, "bench@example.com", "Bench", "bench-password-1")
        ws = services.create_workspace(db.session, "Bench", user)
        db.session.flush()
        env = ws.environments[0]
        rng = random.Random(23)
        db.session.execute(insert(Contact), [
            {"environment_id": env.id, "external_id": f"u_{i}",
             "attributes": {"plan": rng.choice(PLANS), "seats": rng.randint(1, 50)}}
            for i in range(USERS)])
        ids = list(db.session.scalars(select(Contact.id).where(Contact.environment_id == env.id)))
        now = utcnow()
        db.session.execute(insert(Event), [
            {"environment_id": env.id, "contact_id": cid, "name": rng.choice(["export", "view", "invite"]),
             "occurred_at": now - dt.timedelta(hours=rng.randint(1, 24 * 30)), "received_at": now,
             "properties": {}} for cid in ids for _ in range(10)])
        run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=now,
                         status="saved", saved_at=now)
        db.session.add(run)
        db.session.flush()
        seg = Segment(workspace_id=ws.id, run_id=run.id, key="power", name="Power users", label=0)
        db.session.add(seg)
        db.session.flush()
        db.session.execute(insert(SegmentMember), [{"segment_id": seg.id, "contact_id": c}
                                                   for c in ids[::5]])
        slot = service.create_slot(db.session, ws, key="onboarding_tip", name="Onboarding tip")
        service.save_draft(db.session, slot, {
            "schema": {"type": "object", "required": ["title"],
                       "properties": {"title": {"type": "string"}}},
            "variants": {"basic": {"title": "Start here"}, "export": {"title": "Try exports"},
                         "pricing": {"title": "Compare plans"}, "team": {"title": "Invite your team"}},
            "default": "basic",
            "rules": [{"if": [{"page": "/pricing"}], "then": "pricing"},
                      {"if": [{"segment": "power"}, {"event": "export", "days": 7}], "then": "export"},
                      {"if": [{"attribute": "plan", "op": "eq", "value": "team"}], "then": "team"}],
            "holdout_percent": 10, "goal_event": "export", "goal_window_hours": 168})
        service.publish(db.session, slot, None)
        secret = services.create_api_key(db.session, ws, "bench", user)
        db.session.execute(text("CREATE TABLE bench_slot (key VARCHAR(64) PRIMARY KEY, body TEXT)"))
        db.session.execute(text("INSERT INTO bench_slot VALUES ('onboarding_tip', "
                                "'{\"title\": \"Start here\"}')"))
        db.session.commit()
        key = env.client_key
        db.session.remove()
        db.engine.dispose()
    return key, secret


def paced(port: int, requests: list[tuple[str, str, bytes | None, dict[str, str]]],
          rate: float, threads: int = 16) -> dict[str, float]:
    """Send each request at start + i / rate; latency from its send to its answer's end."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    nxt = [0]
    start = time.perf_counter() + 0.2

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(requests):
                break
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            method, path, body, headers = requests[i]
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200:
                with lock:
                    errors.append(f"{resp.status} {path}")
        conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000}


def bench_backend(name: str, db_url: str, n: int, rate: float, visitors: int = USERS) -> None:
    key, secret = prepare(db_url)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "baseline_app.py").write_text(BASELINE_APP)
    app_env = {"SURVEYAPP_DATABASE_URL": db_url, "SURVEYAPP_DATA_DIR": str(tmp),
               "SURVEYAPP_COLLECT_RATE_LIMIT": "1000000 per minute", "SURVEYAPP_LOG_LEVEL": "WARNING"}
    rng = random.Random(n)
    auth = {"Authorization": f"Bearer {secret}"}
    server = [("GET", f"/api/v1/personalize?slot=onboarding_tip&user=u_{rng.randrange(visitors)}"
                      f"&page={rng.choice(PAGES)}", None, auth) for _ in range(n)]
    client = [("POST", f"/api/v1/client/{key}/personalize/onboarding_tip",
               (f'{{"anonymous_id": "anon-{rng.randrange(visitors):08d}", "page": "{rng.choice(PAGES)}", '
                f'"attributes": {{"plan": "{rng.choice(PLANS)}"}}}}').encode(),
               {"Content-Type": "application/json"}) for _ in range(n)]
    baseline = [("GET", "/decide/onboarding_tip", None, {}) for _ in range(n)]
    keyed = [("GET", "/api/v1/workspace", None, auth) for _ in range(n)]
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        raw_url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
        base_port = stack.enter_context(running("baseline_app:app", {"BENCH_DB": raw_url}, cwd=tmp))
        app_port = stack.enter_context(running("wsgi:app", app_env, cwd=ROOT))
        paced(base_port, baseline[:100], rate)  # warm up: imports, pools
        paced(app_port, server[:50] + client[:50], rate)
        results["baseline"] = paced(base_port, baseline, rate)
        results["keyed"] = paced(app_port, keyed, rate)
        results["server"] = paced(app_port, server, rate)
        results["client"] = paced(app_port, client, rate)
    b = results["baseline"]
    print(f"\n[{name}] {n} requests each at {rate:.0f}/s from {visitors} visitors, "
          "gunicorn -w 2, loopback")
    for label, text_ in (("baseline", "bare Flask (one SELECT)"),
                         ("keyed", "GET /api/v1/workspace (key check only)"),
                         ("server", "GET /api/v1/personalize (users)"),
                         ("client", "POST client personalize (anonymous)")):
        r = results[label]
        print(f"  {text_:38} p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"({r['rps']:.0f} req/s; p50 x{r['p50'] / b['p50']:.1f} baseline)")
    print("  target: p50 <= 20 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--visitors", type=int, default=USERS,
                        help=f"how many of the {USERS} users (and anonymous ids) are asked for")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for label, url in database_urls(args.backend):
        bench_backend(label, url, args.requests, args.rate, min(max(args.visitors, 1), USERS))

if __name__ == "__main__":
    main()
