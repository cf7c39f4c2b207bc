"""Every page of the demo workspace at 1366 px and 390 px (#27, "Done means").

One browser signs in as the demo owner, follows the workspace navigation and the links on
each page it reaches (two levels deep; one page per URL shape, so a survey report stands
for every survey's), adds the pages no link leads to without typing (a respondent's link
page, a person's self-service page, the sign-in page), and checks each page at both widths
for what a person would notice:

- the page is wider than the window (sideways scrolling), or the workspace navigation
  wraps to a second row on a laptop;
- sibling cards, buttons, table cells or form fields drawn over each other;
- raw ids shown to people: an answer key such as ``score:``, a question id ``q_...``,
  ``survey 3``, ``None``;
- literal Markdown: ``**``, backticks, a line starting ``##``;
- a chart with nothing drawn in it (a Chart.js canvas whose data has no non-zero value, an
  SVG chart without marks).

Each URL shape is its own test, so a failure names the page; pages whose owners are still
fixing them are ``xfail`` with the owner in the reason (``KNOWN``), never skipped. The crawl
itself is checked too: a shape found that the list does not name fails, so a new page is
covered from the day it is linked. Screenshots go to .cache/shots/page-<name>-<width>.png.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import ensure_themes
from tests.e2e.test_demo_in_browser import SHOTS, sign_in

WIDTHS = (1366, 390)
MAX_PAGES = 110  # a bound on the crawl (the demo has ~85 shapes)

# Links that are not pages: downloads, JSON, actions reached by GET, the sign-out.
NOT_PAGES = re.compile(
    r"(\.(csv|xlsx|json|png|svg|zip|pdf|txt)$|/export|/download|/api/|/embed/|/logout|"
    r"/static/|/healthz|/metrics|/openapi)")

# The shape of each page the crawl must find: (name, regular expression on the path).
# Numbers in paths are ids; one page per shape is checked.
PAGES: dict[str, str] = {
    "home": "/",
    "overview": "/w/demo/",
    "surveys": "/w/demo/surveys",
    "survey-new": "/w/demo/surveys/new",
    "survey-report": "/w/demo/surveys/N",
    "survey-asks": "/w/demo/surveys/asks",
    "survey-edit": "/w/demo/surveys/N/edit",
    "survey-versions": "/w/demo/surveys/N/versions",
    "survey-report-draft": "/w/demo/surveys/N (a draft without answers)",
    "survey-edit-link": "/w/demo/surveys/N/edit (a link survey)",
    "responses": "/w/demo/surveys/N/responses",
    "person": "/w/demo/people/N",
    "report-settings": "/w/demo/report-settings",
    "segments": "/w/demo/segments",
    "segment": "/w/demo/segments/N",
    "segment-run": "/w/demo/segments/runs/N",
    "segment-imports": "/w/demo/segments/imports",
    "segment-predict": "/w/demo/segments/predict",
    "persona": "/w/demo/personas/N",
    "experiments": "/w/demo/experiments",
    "experiment": "/w/demo/experiments/N",
    "journeys": "/w/demo/journeys",
    "funnel": "/w/demo/journeys/funnels/N",
    "paths": "/w/demo/journeys/paths",
    "clicks": "/w/demo/journeys/clicks",
    "personalization": "/w/demo/personalization",
    "personalization-slot": "/w/demo/personalization/N",
    "personalization-monitor": "/w/demo/personalization/N/monitor",
    "personalization-model": "/w/demo/personalization/N/model",
    "goals": "/w/demo/goals",
    "hypotheses": "/w/demo/hypotheses",
    "hypothesis": "/w/demo/hypotheses/N",
    "webhooks": "/w/demo/webhooks",
    "integrations": "/w/demo/integrations",
    "research": "/w/demo/research/",
    "study": "/w/demo/research/N",
    "synthesis-board": "/w/demo/research/N/board",
    "codebook": "/w/demo/research/codebook",
    "research-search": "/w/demo/research/search",
    "members": "/w/demo/members",
    "settings": "/w/demo/settings",
    "privacy": "/w/demo/privacy/",
    "bias": "/w/demo/privacy/bias",
    "api-docs": "/w/demo/docs/api",
    "api-docs-public": "/docs/api",
    "password": "/account/password",
    "link-page": "/s/T",
    "self-service": "/privacy/me/T",
    "sign-in": "/login",
}

# Pages that still fail for a reason someone else is fixing: name -> "owner: what".
KNOWN: dict[str, str] = {}

CHECK_JS = r"""() => {
  const W = document.documentElement.clientWidth;
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const label = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim())
      s += '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.');
    const t = (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    return t ? s + ' "' + t.slice(0, 40) + '"' : s;
  };
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  // 1. Sideways scrolling, naming the outermost element that sticks out.
  const scroll = document.documentElement.scrollWidth;
  if (scroll > W + 1) {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > W + 1 && !inScroller(el) &&
          !(el.parentElement && el.parentElement.getBoundingClientRect().right > W + 1)) out.push(label(el));
      if (out.length >= 3) break;
    }
    problems.push(`overflow: the page is ${scroll}px wide in a ${W}px window (${out.join('; ')})`);
  }
  // 2. Siblings drawn over each other.
  const boxy = '.card, .button, button, td, th, input, select, textarea, .badge, .pill, figure, .stat, li';
  const seen = new Set();
  for (const el of document.querySelectorAll(boxy)) {
    const parent = el.parentElement;
    if (!parent || seen.has(parent)) continue;
    seen.add(parent);
    const kids = [...parent.children].filter((k) => k.matches(boxy) && visible(k) &&
      getComputedStyle(k).position !== 'absolute' && getComputedStyle(k).position !== 'fixed');
    for (let i = 0; i < kids.length; i++) {
      const a = kids[i].getBoundingClientRect();
      for (let j = i + 1; j < kids.length; j++) {
        const b = kids[j].getBoundingClientRect();
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (dx > 2 && dy > 2) {
          problems.push(`overlap: ${label(kids[i])} and ${label(kids[j])} (${Math.round(dx)}x${Math.round(dy)}px)`);
          if (problems.length > 12) return problems;
        }
      }
    }
  }
  // 2b. Text cut off by its own box (a card or cell that clips what it holds).
  for (const el of document.querySelectorAll('.card, td, th, .button, button, .badge, .pill')) {
    if (!visible(el)) continue;
    const s = getComputedStyle(el);
    if (['hidden', 'clip'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 2 &&
        s.textOverflow !== 'ellipsis') problems.push(`clipped: ${label(el)} shows ${el.clientWidth} of ${el.scrollWidth}px`);
  }
  // 3 and 4. Words shown to people: raw ids and literal Markdown (code, pre and form
  // fields are allowed to hold both).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest('code, pre, kbd, samp, textarea, script, style, template, noscript, [hidden], .sr-only, option')) continue;
    if (!visible(p)) continue;
    texts.push([n.nodeValue, p]);
  }
  const raw = [
    [/\b[a-z][a-z0-9_]*_?[a-z0-9]*: (?=\S)/, 'an answer key'],
    [/\bq_[a-z0-9_]+/, 'a question id'],
    [/\bsurvey \d+\b/, 'a survey id'],
    [/(:|=)\s*(None|undefined|NaN|null)\b|^\s*(None|undefined|NaN|null|\[object Object\])\s*$/, 'a programming value'],
    [/\*\*|`|^\s*#{2,} /m, 'literal Markdown'],
  ];
  const keys = new Set(window.__rawKeys || []);
  for (const [text, p] of texts) {
    for (const [re, what] of raw) {
      const m = text.match(re);
      if (!m) continue;
      if (what === 'an answer key' && !keys.has(m[0].slice(0, -2))) continue;
      problems.push(`${what}: "${text.trim().slice(0, 80)}" in ${label(p).split(' ')[0]}`);
    }
  }
  // 5. Charts with nothing drawn.
  for (const canvas of document.querySelectorAll('canvas')) {
    if (!visible(canvas)) continue;
    const chart = window.Chart && window.Chart.getChart ? window.Chart.getChart(canvas) : null;
    if (!chart) { problems.push(`empty chart: ${label(canvas)} was never drawn`); continue; }
    const values = chart.data.datasets.flatMap((d) => d.data || []).map((v) =>
      v && typeof v === 'object' ? (v.y ?? v.r ?? v.x) : v);
    if (!values.some((v) => typeof v === 'number' && isFinite(v) && v !== 0))
      problems.push(`empty chart: ${label(canvas.closest('figure') || canvas)} has no non-zero value`);
  }
  for (const svg of document.querySelectorAll('svg')) {
    const r = svg.getBoundingClientRect();
    if (r.width < 120 || r.height < 60 || !visible(svg) || svg.parentElement.closest('svg')) continue;
    const marks = [...svg.querySelectorAll('rect, circle, path, polygon, polyline, ellipse')]
      .filter((m) => { const b = m.getBoundingClientRect(); return b.width > 0.5 && b.height > 0.5; });
    if (!marks.length) problems.push(`empty chart: ${label(svg)} has no marks`);
  }
  return problems;
}"""

LINKS_JS = """() => [...document.querySelectorAll('a[href]')]
  .map((a) => a.href).filter((h) => h.startsWith(location.origin))"""


def shape_of(path: str) -> str:
    """The URL shape: ids become N (``/w/demo/surveys/N/edit``), tokens T."""
    path = re.sub(r"^/(s|privacy/me)/[^/]+$", r"/\1/T", path)
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def _path(url: str, origin: str) -> str:
    return url[len(origin):].split("#")[0].split("?")[0] or "/"


def _extra_pages(page, live_server) -> dict[str, str]:
    """Pages no link leads to (a live survey's link page, a person's self-service page),
    and pages of another state than the crawl's (a draft link survey without answers: its
    report's empty state and its editor), keyed by a shape of their own."""
    (slug,), = live_server.query(
        "SELECT s.public_slug FROM survey s JOIN workspace w ON w.id = s.workspace_id "
        "WHERE w.slug = 'demo' AND s.status = 'live' ORDER BY s.id LIMIT 1")
    who = live_server.query(
        "SELECT c.external_id FROM contact c JOIN response r ON r.contact_id = c.id "
        "WHERE c.external_id IS NOT NULL ORDER BY c.id LIMIT 1")[0][0]
    page.goto(live_server + "/w/demo/privacy/")
    page.get_by_label("The person's user id", exact=True).first.fill(who)
    page.get_by_role("button", name="Create a self-service link").click()
    link = page.locator(".flash.link code").inner_text()
    pages = {"/s/T": f"{live_server}/s/{slug}", "/privacy/me/T": link}
    drafts = live_server.query(
        "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id WHERE w.slug = "
        "'demo' AND s.status = 'draft' AND s.kind = 'link' AND NOT EXISTS (SELECT 1 FROM "
        "response r WHERE r.survey_id = s.id) ORDER BY s.id LIMIT 1")
    if drafts:
        base = f"{live_server}/w/demo/surveys/{drafts[0][0]}"
        pages.update({PAGES["survey-report-draft"]: base, PAGES["survey-edit-link"]: base + "/edit"})
    return pages


def _answer_keys(live_server) -> list[str]:
    """Question ids of the demo surveys: shown as ``id: ...`` to people they are raw."""
    keys: set[str] = set()
    for (definition,) in live_server.query(
            "SELECT v.definition FROM survey_version v JOIN survey s ON s.id = v.survey_id "
            "JOIN workspace w ON w.id = s.workspace_id WHERE w.slug = 'demo'"):
        for q in json.loads(definition).get("questions") or []:
            keys.add(q.get("id", ""))
    return sorted(k for k in keys if k)


def _check(browser, live_server, urls: dict[str, str], keys: list[str]) -> dict[str, list[str]]:
    results: dict[str, list[str]] = {shape: [] for shape in urls}
    SHOTS.mkdir(parents=True, exist_ok=True)
    names = {shape: name for name, shape in PAGES.items()}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_init_script(f"window.__rawKeys = {json.dumps(keys)};")
        page = context.new_page()
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        for shape, url in urls.items():
            if shape == PAGES["sign-in"]:
                context.clear_cookies()
            response = page.goto(url)
            if response is None or response.status >= 400:
                results[shape].append(f"{width}px: HTTP {response.status if response else '?'}")
                continue
            with contextlib.suppress(PlaywrightTimeout):  # a page that polls: check after 3 s
                page.wait_for_load_state("networkidle", timeout=3_000)
            results[shape] += [f"{width}px: {p}" for p in page.evaluate(CHECK_JS)]
            if width >= 1366 and page.locator("header.topbar nav a").count():
                # The workspace navigation stays one row on a laptop (it scrolls in itself).
                link = page.locator("header.topbar nav a").first.bounding_box()
                nav = page.locator("header.topbar nav").bounding_box()
                if nav["height"] > 1.6 * link["height"]:
                    results[shape].append(f"{width}px: the navigation wraps "
                                          f"({nav['height']:.0f}px tall)")
            name = names.get(shape) or re.sub(r"[^a-z0-9]+", "-", shape).strip("-")
            page.screenshot(path=str(SHOTS / f"page-{name}-{width}.png"), full_page=True)
        context.close()
    return results


@pytest.fixture(scope="module")
def crawl(browser, live_server) -> dict[str, Any]:
    """Crawl once at 1366 px, then check every page found at both widths."""
    ensure_themes(live_server)
    keys = _answer_keys(live_server)
    started = time.monotonic()
    origin = str(live_server)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, live_server)
        page.wait_for_url("**/w/demo/")
        found: dict[str, str] = {}  # shape -> the first URL of that shape
        linked_from: dict[str, str] = {}
        # The richest survey first, so its report, responses and people stand for all.
        (survey_id,), = live_server.query(
            "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
            "WHERE w.slug = 'demo' AND s.name = 'Product NPS'")
        queue = [(origin + "/w/demo/", 0, ""),
                 (f"{origin}/w/demo/surveys/{survey_id}", 1, "/w/demo/"),
                 (f"{origin}/w/demo/surveys/{survey_id}/responses", 1, "/w/demo/surveys")]
        while queue and len(found) < MAX_PAGES:
            url, depth, source = queue.pop(0)
            path = _path(url, origin)
            if shape_of(path) in found:
                continue
            found[shape_of(path)], linked_from[shape_of(path)] = origin + path, source
            if depth >= 4 or not path.startswith("/w/demo/"):
                continue
            page.goto(origin + path)
            for href in page.evaluate(LINKS_JS):
                target = _path(href, origin)
                if not NOT_PAGES.search(target) and shape_of(target) not in found:
                    queue.append((origin + target, depth + 1, path))
        found.update(_extra_pages(page, live_server))
    finally:
        context.close()
    found.pop(PAGES["sign-in"], None)
    found[PAGES["sign-in"]] = origin + "/login"  # last: it signs out
    results = _check(browser, live_server, found, keys)
    return {"found": found, "linked_from": linked_from, "results": results,
            "seconds": time.monotonic() - started}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
    for n in PAGES])
def test_page_reads_well_on_a_laptop_and_a_phone(crawl, name):
    shape = PAGES[name]
    assert shape in crawl["found"], f"no link leads to the {name} page ({shape}) any more"
    problems = crawl["results"][shape]
    assert not problems, f"{crawl['found'][shape]}:\n" + "\n".join(problems)


def test_the_crawl_knows_every_page_it_finds(crawl):
    """A page found that PAGES does not name is still checked, but must be named (so it
    gets its own test and, if need be, an owner)."""
    known = set(PAGES.values())
    unknown = {shape: crawl["linked_from"].get(shape, "") for shape in crawl["found"]
               if shape not in known}
    problems = {shape: crawl["results"][shape] for shape in unknown}
    assert not unknown, "pages missing from PAGES:\n" + "\n".join(
        f"{shape} (linked from {src}): {len(problems[shape])} problem(s)"
        for shape, src in sorted(unknown.items()))



BAD_PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width">
<style>.card { display: inline-block; width: 200px; height: 80px; border: 1px solid; }
.row { display: flex; } .row .card:last-child { margin-left: -60px; }
.clip { display: inline-block; width: 80px; overflow: hidden; white-space: nowrap; }</style></head><body>
<main>
  <div class="row"><section class="card">One</section><section class="card">Two</section></div>
  <p><span class="badge clip">a tag whose words are cut off</span></p>
  <p>score: 9</p><p>Answered q_reason_2 and survey 3</p><p>job_id: None</p>
  <p>Run `surveyapp purge` **daily**</p>
  <p><code>score: 9 and `code` are fine in code</code></p>
  <div style="width: 900px">wider than a phone</div>
  <figure><canvas id="empty" width="300" height="150"></canvas></figure>
  <figure><canvas id="drawn" width="300" height="150"></canvas></figure>
  <svg width="300" height="100"><text x="0" y="20">an axis only</text></svg>
</main></body></html>"""


def test_the_checks_catch_what_they_claim(browser):
    """Each check fails on a page made to have its problem, and passes what is fine."""
    from pathlib import Path

    chart_js = Path(__file__).resolve().parents[2] / "surveyapp/static/vendor/chartjs/chart.umd.min.js"
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.set_content(BAD_PAGE)
        page.add_script_tag(path=str(chart_js))
        page.evaluate("""() => {
          new Chart(document.getElementById('empty'), {type: 'bar', options: {animation: false},
            data: {labels: ['a', 'b'], datasets: [{data: [0, 0]}]}});
          new Chart(document.getElementById('drawn'), {type: 'bar', options: {animation: false},
            data: {labels: ['a', 'b'], datasets: [{data: [3, 5]}]}});
          window.__rawKeys = ['score'];
        }""")
        problems = "\n".join(page.evaluate(CHECK_JS))
    finally:
        context.close()
    assert "overflow: the page is" in problems and "wider than a phone" in problems
    assert 'overlap: section.card "One" and section.card "Two"' in problems
    assert 'clipped: span.badge.clip "a tag whose words are cut off" shows 80' in problems
    assert 'an answer key: "score: 9"' in problems
    assert "a question id" in problems and "a survey id" in problems
    assert 'a programming value: "job_id: None"' in problems
    assert 'literal Markdown: "Run `surveyapp purge` **daily**"' in problems
    assert "in code" not in problems  # code may hold ids and backticks
    assert "empty chart: figure" in problems and problems.count("empty chart") == 2  # + the svg
    assert "canvas#drawn" not in problems
