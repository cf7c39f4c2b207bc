"""The npm package build of the widget (embed/npm, `import { init, track } from
"@surveyapp/widget"`), as a single-page app uses it: a host page on its own origin imports
the committed ES module, and what it tracks arrives in the database through the real loader
fetched from the app (issue 25, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.e2e.test_widget_hosts_in_browser import until
from tests.services import free_port

DIST = Path(__file__).resolve().parents[2] / "embed" / "npm" / "dist"

SETUP = """
from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import Survey, SurveyStatus
from surveyapp.workspaces import services

app = create_app()
with app.app_context():
    owner = services.create_user(db.session, "npm-owner@example.com", "Npm", "npm-password-123")
    ws = services.create_workspace(db.session, "Npm lab", owner, slug="npm-lab")
    s = Survey(workspace=ws, environment=ws.environments[0], name="After upgrade", status=SurveyStatus.LIVE)
    s.publish({"questions": [{"id": "why", "type": "open_text", "required": False,
                              "title": "What made you upgrade?"}], "logic": [],
               "targeting": {"trigger": {"type": "event", "name": "plan_upgraded"},
                             "display_limit": {"mode": "until_answered"}},
               "appearance": {"position": "bottom-right"}, "thank_you": {"title": "Thanks!"}})
    db.session.add(s)
    db.session.commit()
    print(ws.environments[0].client_key)
"""

# An app's module: calls made before init() wait in the queue; init() loads the real loader.
APP = """
import { init, identify, track } from "/assets/surveyapp/index.js";
track("app_booted", { route: location.pathname });
window.started = init({ key: %(key)s, host: %(api)s, userId: "npm_user_1",
                        attributes: { plan: "pro", seats: 12 } });
track("report_exported", { format: "csv", rows: 1200 });
window.started.then((ok) => { document.body.dataset.loaded = String(ok); });
document.querySelector("#later").addEventListener("click", () => {
  identify("npm_user_1", { plan: "team" });
  track("plan_upgraded", { to: "team" });
});
"""


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def spa(live_server) -> Iterator[dict[str, str]]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(live_server.data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    key = subprocess.run([sys.executable, "-c", SETUP], env=env, text=True, check=True,
                         capture_output=True, timeout=120).stdout.strip().splitlines()[-1]
    app_js = APP % {"key": json.dumps(key), "api": json.dumps(str(live_server))}
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title>'
            f'<script type="module">{app_js}</script></head><body><main><h1>An SPA</h1>'
            '<button id="later" type="button">Upgrade</button></main></body></html>')

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/assets/surveyapp/index.js":  # the committed build, as a bundler would serve it
            body, kind = (DIST / "index.js").read_bytes(), "text/javascript"
        elif path == "/":
            body, kind = page.encode(), "text/html; charset=utf-8"
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b""]
        start_response("200 OK", [("Content-Type", kind), ("Cache-Control", "no-store")])
        return [body]

    port = free_port()
    server = make_server("127.0.0.1", port, app, server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="npm-spa").start()
    yield {"key": key, "url": f"http://127.0.0.1:{port}/"}
    server.shutdown()
    server.server_close()


def events(live_server, key: str) -> list[tuple[Any, ...]]:
    return live_server.query(
        "SELECT ev.name, ev.properties, c.external_id FROM event ev "
        "JOIN environment e ON e.id = ev.environment_id LEFT JOIN contact c ON c.id = ev.contact_id "
        "WHERE e.client_key = ? ORDER BY ev.occurred_at, ev.id", key)


def contact_attributes(live_server, key: str, user: str) -> dict[str, Any]:
    rows = live_server.query("SELECT c.attributes FROM contact c JOIN environment e "
                             "ON e.id = c.environment_id WHERE e.client_key = ? AND c.external_id = ?",
                             key, user)
    return json.loads(rows[0][0]) if rows else {}


def test_an_spa_importing_the_package_tracks_into_the_database(page, live_server, spa):
    """init/identify/track imported from the built ES module: the loader comes from the app
    (one widget code base), the queued call made before init() is kept, the person is
    identified with their attributes, and later calls from the app's own code arrive too and
    trigger the survey set to show on that event."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    loader_requests: list[str] = []
    page.on("request", lambda r: loader_requests.append(r.url) if "loader.js" in r.url else None)
    page.goto(spa["url"])
    assert until(page, lambda: page.evaluate("document.body.dataset.loaded") == "true")
    assert loader_requests == [f"{live_server}/embed/v1/loader.js"]

    key = spa["key"]
    assert until(page, lambda: len(events(live_server, key)) >= 2, timeout=30)
    stored = {name: (json.loads(props), user) for name, props, user in events(live_server, key)}
    assert stored["report_exported"] == ({"format": "csv", "rows": 1200}, "npm_user_1")
    assert stored["app_booted"][0] == {"route": "/"}  # tracked before init(), replayed
    assert contact_attributes(live_server, key, "npm_user_1") == {"plan": "pro", "seats": 12}

    assert page.locator("surveyapp-widget").count() == 0  # its survey waits for plan_upgraded
    page.click("#later")
    # the event tracked through the package triggers the survey, rendered by the app's widget
    assert until(page, lambda: page.locator("surveyapp-widget").count() == 1)
    assert until(page, lambda: "What made you upgrade?" in (page.evaluate(
        "() => { const w = document.querySelector('surveyapp-widget');"
        " return w && w.shadowRoot && w.shadowRoot.textContent; }") or ""))
    assert until(page, lambda: "plan_upgraded" in [e[0] for e in events(live_server, key)], timeout=30)
    assert until(page, lambda: contact_attributes(live_server, key, "npm_user_1").get("plan") == "team")
    upgraded = [e for e in events(live_server, key) if e[0] == "plan_upgraded"]
    assert [(json.loads(p), u) for _, p, u in upgraded] == [({"to": "team"}, "npm_user_1")]
    assert errors == []
