"""Load and fault scenarios on the production stack: gunicorn + PostgreSQL + Redis + Celery.

    .venv/bin/python bench/load/run.py                 # everything (about 6 minutes)
    .venv/bin/python bench/load/run.py --only load     # or: faults, scaling
    .venv/bin/python bench/load/run.py --users 40 --seconds 60 --workers 2

Everything runs on loopback, on servers this script starts and stops itself: its own
PostgreSQL cluster (so it may restart it) and Redis, gunicorn with ``deploy/gunicorn.conf.py``
and a Celery worker. Locust (headless) simulates widget clients -- config fetch, events,
displays, partial then finished responses, each write retried like the widget's outbox --
and analysts opening reports. Every load is bounded: per-user visit limits and a time limit.

Scenarios:
  load     steady load; requests/s, p50/p99 latency, error rate.
  faults   the same load while a gunicorn worker is killed, PostgreSQL restarts, Redis is
           stopped for a while and a Celery worker is killed in the middle of an NLP job;
           /healthz is polled throughout.
  scaling  widget load at 1, 2 and 4 gunicorn workers; throughput as a ratio to 1 worker.

After each run the database is checked: every response, display and event the server
acknowledged exists exactly once (PASS/FAIL "nothing acknowledged was lost"), and the
interrupted NLP job finished once, with one annotation per answer.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from tests.services import _pg_bin, _wait_for, free_port  # noqa: E402

EMAIL, PASSWORD, SLUG = "analyst@example.com", "load-test-password-1", "load"


# ----------------------------------------------------------------------------- services
class Postgres:
    """A throwaway cluster this script owns, so it can restart it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.data, self.port = tmp, tmp / "data", free_port()
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            import shutil

            shutil.chown(tmp, user="postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        subprocess.run([*self.run_as, _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync"], check=True,
                       capture_output=True, env=self.env)
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.run_as, _pg_bin("pg_ctl"), "-D", str(self.data), *args],
                       check=True, capture_output=True, env=self.env)

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200")
        self._ctl("-o", opts, "-l", str(self.tmp / "log"), "-w", "start")
        _wait_for(self.port)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")


class Redis:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.port, self.proc = tmp, free_port(), None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self.port)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# ----------------------------------------------------------------------------- the stack
class Stack:
    def __init__(self, tmp: Path, pg: Postgres, redis: Redis) -> None:
        self.tmp, self.pg, self.redis = tmp, pg, redis
        self.db_url = pg.url.rsplit("/", 1)[0] + "/surveyapp"
        self.env = {
            **os.environ, "SURVEYAPP_ENV": "production", "SURVEYAPP_SECRET_KEY": "load-" + "k" * 40,
            "SURVEYAPP_DATABASE_URL": self.db_url, "SURVEYAPP_DATA_DIR": str(tmp / "data"),
            "SURVEYAPP_BROKER_URL": redis.url + "/0", "SURVEYAPP_REDIS_URL": redis.url + "/1",
            # Every simulated visitor comes from 127.0.0.1: per-address limits would only
            # measure the limiter. They stay on (and in Redis), just high.
            "SURVEYAPP_COLLECT_RATE_LIMIT": "1000000 per minute",
            "SURVEYAPP_LOGIN_RATE_LIMIT": "100000 per minute",
            "SURVEYAPP_SESSION_COOKIE_SECURE": "false",
            "SURVEYAPP_JOB_VISIBILITY_TIMEOUT": "15",  # redeliver a killed worker's job soon
            "SURVEYAPP_SENTIMENT_MODEL": str(sentiment_model()),
            "SURVEYAPP_LOG_LEVEL": "WARNING",
        }

    def prepare(self) -> dict[str, str]:
        """Create and migrate the database; a workspace, an analyst and a live NPS survey."""
        import psycopg

        with psycopg.connect(self.pg.url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS surveyapp")
            conn.execute("CREATE DATABASE surveyapp")
        script = f"""
from flask_migrate import upgrade
from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import Membership, Role, Survey, SurveyStatus
from surveyapp.workspaces import services
app = create_app()
with app.app_context():
    upgrade()
    owner = services.create_user(db.session, "{EMAIL}", "Ana Analyst", "{PASSWORD}")
    ws = services.create_workspace(db.session, "Load test", owner, slug="{SLUG}")
    env = ws.environments[0]
    s = Survey(workspace=ws, environment=env, name="Checkout NPS", status=SurveyStatus.LIVE)
    s.publish({{"questions": [{{"id": "score", "type": "nps", "title": "How likely?"}},
                              {{"id": "why", "type": "open_text", "title": "Why?"}}]}})
    db.session.add(s)
    db.session.commit()
    print(env.client_key, s.id)
"""
        out = subprocess.run([sys.executable, "-c", script], env=self.env, cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
        return {"LOAD_KEY": out[-2], "LOAD_SURVEY": out[-1], "LOAD_SLUG": SLUG,
                "LOAD_EMAIL": EMAIL, "LOAD_PASSWORD": PASSWORD}

    @contextmanager
    def web(self, workers: int) -> Iterator[tuple[subprocess.Popen, int]]:
        port = free_port()
        env = {**self.env, "SURVEYAPP_BIND": f"127.0.0.1:{port}",
               "SURVEYAPP_WEB_WORKERS": str(workers)}
        args = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--access-logfile",
                "/dev/null", "--max-requests", "0", "wsgi:app"]
        with process(args, env, self.tmp / "gunicorn.log") as proc:
            _wait_for(port, 60)
            wait_healthy(f"http://127.0.0.1:{port}")
            yield proc, port

    @contextmanager
    def worker(self) -> Iterator[subprocess.Popen]:
        with process([str(BIN / "surveyapp"), "worker", "--loglevel", "WARNING"], self.env,
                     self.tmp / "worker.log") as proc:
            yield proc

    def sql(self, query: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            return conn.execute(query).fetchall()


def sentiment_model() -> Path:
    """The small model the test suite builds (or build it now: about a minute)."""
    path = ROOT / ".cache" / "test-models" / "sentiment-quick"
    if not (path / "manifest.json").exists():
        print("Building the quick sentiment model for the NLP fault (about a minute)…")
        subprocess.run([sys.executable, "-m", "nlp.build_sentiment", "--quick", "--out", str(path)],
                       cwd=ROOT, check=True, capture_output=True)
    return path


def wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if json.load(resp)["status"] in ("ok", "degraded"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base} never became healthy")


# ----------------------------------------------------------------------------- locust
def locust(port: int, users: int, seconds: int, env: dict[str, str], tmp: Path, tag: str,
           widget_only: bool = False) -> dict:
    out, prefix = tmp / f"{tag}-acked.json", tmp / tag
    args = [str(BIN / "locust"), "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
            "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s",
            "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
            "--stop-timeout", "60", "--loglevel", "ERROR"]
    if widget_only:
        args.append("WidgetUser")
    run_env = {**os.environ, **env, "LOAD_OUT": str(out)}
    subprocess.run(args, env=run_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   check=False, timeout=seconds + 180)
    with open(f"{prefix}_stats.csv") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    total = rows["Aggregated"]
    writes = [r for name, r in rows.items() if name.startswith(("POST", "PUT"))
              and name not in ("POST login",)]
    result = json.loads(out.read_text())
    return {
        "rps": float(total["Requests/s"]), "p50": float(total["50%"]), "p99": float(total["99%"]),
        "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
        "write_rps": sum(float(r["Requests/s"]) for r in writes),
        "pages": {n: (int(r["Request Count"]), float(r["50%"]), float(r["99%"]))
                  for n, r in rows.items() if n.startswith("GET ") and n != "GET login"},
        **result,
    }


def verify(stack: Stack, result: dict) -> tuple[bool, list[str]]:
    """Every acknowledged write is in the database exactly once."""
    acked = result["acked"]
    lines, ok = [], True
    rows = Counter(r[0] for r in stack.sql("SELECT client_id FROM response"))
    finished = {r[0] for r in stack.sql("SELECT client_id FROM response WHERE finished")}
    events = Counter(r[0] for r in stack.sql("SELECT client_id FROM event WHERE client_id IS NOT NULL"))
    displays = Counter(r[0] for r in stack.sql("SELECT client_id FROM display"))
    checks = [
        ("responses", set(acked["partial"]) | set(acked["finished"]), rows),
        ("displays", set(acked["displays"]), displays),
        ("events", set(acked["events"]), events),
    ]
    for label, ids, counts in checks:
        lost = [i for i in ids if counts.get(i, 0) == 0]
        dup = [i for i, n in counts.items() if n > 1]
        ok &= not lost and not dup
        lines.append(f"{label}: {len(ids):,} acknowledged, {len(lost)} lost, {len(dup)} duplicated")
    unfinished = [i for i in acked["finished"] if i not in finished]
    ok &= not unfinished
    lines.append(f"finished responses acknowledged but not finished in the database: {len(unfinished)}")
    return ok, lines


def report(title: str, r: dict) -> None:
    print(f"\n[{title}]")
    print(f"  {r['requests']:,} requests, {r['rps']:.0f} req/s ({r['write_rps']:.0f} writes/s), "
          f"p50 {r['p50']:.0f} ms, p99 {r['p99']:.0f} ms, "
          f"error rate {r['failures'] / max(1, r['requests']):.2%} of attempts; "
          f"{r['retries']} retries, {r['unacked']} writes never acknowledged")
    for name, (n, p50, p99) in sorted(r["pages"].items()):
        print(f"  {name}: {n:,} requests, p50 {p50:.0f} ms, p99 {p99:.0f} ms")


# ----------------------------------------------------------------------------- faults
class Faults(threading.Thread):
    """Injects the faults on a timeline while the load runs, and polls /healthz."""

    def __init__(self, stack: Stack, web: subprocess.Popen, port: int, seconds: int,
                 worker_slot: list) -> None:
        super().__init__(daemon=True)
        self.stack, self.web, self.port, self.seconds = stack, web, port, seconds
        self.worker_slot = worker_slot
        self.log: list[str] = []
        self.health: Counter = Counter()
        self.job_id: int | None = None
        self.stop_polling = threading.Event()

    def note(self, text: str) -> None:
        self.log.append(f"  t={time.monotonic() - self.t0:5.1f}s  {text}")

    def poll_health(self) -> None:
        while not self.stop_polling.is_set():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=3) as r:
                    self.health[json.load(r)["status"]] += 1
            except urllib.error.HTTPError as exc:
                self.health[json.load(exc).get("status", str(exc.code))] += 1
            except OSError as exc:
                self.health[f"no answer ({exc.__class__.__name__})"] += 1
            time.sleep(0.5)

    def at(self, fraction: float) -> None:
        time.sleep(max(0.0, self.t0 + fraction * self.seconds - time.monotonic()))

    def run(self) -> None:
        import psutil

        self.t0 = time.monotonic()
        threading.Thread(target=self.poll_health, daemon=True).start()
        self.at(0.15)
        victim = psutil.Process(self.web.pid).children()[0]
        victim.send_signal(signal.SIGKILL)
        self.note(f"killed gunicorn worker {victim.pid} (SIGKILL)")
        self.at(0.30)
        self.stack.pg.stop("immediate")
        self.note("PostgreSQL stopped (immediate)")
        time.sleep(3)
        self.stack.pg.start()
        self.note("PostgreSQL started again")
        self.at(0.50)
        self.stack.redis.stop()
        self.note("Redis stopped")
        time.sleep(6)
        self.stack.redis.start()
        self.note("Redis started again")
        self.at(0.65)
        self.job_id = start_analysis(self.stack)
        self.note(f"NLP analysis job {self.job_id} queued")
        self.kill_worker_mid_job()
        self.at(1.0)
        self.stop_polling.set()

    def kill_worker_mid_job(self) -> None:
        """Kill the worker once the job has made some progress (or after 2 s of running)."""
        deadline, running_since = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            status = self.stack.sql(f"SELECT status, progress FROM job WHERE id = {self.job_id}")[0]
            if status[0] == "running":
                running_since = running_since or time.monotonic()
                if status[1] > 0 or time.monotonic() - running_since > 2:
                    break
            elif status[0] in ("succeeded", "failed"):
                break
            time.sleep(0.05)
        old = self.worker_slot[0]
        os.killpg(old.pid, signal.SIGKILL)
        self.note(f"Celery worker killed (SIGKILL) with the job {status[0]} at {status[1]:.0%}")
        self.worker_slot[0] = self.worker_slot[1]()  # start a new worker
        self.note("a new Celery worker started")


def start_analysis(stack: Stack) -> int:
    script = """
from surveyapp import create_app, jobs
from surveyapp.extensions import db
from surveyapp.models import Survey
app = create_app()
with app.app_context():
    s = db.session.query(Survey).one()
    job = jobs.create_job(db.session, "analyse_survey", s.workspace, {"survey_id": s.id})
    db.session.commit()
    jobs.enqueue(job.id)
    print(job.id)
"""
    out = subprocess.run([sys.executable, "-c", script], env=stack.env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[-1])


def verify_job(stack: Stack, job_id: int, seconds: float = 240) -> tuple[bool, list[str]]:
    deadline = time.monotonic() + seconds
    status = ("", 0, 0.0)
    while time.monotonic() < deadline:
        status = stack.sql(f"SELECT status, attempts, progress FROM job WHERE id = {job_id}")[0]
        if status[0] in ("succeeded", "failed"):
            break
        time.sleep(1)
    answers = stack.sql("SELECT count(*) FROM response WHERE answers ? 'why' AND survey_id = "
                        "(SELECT id FROM survey LIMIT 1)")[0][0]
    per_answer = stack.sql("SELECT count(*), count(DISTINCT (response_id, question_id)) "
                           "FROM answer_annotation")[0]
    ok = status[0] == "succeeded" and per_answer[0] == per_answer[1] and per_answer[0] > 0
    return ok, [f"NLP job {job_id}: {status[0]} after {status[1]} attempts; "
                f"{per_answer[0]:,} annotations for {per_answer[1]:,} answers "
                f"({answers:,} answers with text at the end of the run), "
                f"{per_answer[0] - per_answer[1]} duplicated"]


# ----------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["load", "faults", "scaling"], action="append")
    parser.add_argument("--users", type=int, default=30, help="simulated clients (default 30)")
    parser.add_argument("--seconds", type=int, default=60, help="per load run (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--visits", type=int, default=400, help="visits per user at most")
    args = parser.parse_args()
    scenarios = args.only or ["load", "faults", "scaling"]
    passed = True
    with ExitStack() as stack_ctx:
        tmp = Path(tempfile.mkdtemp(prefix="surveyapp-load-"))
        pg = Postgres(Path(tempfile.mkdtemp(prefix="surveyapp-load-pg-")))
        stack_ctx.callback(pg.stop, "immediate")
        redis = Redis(tmp)
        stack_ctx.callback(redis.stop)
        stack = Stack(tmp, pg, redis)
        print(f"Servers on loopback: PostgreSQL :{pg.port}, Redis :{redis.port}; logs in {tmp}")
        base_env = {"LOAD_VISITS": str(args.visits)}
        if "load" in scenarios:
            env = {**stack.prepare(), **base_env}
            with stack.worker(), stack.web(args.workers) as (_, port):
                r = locust(port, args.users, args.seconds, env, tmp, "load")
            report(f"load: {args.users} clients, {args.seconds}s, gunicorn -w {args.workers}", r)
            ok, lines = verify(stack, r)
            passed &= ok
            print("\n".join("  " + line for line in lines))
            print(f"  nothing acknowledged was lost: {'PASS' if ok else 'FAIL'}")
        if "faults" in scenarios:
            env = {**stack.prepare(), **base_env, "LOAD_RETRY_SECONDS": "60"}
            with stack.web(args.workers) as (web, port), ExitStack() as workers:
                def new_worker() -> subprocess.Popen:
                    return workers.enter_context(stack.worker())
                slot = [new_worker(), new_worker]
                # Some answers with text first, so the NLP job has work when it is killed.
                faults = Faults(stack, web, port, args.seconds, slot)
                faults.start()
                r = locust(port, args.users, args.seconds, env, tmp, "faults")
                faults.join(timeout=120)
                job_ok, job_lines = verify_job(stack, faults.job_id) if faults.job_id else (False, ["no NLP job ran"])
            report(f"faults: {args.users} clients, {args.seconds}s, gunicorn -w {args.workers}", r)
            print("\n".join(faults.log))
            print("  /healthz answers seen: " + ", ".join(f"{k} x{v}" for k, v in faults.health.most_common()))
            ok, lines = verify(stack, r)
            print("\n".join("  " + line for line in lines + job_lines))
            print(f"  nothing acknowledged was lost: {'PASS' if ok else 'FAIL'}")
            print(f"  interrupted NLP job finished once, nothing duplicated: {'PASS' if job_ok else 'FAIL'}")
            passed &= ok and job_ok
        if "scaling" in scenarios:
            print(f"\n[scaling: widget clients only, {args.users * 2} clients, {args.seconds // 2}s per run]")
            base = None
            for workers in (1, 2, 4):
                env = {**stack.prepare(), **base_env}
                with stack.web(workers) as (_, port):
                    r = locust(port, args.users * 2, args.seconds // 2, env, tmp, f"scale{workers}",
                               widget_only=True)
                ok, _ = verify(stack, r)
                passed &= ok
                base = base or r["rps"]
                print(f"  gunicorn -w {workers}: {r['rps']:6.0f} req/s  p50 {r['p50']:4.0f} ms  "
                      f"p99 {r['p99']:5.0f} ms  ratio to 1 worker {r['rps'] / base:.2f}  "
                      f"lost/duplicated: {'none' if ok else 'SOME'}")
    print(f"\nOverall: {'PASS' if passed else 'FAIL'} (nothing acknowledged was lost"
          f"{', jobs resumed without duplicates' if 'faults' in scenarios else ''})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
