"""An end user's self-service page in a real browser (view, download, delete), and the
Content-Security-Policy: pages work and the browser reports no violation."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from surveyapp.demo.host import host_app, host_page
from tests.e2e.test_demo_in_browser import SHOTS, sign_in
from tests.e2e.test_widget_in_browser import open_survey
from tests.services import free_port

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def watch(page) -> list[str]:
    """CSP violations seen by the page: the DOM event and the console's report."""
    seen: list[str] = []
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda msg: seen.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
    return seen


def violations(page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *console]


def test_app_pages_work_under_the_csp_without_violations(page, live_server):
    console = watch(page)
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    checked = []
    for path, heading in (("/w/demo/", None), ("/w/demo/members", "Members"),
                          ("/w/demo/settings", "Workspace settings"), ("/w/demo/privacy/", "Privacy"),
                          ("/w/demo/privacy/bias", "Bias audit")):
        response = page.goto(live_server + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        if heading:
            assert page.get_by_role("heading", level=1).inner_text() == heading
        assert violations(page, console) == [], path
        checked.append(path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "bias-audit.png"), full_page=True)
    # The survey report (its scripts load and run) and the builder's live preview, which
    # loads the widget renderer and styles it.
    page.goto(live_server + "/w/demo/")
    page.locator("table").first.get_by_role("link", name="Product NPS").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Product NPS")
    page.wait_for_load_state("networkidle")
    edit = page.get_by_role("link", name="edit")
    if edit.count():
        edit.first.click()
        page.wait_for_load_state("networkidle")
    assert violations(page, console) == []
    # "Are you sure?" now comes from confirm.js: dismissing it sends nothing.
    page.goto(live_server + "/w/demo/privacy/")
    page.get_by_label("The person's user id", exact=True).last.fill("u_nobody")
    page.get_by_label("Type the user id again to confirm").fill("u_nobody")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Erase everything about this person").click()
    page.wait_for_timeout(300)
    assert asked == ["Erase everything about this person? This cannot be undone."]
    assert page.url.endswith("/w/demo/privacy/") and page.locator(".flash").count() == 0
    assert violations(page, console) == []


def test_a_person_views_downloads_and_deletes_their_data(page, browser, live_server, tmp_path):
    # The person asked the company; the owner makes a link on the privacy page.
    who = live_server.query(
        "SELECT c.external_id FROM contact c JOIN response r ON r.contact_id = c.id "
        "JOIN event e ON e.contact_id = c.id GROUP BY c.id ORDER BY c.id LIMIT 1")[0][0]
    answers = live_server.query(
        "SELECT count(*) FROM response r JOIN contact c ON c.id = r.contact_id "
        "WHERE c.external_id = ?", who)[0][0]
    sign_in(page, live_server)
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(live_server + "/w/demo/privacy/")
    page.get_by_label("The person's user id", exact=True).first.fill(who)
    page.get_by_role("button", name="Create a self-service link").click()
    link = page.locator(".flash.link code").inner_text()
    assert "/privacy/me/" in link
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "privacy.png"), full_page=True)

    # The person opens it in their own browser, signed in nowhere.
    person = browser.new_context(accept_downloads=True)
    me = person.new_page()
    console = watch(me)
    me.goto(link)
    assert me.get_by_role("heading", level=1).inner_text().startswith("Your data at")
    responses = me.get_by_role("table", name="Your survey responses")
    assert responses.locator("tbody tr").count() == answers
    assert me.get_by_role("table", name="Recorded activity by kind").locator("tbody tr").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    me.screenshot(path=str(SHOTS / "self-service.png"), full_page=True)

    with me.expect_download() as info:
        me.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(Path(info.value.path()).read_text())
    assert data["format"] == "surveyapp.subject-access/v1"
    assert sum(len(e["responses"]) for e in data["environments"]) == answers

    # Deleting needs the box ticked and the browser's confirmation.
    me.once("dialog", lambda dialog: dialog.accept())
    me.get_by_role("button", name="Delete my data").click()
    assert me.get_by_text("Tick the box to confirm.").is_visible()
    assert live_server.query("SELECT count(*) FROM contact WHERE external_id = ?", who)[0][0] == 1
    me.get_by_label("I understand my answers and activity will be deleted for good").check()
    me.once("dialog", lambda dialog: dialog.accept())
    me.get_by_role("button", name="Delete my data").click()
    assert me.get_by_role("heading", name="Your data was deleted").is_visible()
    assert live_server.query("SELECT count(*) FROM contact WHERE external_id = ?", who)[0][0] == 0
    me.goto(link)
    assert me.get_by_text("Nothing is stored about you any more.").is_visible()
    assert violations(me, console) == []
    person.close()


@pytest.fixture(scope="module")
def strict_host(live_server) -> Iterator[str]:
    """The demo customer page (another origin) served with a strict CSP, as docs/privacy.md
    says: our origin in script-src and connect-src, 'unsafe-inline' in style-src, and
    hashes for the page's own inline scripts (the queue snippet included)."""
    (key,) = live_server.query("SELECT e.client_key FROM environment e JOIN workspace w "
                               "ON w.id = e.workspace_id WHERE w.slug = 'demo' ORDER BY e.id")[0]
    inner = host_app(live_server, key)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for code in re.findall(r"<script>(.*?)</script>", host_page(live_server, key), flags=re.S))
    policy = (f"default-src 'self'; script-src 'self' {live_server} {hashes}; "
              f"connect-src 'self' {live_server}; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; object-src 'none'; base-uri 'self'")

    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Content-Security-Policy", policy)], exc_info)
        return inner(environ, start)

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    port = free_port()
    server = make_server("127.0.0.1", port, app, server_class=Server, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_the_widget_runs_on_a_customer_page_with_the_documented_csp(page, strict_host):
    console = watch(page)
    response = page.goto(strict_host + "/welcome")
    assert "connect-src" in response.headers["content-security-policy"]
    dialog = open_survey(page, strict_host)
    assert "easy" in dialog.get_by_role("heading").inner_text()
    with page.expect_response(lambda r: "/responses/" in r.url and r.request.method == "PUT") as sent:
        page.keyboard.press("Enter")  # an answer: the widget writes it to our API (connect-src)
    assert sent.value.status in (200, 201)
    assert violations(page, console) == []
