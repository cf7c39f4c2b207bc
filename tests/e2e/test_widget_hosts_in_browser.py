"""The widget as customers embed it, on host pages written for these tests, in real Chromium.

One workspace ("Hosts lab", consent not required) has one survey per page; a small host
server on another origin serves the pages: hostile global CSS and an input the visitor
types in, a page under a strict Content-Security-Policy (only the app origin for scripts,
styles and connections; no inline code at all), a page whose CSS themes the widget, and
pages for two tabs, offline use, a single-page app and Global Privacy Control (issue 19).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.e2e.test_widget_in_browser import wait_for
from tests.services import free_port

NPS = {"id": "score", "type": "nps", "required": True, "title": "How likely are you to recommend us?",
       "lower_label": "Not likely", "upper_label": "Very likely"}
WHY = {"id": "why", "type": "open_text", "title": "What is the main reason?", "required": False}


def survey(path: str, trigger: dict[str, Any], *questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"questions": list(questions) or [NPS, WHY], "logic": [],
            "targeting": {"urls": [{"match": "exact", "value": path}], "trigger": trigger,
                          "display_limit": {"mode": "until_answered"}},
            "appearance": {"position": "bottom-right", "brand_color": "#0f766e", "theme": "light"},
            "thank_you": {"title": "Thanks!"}, **extra}


PAGE_VIEW = {"type": "page_view"}
SURVEYS = {
    "/typing": survey("/typing", {"type": "delay", "seconds": 1}),
    "/outbox": survey("/outbox", {"type": "event", "name": "ask"}, WHY),
    "/tabs": survey("/tabs", {"type": "event", "name": "ask"}, WHY),
    "/dismiss": survey("/dismiss", PAGE_VIEW),
    "/strict": survey("/strict", PAGE_VIEW),
    "/gpc": survey("/gpc", PAGE_VIEW, WHY),
    "/scale": survey("/scale", PAGE_VIEW, NPS),
    "/scale-ar": survey("/scale-ar", PAGE_VIEW, NPS, locales=["ar"], default_locale="ar"),
    "/i18n": survey("/i18n", PAGE_VIEW,
                    {**NPS, "translations": {"ar": {"title": "ما مدى احتمال أن توصي بنا؟"},
                                             "ja": {"title": "私たちを薦める可能性は？"}}},
                    {**WHY, "translations": {"ar": {"title": "ما السبب الرئيسي؟"}}},
                    locales=["en", "ar", "ja"], default_locale="en",
                    strings={"ar": {"submit": "أرسل إجابتك"}}),
    "/app/pricing": survey("/app/pricing", PAGE_VIEW, WHY),
    "/theme": {**survey("/theme", PAGE_VIEW), "appearance": {"position": "bottom-right",
                                                             "brand_color": "#0f766e", "theme": "auto"}},
}

SETUP = """
import json, sys
from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.models import Survey, SurveyStatus
from surveyapp.workspaces import services

app = create_app()
with app.app_context():
    owner = services.create_user(db.session, "hosts-owner@example.com", "Hosts", "hosts-password-123")
    ws = services.create_workspace(db.session, "Hosts lab", owner, slug="hosts")
    env = ws.environments[0]
    ids = {}
    for path, definition in json.loads(sys.argv[1]).items():
        s = Survey(workspace=ws, environment=env, name="Hosts " + path, status=SurveyStatus.LIVE)
        s.publish(definition)
        db.session.add(s)
        db.session.flush()
        ids[path] = s.id
    db.session.commit()
    print(json.dumps({"key": env.client_key, "ids": ids}))
"""

HOSTILE_CSS = """
  * { font-family: "Comic Sans MS", cursive !important; color: #b00 !important;
      letter-spacing: 2px !important; box-sizing: content-box !important; }
  div, button, input, label { border: 3px dashed lime !important; padding: 9px !important;
      background: #ffc !important; font-size: 22px !important; }
  h2 { font-size: 48px !important; text-transform: uppercase !important; }
  main { min-height: 150vh; }
"""
THEME_CSS = """
  surveyapp-widget { --surveyapp-brand: rgb(0, 128, 0); --surveyapp-radius: 2px; }
  surveyapp-widget::part(title) { font-style: italic; }
  @media (prefers-color-scheme: dark) { surveyapp-widget { --surveyapp-brand: rgb(255, 160, 0); } }
"""
SNIPPET = ("window.surveyapp=window.surveyapp||function(){(surveyapp.q=surveyapp.q||[])"
           ".push(arguments)}")


SPA = """
function go(path) { history.pushState({}, "", path); document.querySelector("h1").textContent = path; }
document.getElementById("to-pricing").onclick = () => go("/app/pricing");
document.getElementById("to-home").onclick = () => go("/app");
"""


def host_page(path: str, api: str, key: str) -> str:
    loader = f'<script async src="{api}/embed/v1/loader.js" data-key="{key}"></script>'
    if path == "/app":  # a single-page app: its routes change with history.pushState
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title>'
                f'<style>{HOSTILE_CSS}</style><script>{SNIPPET}</script>{loader}</head><body>'
                f'<main><h1>/app</h1><button id="to-pricing" type="button">Pricing</button>'
                f'<button id="to-home" type="button">Home</button></main>'
                f'<script>{SPA}</script></body></html>')
    if path == "/strict":  # nothing inline: the CSP allows only the app origin
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict</title>'
                f'{loader}</head><body><main><h1>A page under a strict CSP</h1>'
                f'<input id="q" aria-label="Search"></main></body></html>')
    css = HOSTILE_CSS + (THEME_CSS if path == "/theme" else "")
    identify = ('surveyapp("identify", "gpc_visitor", {plan: "pro"});' if path == "/gpc" else "")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>Host {path}</title><style>{css}</style><script>{SNIPPET}</script>{loader}'
            f'</head><body><main><h1>Host page {path}</h1>'
            f'<label>Search <input id="q" autocomplete="off"></label>'
            f'<button id="other" type="button">Other</button></main>'
            f'<script>{identify}</script></body></html>')


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def lab(live_server) -> Iterator[dict[str, Any]]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(live_server.data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SETUP, json.dumps(SURVEYS)], env=env, text=True,
                         check=True, capture_output=True, timeout=120).stdout
    info = json.loads(out.strip().splitlines()[-1])
    api = str(live_server)
    strict = (f"default-src 'none'; script-src {api}; style-src {api}; connect-src {api}; "
              "base-uri 'none'; form-action 'none'")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path not in SURVEYS and path != "/app":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b""]
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        if path == "/strict":
            headers.append(("Content-Security-Policy", strict))
        start_response("200 OK", headers)
        return [host_page(path, api, info["key"]).encode()]

    port = free_port()
    server = make_server("127.0.0.1", port, app, server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="hosts-lab").start()
    yield {**info, "url": f"http://127.0.0.1:{port}", "csp": strict}
    server.shutdown()
    server.server_close()


def responses(live_server, survey_id: int) -> list[tuple[Any, ...]]:
    return live_server.query("SELECT answers, finished, contact_id FROM response WHERE survey_id = ?",
                             survey_id)


def displays(live_server, survey_id: int) -> int:
    return int(live_server.query("SELECT count(*) FROM display WHERE survey_id = ?", survey_id)[0][0])


def shadow(page, script: str) -> Any:
    """Evaluate ``script`` with ``root`` bound to the widget's shadow root."""
    return page.evaluate("() => { const root = document.querySelector('surveyapp-widget').shadowRoot; "
                         f"return {script}; }}")


def until(page, check, timeout: float = 20.0) -> Any:
    """Like wait_for, but lets Playwright deliver the page's events (console, requests)."""
    return wait_for(lambda: page.wait_for_timeout(100) or check(), timeout)


def in_survey(page) -> str | None:
    return page.evaluate("() => { const w = document.querySelector('surveyapp-widget'); "
                         "const a = w && w.shadowRoot.activeElement; return a && a.textContent; }")


# ---------------------------------------------------------------- 3: the outbox never sticks
KEEPALIVE_LIMIT = 64 * 1024


def test_large_batches_are_split_and_refused_writes_dropped_so_answers_get_through(page, live_server, lab):
    """A stuck outbox from before (one 300 KB event batch, and a display for a survey that
    no longer exists) is sent on the next page load: the batch without keepalive, the refused
    write dropped with a console warning; new events go in batches under 64 KB; the answer
    given afterwards is stored."""
    key, url = lab["key"], lab["url"]
    big = "x" * 3000
    stuck = [["POST", "/events", {"events": [
        {"id": f"stuck-{i:04d}", "name": "stuck_big_event", "properties": {"blob": big},
         "timestamp": "2026-12-01T10:00:00Z", "session_id": "stuck-session"} for i in range(100)]}],
        ["POST", "/displays", {"id": "gone-survey-display", "survey_id": 2_000_000_000}]]
    page.add_init_script(f"if (!sessionStorage.seeded) {{ sessionStorage.seeded = 1; "
                         f"localStorage.setItem('sa_{key}_q', {json.dumps(json.dumps(stuck))}); }}")
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    sent: list[bytes] = []
    page.on("request", lambda r: sent.append(r.post_data_buffer or b"")
            if r.url.endswith("/events") and r.method == "POST" else None)
    page.goto(url + "/outbox")
    assert wait_for(lambda: live_server.query(
        "SELECT count(*) FROM event WHERE name = 'stuck_big_event'")[0][0] == 100)
    assert until(page, lambda: any("refused" in w for w in warnings)), warnings
    # 60 new events of 3 KB each: several requests, each under the keepalive limit.
    page.evaluate("""b => { for (let i = 0; i < 60; i++) surveyapp('track', 'fresh_big_event', {i, b}); }""", big)
    assert until(page, lambda: live_server.query(
        "SELECT count(*) FROM event WHERE name = 'fresh_big_event'")[0][0] == 60)
    fresh = [len(body) for body in sent if b"fresh_big_event" in body]
    assert len(fresh) >= 3 and all(n < KEEPALIVE_LIMIT for n in fresh)
    # The survey on this page, answered after all that: stored at once.
    page.evaluate("surveyapp('track', 'ask')")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    page.get_by_role("dialog").get_by_role("textbox").fill("Everything arrived")
    page.get_by_role("dialog").get_by_role("button", name="Submit").click()
    rows = wait_for(lambda: responses(live_server, lab["ids"]["/outbox"]))
    assert rows and json.loads(rows[0][0]) == {"why": "Everything arrived"} and rows[0][1] == 1
    # Nothing left queued: the refused display was dropped, not retried forever.
    assert wait_for(lambda: page.evaluate(
        f"Object.keys(localStorage).filter(k => k.startsWith('sa_{key}_o') || k == 'sa_{key}_q')") == [])
    assert live_server.query("SELECT count(*) FROM display WHERE client_id = 'gone-survey-display'") == [(0,)]


def test_everything_queued_goes_out_when_the_visitor_leaves(browser, live_server, lab):
    """Several writes still queued (identify, then events not batched yet) when the tab
    closes: all are sent at once with keepalive, not one at a time."""
    context = browser.new_context()
    try:
        page = context.new_page()
        with page.expect_response(lambda r: r.url.endswith("/config")):
            page.goto(lab["url"] + "/outbox")
        page.wait_for_timeout(200)  # the config is read (before it, events wait for consent rules)
        page.evaluate("""() => { surveyapp('identify', 'leaving_visitor', {plan: 'team'});
            surveyapp('identify', 'leaving_visitor', {seats: 4});
            for (let i = 0; i < 5; i++) surveyapp('track', 'left_the_page', {i}); }""")
        page.close(run_before_unload=True)
        # (the browser stays open, as it does when a visitor closes one tab)
        assert wait_for(lambda: live_server.query(
            "SELECT count(*) FROM event e JOIN contact c ON c.id = e.contact_id "
            "WHERE e.name = 'left_the_page' AND c.external_id = 'leaving_visitor'")[0][0] == 5)
    finally:
        context.close()


# ---------------------------------------------------------------- 4: tabs share the outbox
def test_an_answer_queued_offline_in_a_closed_tab_is_sent_by_another_tab(browser, live_server, lab):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        a, b = context.new_page(), context.new_page()
        a.goto(lab["url"] + "/tabs")
        b.goto(lab["url"] + "/tabs")
        a.wait_for_function("() => window.__surveyapp")
        b.wait_for_function("() => window.__surveyapp")
        a.evaluate("surveyapp('track', 'ask')")
        dialog = a.get_by_role("dialog")
        dialog.wait_for(timeout=15_000)
        context.set_offline(True)
        dialog.get_by_role("textbox").fill("Answered offline in tab A")
        dialog.get_by_role("button", name="Submit").click()
        assert dialog.get_by_role("heading").inner_text() == "Thanks!"
        a.close()
        context.set_offline(False)
        b.evaluate("surveyapp('track', 'tab_b_event', {tab: 'b'})")
        rows = wait_for(lambda: responses(live_server, lab["ids"]["/tabs"]))
        assert rows and json.loads(rows[0][0]) == {"why": "Answered offline in tab A"}
        assert wait_for(lambda: live_server.query(
            "SELECT count(*) FROM event WHERE name = 'tab_b_event'")[0][0] == 1)
    finally:
        context.close()


# ---------------------------------------------------------------- 2: focus stays with the visitor
def test_a_delayed_survey_never_takes_the_keyboard_from_the_visitor(page, live_server, lab):
    page.goto(lab["url"] + "/typing")
    page.focus("#q")
    typed = "space bar and digits 7 8 9 while a survey appears"
    page.keyboard.type(typed[:12], delay=120)  # the survey shows after 1 s, mid-sentence
    page.get_by_role("dialog").wait_for(timeout=15_000)
    page.keyboard.type(typed[12:], delay=20)
    assert page.input_value("#q") == typed  # every keystroke reached the host page
    assert page.evaluate("document.activeElement.id") == "q" and in_survey(page) is None
    # Announced instead, with the way in.
    assert until(page, lambda: "Alt+Shift+S" in shadow(page, "root.querySelector('[aria-live]').textContent"))
    assert shadow(page, "root.querySelector('[aria-live]').textContent") == (
        "Survey: 1 of 2: How likely are you to recommend us? Press Alt+Shift+S to answer.")
    page.click("main h1")  # no element focused: Space and Enter still belong to the page
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    assert responses(live_server, lab["ids"]["/typing"]) == []
    # The visitor moves in on purpose: Alt+Shift+S, then answers by keyboard.
    page.focus("#q")
    page.keyboard.press("Alt+Shift+KeyS")
    assert in_survey(page) == "0"
    for _ in range(7):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    rows = until(page, lambda: responses(live_server, lab["ids"]["/typing"]))
    assert json.loads(rows[0][0]) == {"score": 7}
    page.keyboard.press("Escape")  # closed from inside: focus goes back to the search box
    assert page.locator("surveyapp-widget").count() == 0
    assert page.evaluate("document.activeElement.id") == "q"
    page.reload()  # Escape was a dismissal too: not shown (nor resumed) on the next page
    page.wait_for_timeout(2500)
    assert page.locator("surveyapp-widget").count() == 0
    assert until(page, lambda: displays(live_server, lab["ids"]["/typing"]) == 1)


# ---------------------------------------------------------------- 5: a dismissal is remembered
def test_a_dismissed_survey_does_not_come_back_on_the_next_pages(page, live_server, lab):
    page.goto(lab["url"] + "/dismiss")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    dialog.get_by_role("button", name="Close survey").click()
    assert page.locator("surveyapp-widget").count() == 0
    for _ in range(3):
        page.reload()
        page.wait_for_function("() => window.__surveyapp")
        page.wait_for_timeout(1500)
        assert page.locator("surveyapp-widget").count() == 0
    # One display recorded, not one per page load.
    assert until(page, lambda: displays(live_server, lab["ids"]["/dismiss"]) == 1)


def test_in_a_single_page_app_route_changes_target_and_a_dismissal_holds(page, live_server, lab):
    """Targeting follows pushState routes; one widget for the app's life; once closed, the
    survey stays closed as the visitor moves between routes."""
    page.goto(lab["url"] + "/app")
    page.wait_for_function("() => window.__surveyapp")
    page.wait_for_timeout(1500)
    assert page.locator("surveyapp-widget").count() == 0  # not on /app
    page.click("#to-pricing")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)  # shown on the route, without a page load
    assert page.locator("surveyapp-widget").count() == 1
    dialog.get_by_role("button", name="Close survey").click()
    for _ in range(2):
        page.click("#to-home")
        page.click("#to-pricing")
        page.wait_for_timeout(1500)
        assert page.locator("surveyapp-widget").count() == 0
    assert until(page, lambda: displays(live_server, lab["ids"]["/app/pricing"]) == 1)


# ---------------------------------------------------------------- 1: strict CSP
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_widget_is_fully_styled_under_a_csp_allowing_only_the_app_origin(page, live_server, lab):
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(lab["url"] + "/strict")
    assert response.headers["content-security-policy"] == lab["csp"]
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    style = shadow(page, """(() => {
        const w = getComputedStyle(root.querySelector('.w')), host = getComputedStyle(root.host);
        const b = getComputedStyle(root.querySelector('.s button'));
        return [host.position, w.backgroundColor, w.borderRadius, w.fontSize, b.borderStyle,
                root.querySelectorAll('style,[style]').length];
    })()""")
    assert style == ["fixed", "rgb(255, 255, 255)", "12px", "15px", "solid", 0]
    box = dialog.bounding_box()  # bottom-right, over the page, not in its flow
    assert box and 1280 - (box["x"] + box["width"]) < 20 and 900 - (box["y"] + box["height"]) < 20
    with page.expect_response(lambda r: "/responses/" in r.url and r.request.method == "PUT") as sent:
        dialog.get_by_role("button", name="9 of 10").click()
    assert sent.value.status in (200, 201)
    dialog.get_by_role("textbox").fill("Works under our CSP")
    dialog.get_by_role("button", name="Submit").click()
    assert dialog.get_by_role("heading").inner_text() == "Thanks!"
    rows = until(page, lambda: [r for r in responses(live_server, lab["ids"]["/strict"]) if r[1]])
    assert json.loads(rows[0][0]) == {"score": 9, "why": "Works under our CSP"}
    assert page.evaluate("window.__csp") == [] and console == []


# ---------------------------------------------------------------- 10: Global Privacy Control
def test_global_privacy_control_in_the_browser_stops_identify(page, live_server, lab):
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
                         "{get: () => true})")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/client/" in r.url else None)
    page.goto(lab["url"] + "/gpc")  # the page calls identify("gpc_visitor", {plan: "pro"})
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    dialog.get_by_role("textbox").fill("Private but helpful")
    dialog.get_by_role("button", name="Submit").click()
    rows = until(page, lambda: responses(live_server, lab["ids"]["/gpc"]))
    assert json.loads(rows[0][0]) == {"why": "Private but helpful"}
    assert rows[0][2] is None  # the answer is kept, tied to nobody
    assert not [u for u in calls if u.endswith("/identify")]
    assert live_server.query("SELECT count(*) FROM contact WHERE external_id LIKE '%gpc_visitor%'") == [(0,)]


# ---------------------------------------------------------------- 9: the 0-10 scale
def scale_rows(page) -> list[list[str]]:
    """The scale's buttons grouped by row (top position), each row in visual left-to-right order."""
    cells = shadow(page, "[...root.querySelectorAll('.s button')].map(b => { const r = "
                         "b.getBoundingClientRect(); return [Math.round(r.top), r.left, r.right, b.textContent]; })")
    rows: dict[int, list[tuple[float, str]]] = {}
    for top, left, right, text in cells:
        assert right - left >= 24  # a touch target, however narrow
        rows.setdefault(top, []).append((left, text))
    return [[t for _, t in sorted(row)] for _, row in sorted(rows.items())]


ALL = [str(n) for n in range(11)]


def test_the_0_to_10_scale_fits_one_row_or_wraps_as_0_5_and_6_10(page, lab):
    page.goto(lab["url"] + "/scale")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    assert scale_rows(page) == [ALL]  # default width (380 px panel)
    page.set_viewport_size({"width": 375, "height": 740})  # a phone: the panel is full width
    page.wait_for_timeout(100)
    assert scale_rows(page) == [ALL]
    page.set_viewport_size({"width": 320, "height": 640})  # a small phone: two deliberate rows
    page.wait_for_timeout(100)
    assert scale_rows(page) == [ALL[:6], ALL[6:]]


def test_the_0_to_10_scale_runs_right_to_left_in_arabic(page, lab):
    page.goto(lab["url"] + "/scale-ar")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    assert shadow(page, "root.querySelector('.w').dir") == "rtl"
    assert scale_rows(page) == [ALL[::-1]]
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(100)
    assert scale_rows(page) == [ALL[:6][::-1], ALL[6:][::-1]]


# ---------------------------------------------------------------- 8: theming by the host
def test_the_host_page_themes_the_widget_with_custom_properties_parts_and_dark_mode(page, lab):
    page.goto(lab["url"] + "/theme")
    page.get_by_role("dialog").wait_for(timeout=15_000)
    page.get_by_role("dialog").get_by_role("button", name="5 of 10").click()
    look = "(() => { const n = getComputedStyle(root.querySelector('.n')); " \
           "const w = getComputedStyle(root.querySelector('.w')); " \
           "const h = getComputedStyle(root.querySelector('h2')); " \
           "return [n.backgroundColor, w.borderRadius, h.fontStyle, w.backgroundColor, h.fontFamily]; })()"
    brand, radius, title, background, font = shadow(page, look)
    assert (brand, radius, title, background) == ("rgb(0, 128, 0)", "2px", "italic", "rgb(255, 255, 255)")
    assert "Comic" not in font  # the page's hostile global CSS still stays out
    page.emulate_media(color_scheme="dark")  # theme "auto" follows the visitor's dark mode
    brand, radius, title, background, _ = shadow(page, look)
    assert (brand, background) == ("rgb(255, 160, 0)", "rgb(31, 36, 48)")


# ---------------------------------------------------------------- 7: the widget's words
def test_the_widget_speaks_the_surveys_languages_right_to_left_with_overrides(browser, live_server, lab):
    context = browser.new_context(locale="ar-EG", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(lab["url"] + "/i18n")
        dialog = page.get_by_role("dialog")
        dialog.wait_for(timeout=15_000)
        assert dialog.get_by_role("heading").inner_text() == "ما مدى احتمال أن توصي بنا؟"
        assert shadow(page, "[root.querySelector('.w').dir, root.querySelector('.w').lang]") == ["rtl", "ar"]
        footer = shadow(page, "root.querySelector('.f span').textContent")
        assert footer == "1 من 2 · لماذا هذا الاستطلاع؟"
        # The question mark ends the sentence on its left, where an Arabic reader ends it.
        ends = shadow(page, """(() => {
            const b = root.querySelector('.why'), t = b.firstChild, r = document.createRange();
            r.setStart(t, 0); r.setEnd(t, 1); const first = r.getBoundingClientRect().left;
            r.setStart(t, t.length - 1); r.setEnd(t, t.length); return [first, r.getBoundingClientRect().left];
        })()""")
        assert ends[1] < ends[0]
        assert dialog.get_by_role("button", name="7 من 10").count() == 1  # aria-labels too
        dialog.get_by_role("button", name="لماذا هذا الاستطلاع؟").click()
        assert dialog.get_by_role("heading").inner_text() == "لماذا أرى هذا؟"
        assert "127.0.0.1" in dialog.inner_text() and "خوادمه" in dialog.inner_text()
        dialog.get_by_role("button", name="رجوع").click()
        dialog.get_by_role("button", name="7 من 10").click()
        assert dialog.get_by_role("heading").inner_text() == "ما السبب الرئيسي؟"
        dialog.get_by_role("button", name="أرسل إجابتك").click()  # the survey's own override
        assert dialog.get_by_role("heading").inner_text() == "Thanks!"  # the survey's thank-you text
    finally:
        context.close()
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(lab["url"] + "/i18n")
        dialog = page.get_by_role("dialog")
        dialog.wait_for(timeout=15_000)
        assert shadow(page, "root.querySelector('.f span').textContent") == "1 / 2 · このアンケートについて"
        assert dialog.get_by_role("button", name="アンケートを閉じる").count() == 1
    finally:
        context.close()
