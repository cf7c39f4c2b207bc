"""A pretend customer product that embeds the widget, served on its own origin.

It is deliberately hostile to embedded widgets (global ``!important`` rules on every
element, a huge base font, odd box sizing) and is a single-page app that changes routes
with ``history.pushState``, so a newcomer sees targeting and isolation working.

It shows the demo's personalization slots (``SLOTS``: the onboarding tip, the feature
spotlight) through ``surveyapp("personalize", …)``, each with "Why am I seeing this?",
the opt-out, and the slot's relevance question; a slot that is not live shows nothing.

Its key figures, "New report", "Export CSV" and "Help" are the elements the demo's click
maps were recorded on (``experiments.demo.CLICK_TARGETS``), so the heatmap toolbar draws
the demo's clicks over them.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Analytics — customer app (surveyapp widget demo)</title>
<style>
  /* Aggressive host CSS: none of it may reach the survey widget. */
  * { font-family: "Comic Sans MS", cursive !important; color: #b00 !important;
      letter-spacing: 2px !important; box-sizing: content-box !important; }
  div, button, input, label { border: 3px dashed lime !important; padding: 9px !important;
      background: #ffc !important; font-size: 22px !important; }
  h2 { font-size: 48px !important; text-transform: uppercase !important; }
  body { margin: 0; background: #eef; }
  nav a { margin-right: 1em; }
  main { padding: 1em 2em; min-height: 150vh; }
  #slots { display: flex; flex-wrap: wrap; gap: 12px; }
  #slots aside { flex: 1 1 280px; max-width: 100%; }
  #slots h3, #slots p { overflow-wrap: anywhere; }
</style>
<script>window.surveyapp=window.surveyapp||function(){(surveyapp.q=surveyapp.q||[]).push(arguments)}</script>
<script async src="__API__/embed/v1/loader.js" data-key="__KEY__"></script>
</head><body>
<nav id="nav">
  <a href="/app">Home</a><a href="/app/dashboards">Dashboards</a>
  <a href="/onboarding/done">Finish onboarding</a>
</nav>
<main>
  <h1 id="title">Acme Analytics</h1>
  <p id="text">A pretend product page on another origin, embedding the surveyapp widget
  with one line. Its CSS is deliberately awful; the survey is not affected.</p>
  <p><button id="finish" type="button">I finished onboarding</button>
     <button id="consent" type="button">Accept analytics cookies</button></p>
  <p>Signed in as <code id="who"></code>.</p>
  <section id="kpis" aria-label="Key figures" style="display:flex;flex-wrap:wrap;gap:8px">
    <div class="kpi-card" style="cursor:pointer">Weekly active teams: 1,204</div>
    <div class="kpi-card" style="cursor:pointer">NPS: 41</div>
    <div class="kpi-card" style="cursor:pointer">Reports shared: 318</div>
  </section>
  <p><button id="new-report" type="button">New report</button>
     <button id="export" type="button">Export CSV</button>
     <a class="help-link" href="#help">Help</a></p>
  <section id="slots" aria-label="Picked for you"></section>
</main>
<script>
  var who = localStorage.getItem("demo_user") || ("demo_" + Math.random().toString(36).slice(2, 8));
  localStorage.setItem("demo_user", who);
  document.getElementById("who").textContent = who;
  surveyapp("identify", who, {plan: "pro", role: "analyst"});
  var pages = __PAGES__;
  function render() {
    var p = pages[location.pathname] || pages["/app"];
    document.getElementById("title").textContent = p[0];
    document.getElementById("text").textContent = p[1];
  }
  document.getElementById("nav").addEventListener("click", function (e) {
    if (e.target.tagName !== "A") return;
    e.preventDefault();
    history.pushState({}, "", e.target.getAttribute("href"));
    render();
    surveyapp("track", "page_viewed", {path: location.pathname});
  });
  document.getElementById("finish").addEventListener("click", function () {
    history.pushState({}, "", "/onboarding/done");
    render();
    surveyapp("track", "onboarding_completed");
  });
  document.getElementById("consent").addEventListener("click", function () {
    surveyapp("setConsent", true);
  });
  window.addEventListener("popstate", render);
  render();
  // Personalization: each slot the product has, as the widget decides it for this visitor
  // and page; null (not live, offline): the product shows nothing of its own here.
  var slots = __SLOTS__;
  function showSlots() {
    var box = document.getElementById("slots");
    box.textContent = "";
    slots.forEach(function (s) {
      surveyapp("personalize", s[0], function (d) {
        if (!d || !d.payload) return;
        var card = document.createElement("aside");
        card.id = "slot-" + s[0];
        card.setAttribute("aria-label", s[1]);
        card.setAttribute("data-variant", d.variant);
        var h = document.createElement("h3");
        h.textContent = d.payload.title;
        var why = document.createElement("details");
        var sum = document.createElement("summary");
        sum.textContent = "Why am I seeing this?";
        var reason = document.createElement("p");
        reason.className = "reason";
        reason.textContent = d.reason;
        why.append(sum, reason);
        if (["opted_out", "do_not_track", "consent_required"].indexOf(d.why) < 0) {
          var off = document.createElement("button");
          off.type = "button";
          off.textContent = "Turn personalisation off";
          off.addEventListener("click", function () { surveyapp("optOut"); showSlots(); });
          why.appendChild(off);
        }
        card.append(h, why);
        box.appendChild(card);
        if (d.ask) d.ask(h);  // "Was this relevant?" after the tip
      }, {attributes: {plan: "pro"}});
    });
  }
  showSlots();
</script>
</body></html>
"""

SLOTS = [["onboarding_tip", "Onboarding tip"], ["feature_spotlight", "Feature spotlight"]]
PAGES = {
    "/app": ["Acme Analytics", "Your product home. The NPS survey targets /app (half of "
             "visitors are sampled; try a private window if it does not show)."],
    "/app/dashboards": ["Dashboards", "The dashboards feedback survey appears after 20 seconds "
                        "here, for a quarter of visitors."],
    "/onboarding/done": ["Onboarding complete", "The onboarding effort survey is triggered by "
                         "the onboarding_completed event on this page."],
}


def host_page(api_base: str, key: str) -> str:
    return (PAGE.replace("__API__", html.escape(api_base.rstrip("/"), quote=True))
            .replace("__KEY__", html.escape(key, quote=True))
            .replace("__PAGES__", json.dumps(PAGES)).replace("__SLOTS__", json.dumps(SLOTS)))


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def host_app(api_base: str, key: str) -> Callable[..., Iterable[bytes]]:
    body = host_page(api_base, key).encode()

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/favicon.ico":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Cache-Control", "no-store")])
        return [body]

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def start_host(host: str, port: int, api_base: str, key: str) -> WSGIServer:
    """Serve the host page in a background thread; call ``shutdown()`` to stop it."""
    server = make_server(host, port, host_app(api_base, key), server_class=_ThreadingServer,
                         handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-host").start()
    return server
