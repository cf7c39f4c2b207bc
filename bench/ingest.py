"""Response ingest under gunicorn, as a ratio to a bare Flask baseline in the same run.

    .venv/bin/python bench/ingest.py [--requests 2000] [--concurrency 8] [--backend sqlite|postgres|both]

For each database, two servers run on loopback with the same gunicorn settings:
  * baseline: a bare Flask endpoint that inserts the raw JSON body into one table;
  * surveyapp: the public collection endpoint ``PUT /api/v1/client/<key>/responses/<uuid>``
    (origin and consent checks, validation against the survey version, idempotent upsert).
Each sends the same number of finished responses from a pool of client threads; 5% of
them are sent twice (a retry), which must not create a duplicate. Three rounds alternate
(baseline, surveyapp, baseline, ...) and the best round of each counts, since the
machine is shared. Printed: throughput, p50/p99 latency, the ratio (target >= 0.6), and
rows counted in the database afterwards (target: zero lost, zero duplicated).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import database_urls  # noqa: E402

from tests.services import free_port  # noqa: E402

BASELINE_APP = '''
import json, os
from flask import Flask, request
from sqlalchemy import create_engine, event, text
engine = create_engine(os.environ["BENCH_DB"])
if engine.dialect.name == "sqlite":  # the same connection settings surveyapp uses
    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
app = Flask(__name__)

@app.put("/raw/<rid>")
def raw(rid):
    body = request.get_json()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_raw (id, body) VALUES (:id, :body)"),
                     {"id": rid, "body": json.dumps(body)})
    return {"id": rid}, 201
'''

WORKERS = 2
ROUNDS = 3
TEXTS = ["Too slow on mobile", "Love the dashboards", "Pricing is confusing",
         "Exports keep failing for big reports", "Great support team"]


def gunicorn(app_spec: str, env: dict[str, str], cwd: Path | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/nothing")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app_spec} did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


@contextmanager
def running(app_spec: str, env: dict[str, str], cwd: Path | None = None) -> Iterator[int]:
    proc, port = gunicorn(app_spec, env, cwd)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def load(port: int, paths_bodies: list[tuple[str, bytes]], concurrency: int) -> dict[str, float]:
    """Send every request once (keep-alive connections, one per thread)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(paths_bodies)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            with lock:
                if not queue:
                    break
                path, body = queue.pop()
            t0 = time.perf_counter()
            conn.request("PUT", path, body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status >= 300:
                with lock:
                    errors.append(f"{resp.status} {path}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    latencies.sort()
    return {"rps": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def workload(n: int, prefix: str, survey_id: int | None) -> tuple[list[tuple[str, bytes]], int]:
    rng = random.Random(n)
    items = []
    unique = 0
    for _ in range(n):
        rid = str(uuid.uuid4())
        body = {"answers": {"score": rng.randint(0, 10), "why": rng.choice(TEXTS)},
                "finished": True, "meta": {"url": "https://example.com/app", "locale": "en"}}
        if survey_id is not None:
            body["survey_id"] = survey_id
        payload = json.dumps(body).encode()
        items.append((f"{prefix}/{rid}", payload))
        unique += 1
        if rng.random() < 0.05 and survey_id is not None:  # a retry of the same response
            items.append((f"{prefix}/{rid}", payload))
    rng.shuffle(items)
    return items, unique


def prepare(db_url: str) -> tuple[str, int]:
    """Migrate a fresh database, create a workspace with a live NPS survey; return its key."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.models import Survey, SurveyStatus
    from surveyapp.workspaces import services

    app = create_app({"database_url": db_url, "data_dir": Path(tempfile.mkdtemp())})
    with app.app_context():
        upgrade()
        user = services.create_user(db.session, "bench@example.com", "Bench", "bench-password-1")
        ws = services.create_workspace(db.session, "Bench", user)
        env = ws.environments[0]
        survey = Survey(workspace=ws, environment=env, name="NPS", status=SurveyStatus.LIVE)
        survey.publish({"questions": [
            {"id": "score", "type": "nps", "title": "How likely are you to recommend us?",
             "required": True},
            {"id": "why", "type": "open_text", "title": "Why?"}]})
        db.session.add(survey)
        db.session.execute(text("CREATE TABLE bench_raw (id VARCHAR(64) PRIMARY KEY, body TEXT)"))
        db.session.commit()
        key, survey_id = env.client_key, survey.id
        db.session.remove()
        db.engine.dispose()
    return key, survey_id


def count(db_url: str, sql: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def bench_backend(name: str, db_url: str, n: int, concurrency: int) -> None:
    key, survey_id = prepare(db_url)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "baseline_app.py").write_text(BASELINE_APP)
    app_env = {"SURVEYAPP_DATABASE_URL": db_url, "SURVEYAPP_DATA_DIR": str(tmp),
               "SURVEYAPP_COLLECT_RATE_LIMIT": "1000000 per minute", "SURVEYAPP_LOG_LEVEL": "WARNING"}
    best: dict[str, dict[str, float]] = {}
    sent_unique = {"baseline": 0, "surveyapp": 0}
    with ExitStack() as stack:
        raw_url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
        base_port = stack.enter_context(running("baseline_app:app", {"BENCH_DB": raw_url}, cwd=tmp))
        app_port = stack.enter_context(running(os.environ.get("BENCH_APP", "wsgi:app"), app_env, cwd=ROOT))
        # Warm both (imports, connection pools) before measuring.
        for port, prefix, sid in ((base_port, "/raw", None),
                                  (app_port, f"/api/v1/client/{key}/responses", survey_id)):
            warm, unique = workload(50, prefix, sid)
            load(port, warm, 2)
            sent_unique["baseline" if sid is None else "surveyapp"] += unique
        for _round in range(ROUNDS):
            for label, port, prefix, sid in (("baseline", base_port, "/raw", None),
                                             ("surveyapp", app_port,
                                              f"/api/v1/client/{key}/responses", survey_id)):
                items, unique = workload(n, prefix, sid)
                result = load(port, items, concurrency)
                sent_unique[label] += unique
                if label not in best or result["rps"] > best[label]["rps"]:
                    best[label] = result
    stored = count(db_url, "SELECT count(*) FROM response")
    distinct = count(db_url, "SELECT count(DISTINCT client_id) FROM response")
    raw = count(db_url, "SELECT count(*) FROM bench_raw")
    b, a = best["baseline"], best["surveyapp"]
    print(f"\n[{name}] {n} responses per round, {concurrency} clients, gunicorn -w {WORKERS}")
    print(f"  baseline (bare Flask insert): {b['rps']:7.0f} req/s  p50 {b['p50']:6.1f} ms  p99 {b['p99']:6.1f} ms")
    print(f"  surveyapp collection API:     {a['rps']:7.0f} req/s  p50 {a['p50']:6.1f} ms  p99 {a['p99']:6.1f} ms")
    print(f"  ratio surveyapp/baseline: {a['rps'] / b['rps']:.2f}  (target >= 0.60)")
    lost = sent_unique["surveyapp"] - distinct
    print(f"  responses sent (unique): {sent_unique['surveyapp']}, rows: {stored}, "
          f"lost: {lost}, duplicated: {stored - distinct}; baseline rows {raw}/{sent_unique['baseline']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for label, url in database_urls(args.backend):
        bench_backend(label, url, args.requests, args.concurrency)

if __name__ == "__main__":
    main()
