"""Counts read as English (#27): "1 response", "2 responses" on pages, in job messages and
flashes; every export is in the audit log with the job it started, from a page or the API."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp import jobs
from surveyapp.models import Job, Response, Role
from surveyapp.models.audit import AuditEvent
from surveyapp.templating import plural
from tests.conftest import login, post_form


def test_plural_helper():
    assert plural(1, "response") == "1 response"
    assert plural(0, "response") == "0 responses"
    assert plural(1204, "response") == "1,204 responses"
    assert plural(1, "person", "people") == "1 person" and plural(3, "person", "people") == "3 people"
    assert plural(None, "answer") == "0 answers"


def _one_response_survey(db, dataset):
    db.session.query(Response).filter(Response.survey_id == dataset.survey.id,
                                      Response.id != dataset.rows[0]["id"]).delete()
    db.session.commit()


def test_one_response_reads_as_one_response(db, client, team, dataset):
    _one_response_survey(db, dataset)
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    base = f"/w/{slug}/surveys/{dataset.survey.id}"
    browser = client.get(f"{base}/responses").get_data(as_text=True)
    assert "1 response<" in browser or "1 response " in browser
    assert "1 responses" not in browser
    report = client.get(base).get_data(as_text=True)
    assert '<span class="label">response</span>' in report and "1 answers" not in report

    resp = post_form(client, f"{base}/export", {"format": "csv"}, token_from=base)
    assert resp.status_code == 302
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert jobs.run(job.id).value == "succeeded"
    db.session.refresh(job)
    assert job.message == "Exported 1 response as CSV"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Exported 1 response as CSV" in page and "1 responses" not in page


def test_exports_are_audited_with_their_job(app, db, client, team, dataset):
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    base = f"/w/{slug}/surveys/{dataset.survey.id}"
    post_form(client, f"{base}/export", {"format": "xlsx"}, token_from=base)
    web_job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()

    from surveyapp.workspaces.services import create_api_key
    secret = create_api_key(db.session, team.workspace, "warehouse sync", team.owner)
    db.session.commit()
    api = client.post(f"/api/v1/surveys/{dataset.survey.id}/exports",
                      headers={"Authorization": f"Bearer {secret}"}, json={"format": "csv"})
    assert api.status_code == 202
    api_job = api.get_json()["id"]

    entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.created")
                                 .order_by(AuditEvent.id)).all()
    assert [e.details["job_id"] for e in entries] == [web_job.id, api_job]
    assert entries[1].details["api_key"] == "warehouse sync"

    owner = app.test_client()
    login(owner, team.owner.email)
    privacy = owner.get(f"/w/{slug}/privacy/").get_data(as_text=True)
    assert f"job #{web_job.id}" in privacy and f"job #{api_job}" in privacy
    assert "None" not in privacy
