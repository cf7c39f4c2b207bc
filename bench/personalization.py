"""Decision latency and throughput of personalization at 1,000 requests/s, against a bare
Flask endpoint in the same run.

    .venv/bin/python bench/personalization.py [--rate 1000] [--seconds 10] [--visitors 2000]
        [--backend sqlite|postgres|both] [--generator auto|wrk|asyncio] [--connections 64]
        [--workers N] [--worker-class sync|gthread] [--threads N]

For each database, two gunicorn servers run on loopback with the production settings
(``deploy/gunicorn.conf.py``, whose worker class, workers and threads ``--worker-class``,
``--workers`` and ``--threads`` override; the access log to /dev/null and no worker
recycling during the short run):
  * baseline: a bare Flask endpoint that reads one JSON row by key and returns it;
  * surveyapp's own ``GET /api/v1/workspace`` (the secret key's check, the workspace row);
  * surveyapp: ``GET /api/v1/personalize?slot=...&user=...`` (secret key: the slot and
    its live version, the person's contacts, consent checks, the rules -- page, an
    attribute, "did X in the last 7 days", a segment -- the holdout hash and the
    exposure, queued for the batched writer), and the widget's
    ``POST /api/v1/client/<key>/personalize/<slot>`` for anonymous visitors by page and
    attributes (its exposure written in the request).
Each is offered ``--rate`` requests per second for ``--seconds`` from ``--visitors`` of the
2,000 users with events and attributes, by one of two generators:
  * ``wrk`` (``apt-get install wrk``; the default when it is on PATH): one C thread,
    ``--connections`` keep-alive connections (a server that closes them, like sync
    workers, gets a new one per request), requests from a file varying the visitor and page
    (bench/load/personalize.lua), each sent at its scheduled time (start + i / rate) unless
    every connection is busy then -- how late the sends were is printed, so a generator
    or server that cannot keep up shows it. ``--rate 0``: as fast as the connections go,
    as with sync workers always (a paced connection, opened ahead of its send, would hold
    the sync worker that accepted it idle);
  * ``asyncio`` (the fallback): one Python process, a new connection per request, each at
    its scheduled time, at most 512 in flight; it uses most of a core at 1,000/s.
Printed per endpoint: the achieved rate, **server time** p50/p95/p99 (the app's own
``Server-Timing: app;dur=`` header, from the request's start in Flask to its answer),
the **round trip** p50/p95/p99 (asyncio: from the scheduled send, so queueing anywhere
counts; wrk: from the send on its connection, with the sends' lateness beside it),
errors, the ratio of p50s to the bare endpoint's, the load average, the generator's CPU
seconds, the server's (master and workers) CPU milliseconds per request and how many of
the machine's cores were busy (everything: generator, servers, PostgreSQL). After the run
the exposures in the database are counted against the distinct (visitor, version) pairs
asked (each must be stored exactly once). Target: server p50 <= 20 ms at 1,000/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
WRK_SCRIPT = ROOT / "bench" / "load" / "personalize.lua"


@dataclass(frozen=True)
class Serving:
    """How gunicorn runs; ``None`` keeps deploy/gunicorn.conf.py's value."""

    workers: int | None = None
    worker_class: str | None = None
    threads: int | None = None

    def args(self) -> list[str]:
        return [*(["-w", str(self.workers)] if self.workers else []),
                *(["-k", self.worker_class] if self.worker_class else []),
                *(["--threads", str(self.threads)] if self.threads else [])]

    def _conf(self) -> dict[str, Any]:
        conf: dict[str, Any] = {"__file__": str(GUNICORN_CONF), "__name__": "gunicorn_conf"}
        exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), conf)
        return conf

    def kind(self) -> str:
        return self.worker_class or str(self._conf().get("worker_class", "sync"))

    def describe(self) -> str:
        """What the servers run with: these overrides over the config file's values."""
        conf = self._conf()
        kind = self.kind()
        workers = self.workers or conf.get("workers", 1)
        threads = self.threads or conf.get("threads", 1)
        return f"gunicorn -w {workers} -k {kind}" + (f" --threads {threads}"
                                                     if kind == "gthread" else "")


@dataclass(frozen=True)
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time of the master and its workers so far (from /proc; 0 elsewhere)."""
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            if pid == self.pid or int(fields[1]) == self.pid:  # fields[1]: the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick


@contextmanager
def server(app_spec: str, env: dict[str, str], cwd: Path, serving: Serving) -> Iterator[Server]:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *serving.args(),
         "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "--max-requests", "0", "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                asyncio.run(_one(port, b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close"
                                       b"\r\n\r\n"))
                break
            except OSError as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{app_spec} did not start: "
                                       f"{proc.stderr.read().decode() if proc.stderr else ''}"
                                       ) from exc
                time.sleep(0.3)
        yield Server(port, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _one(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    data = await reader.read()  # every request says Connection: close
    writer.close()
    return data


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    visitor: str = ""  # whose exposure it stores ("" for none)

    def raw(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                 *(f"{k}: {v}" for k, v in self.headers.items())]
        if self.body is not None:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (self.body or b"")

    def tsv(self) -> str:
        """A line of bench/load/personalize.lua's request file."""
        headers = "\x1f".join(f"{k}: {v}" for k, v in self.headers.items())
        body = (self.body or b"").decode()
        assert "\t" not in self.path + headers + body and "\n" not in self.path + headers + body
        return f"{self.method}\t{self.path}\t{headers}\t{body}\n"


def pct(values: list[float], q: float) -> float:
    """The q-quantile of seconds, in ms (nan for none)."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(int(len(values) * q), len(values) - 1)] * 1000


def offer(port: int, requests: list[Req], rate: float) -> dict[str, Any]:
    """asyncio: send request i at start + i / rate (open loop), at most MAX_IN_FLIGHT at once,
    a new connection each."""
    client: list[float] = []
    srv: list[float] = []
    errors: list[str] = []
    raws = [r.raw() for r in requests]

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
        for i, raw in enumerate(raws):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.ensure_future(one(raw, due, gate)))
        await asyncio.gather(*tasks)
        return time.perf_counter() - start

    elapsed = asyncio.run(run())
    return {"rps": len(client) / elapsed, "n": len(requests), "errors": len(errors),
            "error": errors[0] if errors else "", "late": "",
            "asked": {r.visitor for r in requests if r.visitor},
            **{f"c{q}": pct(client, q / 100) for q in (50, 95, 99)},
            **{f"s{q}": pct(srv, q / 100) for q in (50, 95, 99)}}


def offer_wrk(port: int, requests: list[Req], rate: float, seconds: float,
              connections: int) -> dict[str, Any]:
    """wrk with bench/load/personalize.lua: ``requests`` in turn (round the list), each sent
    at its scheduled time on a free keep-alive connection (``rate`` 0: at once)."""
    tmp = Path(tempfile.mkdtemp())
    (tmp / "requests.tsv").write_text("".join(r.tsv() for r in requests))
    out = tmp / "out.txt"
    env = {**os.environ, "BENCH_REQUESTS": str(tmp / "requests.tsv"), "BENCH_OUT": str(out),
           "BENCH_RATE": str(rate), "BENCH_THREADS": "1"}
    proc = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
         "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    lines = out.read_text().splitlines()
    split = lines.index("server")
    kv = dict(line.split(" ", 1) for line in lines[:split])
    srv = [float(v) / 1000 for v in lines[split + 1:] if v]
    done, sent = int(kv["requests"]), int(kv["sent"])
    statuses = {k[7:]: int(v) for k, v in kv.items() if k.startswith("status_")}
    socket_errors = sum(int(kv[k]) for k in ("errors_connect", "errors_read", "errors_write",
                                             "errors_timeout"))
    bad = {code: n for code, n in statuses.items() if code != "200"}
    errors = socket_errors + sum(bad.values())
    shutil.rmtree(tmp, ignore_errors=True)
    # wrk's one thread sends requests[0], [1], ... round the list: the visitors of the first
    # ``sent`` requests were asked (the last few may have been cut off by the end of the run).
    asked = {requests[i % len(requests)].visitor for i in range(sent)} - {""}
    answered = {requests[i % len(requests)].visitor for i in range(done)} - {""}
    late_over = int(kv["late_over_10ms"])
    return {"rps": done / (int(kv["duration_us"]) / 1e6), "n": sent, "errors": errors,
            "error": (f"statuses {bad}" if bad else "") + (f" socket errors {socket_errors}"
                                                           if socket_errors else ""),
            "late": f"{100 * late_over / max(sent, 1):.0f}% sent >10 ms late, "
                    f"worst {float(kv['late_max_ms']):.0f} ms",
            "asked": asked, "answered": answered,
            **{f"c{q}": int(kv[f"latency_p{q}_us"]) / 1000 for q in (50, 95, 99)},
            **{f"s{q}": pct(srv, q / 100) for q in (50, 95, 99)}}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (all cores;
    zeros where there is none): whatever ran -- the generator, the servers, PostgreSQL,
    anyone else."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def count_exposures(db_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM personalization_exposure")).scalar() or 0)
    engine.dispose()
    return n


@dataclass(frozen=True)
class Load:
    rate: float
    seconds: float
    visitors: int
    generator: str  # wrk | asyncio
    connections: int


def bench_backend(name: str, db_url: str, load: Load, serving: Serving) -> None:
    key, secret = prepare(db_url)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "baseline_app.py").write_text(BASELINE_APP)
    app_env = {"SURVEYAPP_DATABASE_URL": db_url, "SURVEYAPP_DATA_DIR": str(tmp),
               "SURVEYAPP_COLLECT_RATE_LIMIT": "100000000 per minute",
               "SURVEYAPP_LOG_LEVEL": "WARNING"}
    n = int((load.rate or 5000) * load.seconds)  # wrk goes round the list when it runs out
    rng = random.Random(n)
    auth = {"Authorization": f"Bearer {secret}"}
    server_reqs = []
    for _ in range(n):
        u = rng.randrange(load.visitors)
        server_reqs.append(Req("GET", f"/api/v1/personalize?slot=onboarding_tip&user=u_{u}"
                                      f"&page={rng.choice(PAGES)}", auth, visitor=f"u_{u}"))
    client_reqs = []
    for _ in range(n):
        a = rng.randrange(load.visitors)
        client_reqs.append(Req(
            "POST", f"/api/v1/client/{key}/personalize/onboarding_tip",
            {"Content-Type": "application/json"},
            (f'{{"anonymous_id": "anon-{a:08d}", "page": "{rng.choice(PAGES)}", '
             f'"attributes": {{"plan": "{rng.choice(PLANS)}"}}}}').encode(),
            visitor=f"anon-{a:08d}"))
    baseline = [Req("GET", "/decide/onboarding_tip", {})] * n
    keyed = [Req("GET", "/api/v1/workspace", auth)] * n
    results: dict[str, dict[str, Any]] = {}
    loadavg: dict[str, str] = {}

    # wrk opens its connections ahead and a paced one waits on its socket for its send; a
    # sync worker that accepted it would wait with it, serving no one (the asyncio
    # generator connects at the send). So sync workers are offered wrk's load unpaced.
    rate = 0.0 if load.generator == "wrk" and serving.kind() == "sync" else load.rate

    def run(port: int, reqs: list[Req], rate: float, seconds: float) -> dict[str, Any]:
        if load.generator == "wrk":
            return offer_wrk(port, reqs, rate, seconds, load.connections)
        return offer(port, reqs[:int(rate * seconds)], rate)

    with ExitStack() as stack:
        raw_url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
        base = stack.enter_context(server("baseline_app:app", {"BENCH_DB": raw_url}, tmp,
                                          serving))
        app = stack.enter_context(server("wsgi:app", app_env, ROOT, serving))
        run(base.port, baseline[:200], 100, 2)  # warm up: imports, pools (not the caches)
        run(app.port, keyed[:200], 100, 2)
        for label, srv, reqs in (("baseline", base, baseline), ("keyed", app, keyed),
                                 ("server", app, server_reqs), ("client", app, client_reqs)):
            loadavg[label] = Path("/proc/loadavg").read_text().split()[0]
            t0, cpu0, m0 = os.times(), srv.cpu_seconds(), machine_cpu()
            results[label] = run(srv.port, reqs, rate, load.seconds)
            t1, cpu1, m1 = os.times(), srv.cpu_seconds(), machine_cpu()
            wall = (m1[1] - m0[1]) / (os.cpu_count() or 1)
            results[label]["busy"] = (m1[0] - m0[0]) / wall if wall > 0 else float("nan")
            results[label]["gen_cpu"] = ((t1.user - t0.user) + (t1.system - t0.system)
                                         + (t1.children_user - t0.children_user)
                                         + (t1.children_system - t0.children_system))
            done = results[label]["rps"] * load.seconds
            results[label]["srv_ms"] = (cpu1 - cpu0) * 1000 / max(done, 1)
        time.sleep(1.0)  # the exposure writer's last batches
    stored = count_exposures(db_url)
    low = len(results["server"].get("answered", results["server"]["asked"])) + \
        len(results["client"].get("answered", results["client"]["asked"]))
    high = len(results["server"]["asked"]) + len(results["client"]["asked"])
    b = results["baseline"]
    offered = (f"offered at {rate:.0f}/s" if rate else "as fast as they are answered"
               + (" (sync workers: wrk unpaced)" if rate != load.rate else ""))
    how = (f"wrk, {load.connections} keep-alive connections" if load.generator == "wrk"
           else "asyncio generator in one process, a connection per request")
    print(f"\n[{name}] {offered} for {load.seconds:.0f} s per endpoint, from {load.visitors} "
          f"visitors; {serving.describe()}, loopback, {how}")
    print(f"  {'endpoint':40} {'achieved':>9} {'server p50/p95/p99 ms':>24} "
          f"{'round trip p50/p95/p99 ms':>28} {'errors':>6}  p50 vs bare (server / rt)  "
          f"load  gen CPU s  server CPU ms/req  machine busy (of {os.cpu_count()} cores)")
    for label, text_ in (("baseline", "bare Flask (one SELECT)"),
                         ("keyed", "GET /api/v1/workspace (key check)"),
                         ("server", "GET /api/v1/personalize (users)"),
                         ("client", "POST client personalize (anonymous)")):
        r = results[label]
        ratio = (f"x{r['s50'] / b['s50']:.1f} / x{r['c50'] / b['c50']:.1f}"
                 if r['s50'] == r['s50'] else f"- / x{r['c50'] / b['c50']:.1f}")
        print(f"  {text_:40} {r['rps']:7.0f}/s {r['s50']:8.1f}{r['s95']:8.1f}{r['s99']:8.1f} "
              f"{r['c50']:10.1f}{r['c95']:9.1f}{r['c99']:9.1f} {int(r['errors']):6d}  "
              f"{ratio:>22}  {loadavg[label]:>5}  {r['gen_cpu']:8.1f}  {r['srv_ms']:8.2f}"
              f"  {r['busy']:8.2f}"
              + (f"  ({r['late']})" if r['late'] else "")
              + (f"  e.g. {r['error'][:80]!r}" if r['errors'] else ""))
    ok = low <= stored <= high
    asked = f"{high}" if low == high else f"{low} answered, {high} sent"
    print(f"  exposures stored {stored}, distinct visitors asked {asked} "
          f"({'exactly once each' if ok else 'MISMATCH'})")
    print("  target: server p50 <= 20 ms at 1,000/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000,
                        help="requests per second offered (wrk: 0 is as fast as answered)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--visitors", type=int, default=USERS,
                        help=f"how many of the {USERS} users (and anonymous ids) are asked for")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--generator", choices=("auto", "wrk", "asyncio"), default="auto",
                        help="auto: wrk when it is installed, else asyncio")
    parser.add_argument("--connections", type=int, default=64, help="wrk's connections")
    parser.add_argument("--workers", type=int, help="default: deploy/gunicorn.conf.py's")
    parser.add_argument("--worker-class", choices=("sync", "gthread"),
                        help="default: deploy/gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="gthread's threads per worker")
    args = parser.parse_args()
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "asyncio"
    elif generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    if generator == "asyncio" and not args.rate:
        parser.error("the asyncio generator needs a --rate")
    load = Load(args.rate, args.seconds, min(max(args.visitors, 1), USERS), generator,
                args.connections)
    serving = Serving(args.workers, args.worker_class, args.threads)
    for label, url in database_urls(args.backend):
        bench_backend(label, url, load, serving)


if __name__ == "__main__":
    main()
