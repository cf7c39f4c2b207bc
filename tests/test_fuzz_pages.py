"""Fuzzing the HTML side (issue 26): every page of a seeded demo workspace is crawled as its
owner, then requested again with hostile values in every query parameter it links with,
and every form found is posted with hostile values in every field. No answer may be a 5xx.
The OpenAPI side is fuzzed by schemathesis (tests/test_fuzz.py); hostile JSON bodies and
paths are in tests/test_hostile_input.py. Both databases.

The values are the ones that broke pages before (integers beyond 64 bits, NaN and Infinity,
digits Python's int() accepts but a database does not, impossible dates, invalid UTF-8,
lone surrogates, control characters, very long text) plus the usual injections."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, seed
from tests.conftest import login

HOSTILE = ["99999999999999999999999", "-1", "1e309", "NaN", "１２", "1_000", "2026-02-30",
           "' OR '1'='1", "x" * 3000, "\x1b[31m\t\u202e"]
RAW = ["%ED%A0%80", "%FF%FE", "%C0%AF"]  # a lone surrogate, invalid UTF-8, an overlong '/'
FORM_VALUES = ["99999999999999999999999", "NaN", "x" * 3000, "2026-02-30", "\x1b\u202e%FF"]
SKIP_FORMS = ("/logout", "/account/password")  # would end the crawl's own session
MAX_PAGES = 90


class Page(HTMLParser):
    """Links and forms of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "fields": {}, "hidden": {}})
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            form = self.forms[-1]
            if a.get("type") == "hidden":
                form["hidden"][a["name"]] = a.get("value", "")
            elif a.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
                form["fields"][a["name"]] = a.get("value", "")


def crawl(client, start: str) -> dict[str, Page]:
    """Same-workspace pages reachable from ``start``, one URL per path."""
    pages: dict[str, Page] = {}
    todo = [start]
    seen_paths: set[str] = set()
    params: dict[str, set[str]] = {}
    while todo and len(pages) < MAX_PAGES:
        url = todo.pop(0)
        path = urlsplit(url).path
        params.setdefault(path, set()).update(k for k, _ in parse_qsl(urlsplit(url).query))
        if path in seen_paths:
            continue
        seen_paths.add(path)
        resp = client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        page = Page()
        page.feed(resp.get_data(as_text=True))
        page.params = params[path]  # type: ignore[attr-defined]
        pages[url] = page
        for href in page.links:
            parts = urlsplit(href)
            if not parts.netloc and parts.path.startswith(start) and "download" not in parts.path:
                todo.append(href.split("#")[0])
                params.setdefault(parts.path, set()).update(k for k, _ in parse_qsl(parts.query))
        for form in page.forms:  # GET forms (filters) name query parameters too
            if form["method"] == "get":
                target = urlsplit(form["action"] or url).path
                params.setdefault(target, set()).update(form["fields"])
    for url, page in pages.items():
        page.params = params.get(urlsplit(url).path, set())  # type: ignore[attr-defined]
    return pages


@pytest.fixture
def crawled(db, client):
    seed(responses=200, echo=lambda _: None)
    assert login(client, DEMO_EMAIL, DEMO_PASSWORD).status_code == 302
    pages = crawl(client, "/w/demo/")
    assert len(pages) >= 30, sorted(pages)  # the crawl reached the workspace's pages
    return pages


def test_no_page_fails_on_hostile_query_strings_or_form_fields(client, crawled):
    failures: list[str] = []
    names = {"page", "q", "period", "segment", "job", "version", "url", "attribute", "start",
             "end", "compare", "by", "survey", "question", "device", "theme", "study", "kind"}
    for url, page in crawled.items():
        path = urlsplit(url).path
        keys = sorted(set(page.params) | names)  # type: ignore[attr-defined]
        for value in [quote(v, safe="") for v in HOSTILE] + RAW:
            query = "&".join(f"{quote(k, safe='')}={value}" for k in keys)
            resp = client.get(f"{path}?{query}")
            if resp.status_code >= 500:
                failures.append(f"GET {path} = {value[:20]!r}: {resp.status_code}")
    posted: set[str] = set()  # one form per route: /passages/1/edit stands for /passages/N/edit
    for url, page in crawled.items():
        for form in page.forms:
            action = form["action"] or urlsplit(url).path
            route = re.sub(r"/\d+(?=/|$)", "/N", action)
            if form["method"] != "post" or route in posted or action.endswith(SKIP_FORMS):
                continue
            posted.add(route)
            for value in FORM_VALUES:
                data = {**form["hidden"], **{name: value for name in form["fields"]}}
                resp = client.post(action, data=data)
                if resp.status_code >= 500:
                    failures.append(f"POST {action} = {value[:20]!r}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert len(posted) >= 15, sorted(posted)  # forms were found and posted
    assert re.search(r"/w/demo/", client.get("/w/demo/").get_data(as_text=True))  # still signed in
