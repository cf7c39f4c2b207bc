"""Decision latency of personalization at 1,000 requests/s, against a bare Flask endpoint
in the same run.

    .venv/bin/python bench/personalization.py [--rate 1000] [--seconds 15] [--visitors 2000] [--workers 4] [--backend sqlite|postgres|both]

For each database, two gunicorn servers run on loopback with the production settings
(``deploy/gunicorn.conf.py``: sync workers, ``--workers`` of them, 2 per core as the docs
recommend; the access log to /dev/null and no worker recycling during the short run):
  * baseline: a bare Flask endpoint that reads one JSON row by key and returns it;
  * surveyapp's own ``GET /api/v1/workspace`` (the secret key's check alone);
  * surveyapp: ``GET /api/v1/personalize?slot=...&user=...`` (secret key: the slot and
    its live version, the person's contacts, consent checks, the rules -- page, an
    attribute, "did X in the last 7 days", a segment -- the holdout hash and the
    exposure, queued for the batched writer), and the widget's
    ``POST /api/v1/client/<key>/personalize/<slot>`` for anonymous visitors by page and
    attributes (its exposure written in the request).
Each is offered open-loop at ``--rate`` per second for ``--seconds`` (each request at its
scheduled time, whatever the answers before it did) by an asyncio generator in one
process (a new connection per request, as gunicorn's sync workers close each one; at
most 512 in flight), from ``--visitors`` of the 2,000 users with events and attributes.
Printed per endpoint: the achieved rate, **server time** p50/p95/p99 (the app's own
``Server-Timing: app;dur=`` header, from the request's start in Flask to its answer),
the **client round trip** p50/p95/p99 (from the scheduled send to the answer's end, so
queueing anywhere counts), errors, and the ratio of p50s to the bare endpoint's. After
the run the exposures in the database are counted against the distinct (visitor,
version) pairs asked (each must be stored exactly once). Target: server p50 <= 20 ms at
1,000/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import database_urls  # noqa: E402

from tests.services import free_port  # noqa: E402

BASELINE_APP = '''
import os, time
from flask import Flask, g, jsonify
from sqlalchemy import create_engine, event, text
engine = create_engine(os.environ["BENCH_DB"])
if engine.dialect.name == "sqlite":
    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
app = Flask(__name__)

@app.before_request
def _start():
    g.t0 = time.perf_counter()

@app.after_request
def _timing(resp):  # the same Server-Timing measurement as surveyapp's endpoints
    resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.t0) * 1000:.2f}"
    return resp

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


MAX_IN_FLIGHT = 512


@contextmanager
def server(app_spec: str, env: dict[str, str], cwd: Path, workers: int) -> Iterator[int]:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "--max-requests", "0", "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                asyncio.run(_one(port, b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"))
                break
            except OSError as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start: "
                                       f"{proc.stderr.read().decode() if proc.stderr else ''}"
                                       ) from exc
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _one(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    data = await reader.read()  # the sync worker closes the connection after its answer
    writer.close()
    return data


def request_bytes(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def offer(port: int, requests: list[bytes], rate: float) -> dict[str, Any]:
    """Send request i at start + i / rate (open loop), at most MAX_IN_FLIGHT at once."""
    client: list[float] = []
    srv: list[float] = []
    errors: list[str] = []

    async def one(raw: bytes, due: float, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                data = await _one(port, raw)
            except OSError as exc:
                errors.append(repr(exc))
                return
        client.append(time.perf_counter() - due)
        head, _, _ = data.partition(b"\r\n\r\n")
        status = head[9:12]
        if status != b"200":
            errors.append(head[:200].decode(errors="replace"))
        marker = head.find(b"Server-Timing: app;dur=")
        if marker >= 0:
            end = head.find(b"\r\n", marker)
            srv.append(float(head[marker + 23:end if end >= 0 else None]) / 1000)

    async def run() -> float:
        gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        start = time.perf_counter() + 0.2
        tasks = []
        for i, raw in enumerate(requests):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.ensure_future(one(raw, due, gate)))
        await asyncio.gather(*tasks)
        return time.perf_counter() - start

    elapsed = asyncio.run(run())

    def pct(values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        values = sorted(values)
        return values[min(int(len(values) * q), len(values) - 1)] * 1000

    return {"rps": len(client) / elapsed, "n": len(requests), "errors": len(errors),
            "error": errors[0] if errors else "",
            **{f"c{q}": pct(client, q / 100) for q in (50, 95, 99)},
            **{f"s{q}": pct(srv, q / 100) for q in (50, 95, 99)}}


def count_exposures(db_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM personalization_exposure")).scalar() or 0)
    engine.dispose()
    return n


def bench_backend(name: str, db_url: str, seconds: float, rate: float, visitors: int,
                  workers: int) -> None:
    key, secret = prepare(db_url)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "baseline_app.py").write_text(BASELINE_APP)
    app_env = {"SURVEYAPP_DATABASE_URL": db_url, "SURVEYAPP_DATA_DIR": str(tmp),
               "SURVEYAPP_COLLECT_RATE_LIMIT": "100000000 per minute",
               "SURVEYAPP_LOG_LEVEL": "WARNING"}
    n = int(rate * seconds)
    rng = random.Random(n)
    auth = {"Authorization": f"Bearer {secret}"}
    users = [rng.randrange(visitors) for _ in range(n)]
    server_reqs = [request_bytes("GET", f"/api/v1/personalize?slot=onboarding_tip&user=u_{u}"
                                 f"&page={rng.choice(PAGES)}", None, auth) for u in users]
    anons = [rng.randrange(visitors) for _ in range(n)]
    client_reqs = [request_bytes(
        "POST", f"/api/v1/client/{key}/personalize/onboarding_tip",
        (f'{{"anonymous_id": "anon-{a:08d}", "page": "{rng.choice(PAGES)}", '
         f'"attributes": {{"plan": "{rng.choice(PLANS)}"}}}}').encode(),
        {"Content-Type": "application/json"}) for a in anons]
    baseline = [request_bytes("GET", "/decide/onboarding_tip", None, {})] * n
    keyed = [request_bytes("GET", "/api/v1/workspace", None, auth)] * n
    results: dict[str, dict[str, Any]] = {}
    load: dict[str, str] = {}
    with ExitStack() as stack:
        raw_url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
        base_port = stack.enter_context(server("baseline_app:app", {"BENCH_DB": raw_url}, tmp,
                                               workers))
        app_port = stack.enter_context(server("wsgi:app", app_env, ROOT, workers))
        offer(base_port, baseline[:200], 100)  # warm up: imports, pools (not the caches)
        offer(app_port, keyed[:200], 100)
        for label, port, reqs in (("baseline", base_port, baseline), ("keyed", app_port, keyed),
                                  ("server", app_port, server_reqs),
                                  ("client", app_port, client_reqs)):
            load[label] = Path("/proc/loadavg").read_text().split()[0]
            t0 = os.times()
            results[label] = offer(port, reqs, rate)
            t1 = os.times()
            results[label]["gen_cpu"] = (t1.user - t0.user) + (t1.system - t0.system)
        time.sleep(1.0)  # the exposure writer's last batches
    stored = count_exposures(db_url)
    expected = len(set(users)) + len(set(anons))  # one live version: one per visitor
    b = results["baseline"]
    print(f"\n[{name}] {n} requests per endpoint offered at {rate:.0f}/s for {seconds:.0f} s, "
          f"from {visitors} visitors; gunicorn -w {workers} (sync), loopback, "
          "asyncio generator in one process")
    print(f"  {'endpoint':40} {'achieved':>9} {'server p50/p95/p99 ms':>24} "
          f"{'round trip p50/p95/p99 ms':>28} {'errors':>6}  p50 vs bare (server / rt)  load  gen CPU s")
    for label, text_ in (("baseline", "bare Flask (one SELECT)"),
                         ("keyed", "GET /api/v1/workspace (key check only)"),
                         ("server", "GET /api/v1/personalize (users)"),
                         ("client", "POST client personalize (anonymous)")):
        r = results[label]
        ratio = (f"x{r['s50'] / b['s50']:.1f} / x{r['c50'] / b['c50']:.1f}"
                 if r['s50'] == r['s50'] else f"- / x{r['c50'] / b['c50']:.1f}")
        print(f"  {text_:40} {r['rps']:7.0f}/s {r['s50']:8.1f}{r['s95']:8.1f}{r['s99']:8.1f} "
              f"{r['c50']:10.1f}{r['c95']:9.1f}{r['c99']:9.1f} {int(r['errors']):6d}  "
              f"{ratio:>22}  {load[label]:>5}  {r['gen_cpu']:.1f}"
              + (f"  e.g. {r['error'][:80]!r}" if r['errors'] else ""))
    print(f"  exposures stored {stored}, distinct visitors asked {expected} "
          f"({'exactly once each' if stored == expected else 'MISMATCH'})")
    print("  target: server p50 <= 20 ms at 1,000/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--visitors", type=int, default=USERS,
                        help=f"how many of the {USERS} users (and anonymous ids) are asked for")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for label, url in database_urls(args.backend):
        bench_backend(label, url, args.seconds, args.rate, min(max(args.visitors, 1), USERS),
                      args.workers)


if __name__ == "__main__":
    main()
