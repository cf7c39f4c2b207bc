"""Attacker-controlled text (answers, attributes, event names) stays inert everywhere."""

from __future__ import annotations

import csv

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
    job = jobs.create_job(db.session, "export_responses", team.workspace, {"survey_id": survey.id})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded"
    with export_path(job).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_score = {r["score"]: r for r in rows}
    assert by_score["1"]["why"].startswith("'=HYPERLINK")
    assert by_score["2"]["why"] == SCRIPT  # text stays text; only formula starts are defused
    assert by_score["1"]["contact"] == SCRIPT
