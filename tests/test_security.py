"""Attacker-controlled text (answers, attributes, event names) stays inert everywhere."""

from __future__ import annotations

import csv
from html.parser import HTMLParser

from sqlalchemy import select

from surveyapp import jobs
from surveyapp.models import Contact, Event, Response, Survey, SurveyStatus, utcnow
from surveyapp.reports.exports import export_path
from tests.conftest import login

SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def seed_hostile(db, team):
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                            {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    contact = Contact(environment_id=env.id, external_id=SCRIPT, attributes={"plan": SCRIPT})
    db.session.add(contact)
    db.session.flush()
    db.session.add(Response(environment_id=env.id, client_id="r1", survey=survey, version=version,
                            contact_id=contact.id, finished=True,
                            answers={"score": 1, "why": '=HYPERLINK("http://evil.example","x")'}))
    db.session.add(Response(environment_id=env.id, client_id="r2", survey=survey, version=version,
                            finished=True, answers={"score": 2, "why": SCRIPT}))
    db.session.add(Event(environment_id=env.id, contact_id=contact.id, name=SCRIPT,
                         occurred_at=utcnow(), properties={}))
    db.session.commit()
    return survey


def test_script_payloads_render_inert_on_every_page(db, client, team):
    survey = seed_hostile(db, team)
    login(client, team.owner.email)
    slug = team.workspace.slug
    for url in (f"/w/{slug}/", f"/w/{slug}/surveys/{survey.id}", f"/w/{slug}/surveys/{survey.id}/edit"):
        resp = client.get(url)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and SCRIPT not in page and "<script>alert" not in page, url
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_csv_exports_cannot_smuggle_spreadsheet_formulas(db, team):
    survey = seed_hostile(db, team)
    job = jobs.create_job(db.session, "export_responses", team.workspace,
                          {"survey_id": survey.id, "real_ids": True})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded"
    with export_path(job).open(newline="", encoding="utf-8") as fh:
        next(csv.reader(fh))  # question texts; the ids are the second header row
        rows = list(csv.DictReader(fh))
    by_score = {r["score"]: r for r in rows}
    assert by_score["1"]["why"].startswith("'=HYPERLINK")
    assert by_score["2"]["why"] == SCRIPT  # text stays text; only formula starts are defused
    assert by_score["1"]["contact"] == SCRIPT


# ----------------------------------------------------------------------------- CSP
class _InlineCode(HTMLParser):
    """Finds what a CSP without 'unsafe-inline' would block: inline <script> code,
    on*= event handler attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            kind = (names.get("type") or "").lower()
            self._in_script = "src" not in names and kind not in ("application/json", "application/ld+json")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")


def csp_directives(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _check_page(resp, url: str) -> int:
    if resp.status_code != 200 or resp.mimetype != "text/html":
        return 0
    policy = csp_directives(resp.headers.get("Content-Security-Policy", ""))
    assert policy.get("script-src") == "'self'", f"{url}: CSP {policy}"
    assert policy.get("object-src") == "'none'" and "frame-ancestors" in policy, url
    parser = _InlineCode()
    parser.feed(resp.get_data(as_text=True))
    assert parser.problems == [], f"{url}: {parser.problems}"
    return 1


def test_every_page_has_a_csp_and_no_inline_script(app, db, client, team):
    from tests.test_access import build_url, make_objects

    survey = seed_hostile(db, team)
    survey.public_slug = "hostile-link"
    db.session.commit()
    ids = make_objects(db, team)
    pages = 0
    for url in ("/login", "/signup", "/docs/api", "/s/hostile-link"):
        pages += _check_page(client.get(url), url)
    assert client.get("/s/hostile-link").headers["Content-Security-Policy"].endswith(
        "frame-ancestors 'none'")  # the link page refuses framing, as its X-Frame-Options says
    login(client, team.owner.email)
    for rule in app.url_map.iter_rules():  # every workspace page (test_access checks the ids)
        if rule.rule.startswith("/w/<slug>") and "GET" in rule.methods \
                and rule.arguments - {"slug"} <= ids.keys() and rule.endpoint != "reports.download":
            url = build_url(rule, team.workspace.slug, ids)
            try:
                resp = client.get(url)
            except Exception:  # a page that crashes is test_access's business, not the CSP's
                continue
            pages += _check_page(resp, url)
    assert pages >= 10
    # Error pages are HTML too.
    missing = client.get(f"/w/{team.workspace.slug}/surveys/999999")
    assert "script-src 'self'" in missing.headers["Content-Security-Policy"]
    # JSON and the widget's files are not pages: no page policy there.
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_the_documented_csp_hash_matches_the_embed_snippet(owner_client, team):
    """docs/privacy.md tells customers which hash lets the queue snippet run under their CSP."""
    import base64
    import hashlib
    import html
    import re
    from pathlib import Path

    page = owner_client.get(f"/w/{team.workspace.slug}/settings").get_data(as_text=True)
    snippet = html.unescape(re.search(r"&lt;script&gt;(.*?)&lt;/script&gt;", page).group(1))
    digest = base64.b64encode(hashlib.sha256(snippet.encode()).digest()).decode()
    docs = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text()
    assert f"'sha256-{digest}'" in docs


def test_script_payloads_render_inert_in_the_bias_audit_and_self_service_page(db, client, team):
    from flask import current_app

    from surveyapp.privacy.selfservice import link_for

    survey = seed_hostile(db, team)
    env = team.workspace.environments[0]
    for i in range(12):
        db.session.add(Contact(environment_id=env.id, external_id=f"x{i}",
                               attributes={SCRIPT: SCRIPT if i % 2 else "pro"}))
    db.session.commit()
    login(client, team.owner.email)
    page = client.get(f"/w/{team.workspace.slug}/privacy/bias?survey={survey.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;script&gt;alert(1)" in html
    assert SCRIPT not in html and "<script>alert" not in html
    hostile = db.session.scalar(select(Contact).where(Contact.external_id == SCRIPT))
    with current_app.test_request_context():
        url, _ = link_for(db.session, hostile)
    db.session.commit()
    mine = client.get(url.replace("http://localhost", "")).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in mine and SCRIPT not in mine and "<script>alert" not in mine
