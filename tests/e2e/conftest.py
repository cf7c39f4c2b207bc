"""Browser tests: a real gunicorn server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import free_port

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("SURVEYAPP_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("Chromium not found: install Debian's 'chromium' package "
                       "(the README's test command does) or set SURVEYAPP_CHROMIUM")


def surveyapp(data_dir: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "surveyapp", *args], env=env, text=True,
                          capture_output=True, check=True, timeout=300, **kw)  # type: ignore[call-overload]


class LiveServer(str):
    """The server's base URL, knowing the data directory (and so the SQLite file) behind it."""

    data_dir: Path

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.data_dir / "surveyapp.sqlite", timeout=10) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo as a newcomer gets it: migrated SQLite, demo data, gunicorn, a worker."""
    data_dir = tmp_path_factory.mktemp("live")
    surveyapp(data_dir, "demo", "--seed-only", "--responses", "600")
    port = free_port()
    # Every browser test signs in from 127.0.0.1 within a few minutes: the login limit
    # (tested in tests/test_auth.py) would refuse the later ones.
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(data_dir),
           "SURVEYAPP_LOGIN_RATE_LIMIT": "1000 per minute"}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    log_path = data_dir / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen([sys.executable, "-m", "surveyapp", "serve", "--port", str(port),
                               "--workers", "1"], env=env, stdout=log, stderr=log)
    worker = subprocess.Popen([sys.executable, "-m", "surveyapp", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.data_dir = data_dir
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                worker.kill()
                log.close()
                raise RuntimeError("server did not start: " + log_path.read_text()) from None
            time.sleep(0.3)
    yield base
    for proc in (server, worker):
        proc.terminate()
    for proc in (server, worker):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def host(live_server: LiveServer) -> Iterator[str]:
    """The demo customer page, on its own origin (another port), embedding the widget."""
    from surveyapp.demo.host import start_host

    (key,) = live_server.query("SELECT e.client_key FROM environment e JOIN workspace w "
                               "ON w.id = e.workspace_id WHERE w.slug = 'demo' ORDER BY e.id")[0]
    port = free_port()
    server = start_host("127.0.0.1", port, live_server, key)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def ensure_themes(live_server) -> None:
    """Store the demo survey's open-text themes as the analysis job stores them (once per
    live server: the rows are inserted only if missing)."""
    (survey_id,), = live_server.query(
        "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.name = 'Product NPS'")
    ids = [r[0] for r in live_server.query(
        "SELECT id FROM response WHERE survey_id = ? AND json_extract(answers, '$.disappointed') "
        "IS NOT NULL ORDER BY id", survey_id)]
    themes = [{"id": 0, "label": "Slow dashboards", "keywords": ["slow", "load"], "edited": False,
               "quotes": ["Dashboards take ages to load, mail ops@acme.example if you doubt it"]},
              {"id": 1, "label": "Pricing", "keywords": ["price"], "edited": False,
               "quotes": ["Too expensive for a small team"]}]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    live_server.query(
        "INSERT OR IGNORE INTO text_analysis (survey_id, question_id, result, edits, answers, "
        "method, created_at, updated_at) VALUES (?, 'disappointed', ?, '{}', ?, 'bertopic', ?, ?)",
        survey_id, json.dumps({"method": "bertopic", "message": "", "themes": themes}), len(ids), now, now)
    for i, rid in enumerate(ids):
        live_server.query(
            "INSERT OR IGNORE INTO answer_annotation (response_id, survey_id, question_id, kind, "
            "theme, sentiment, mixed) VALUES (?, ?, 'disappointed', 'ok', ?, 'negative', 0)",
            rid, survey_id, i % 2)
