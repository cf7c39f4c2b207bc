"""Data subject rights, retention and the audit log."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, inspect, select, text

from surveyapp.models import (
    AnswerAnnotation,
    AuditEvent,
    Contact,
    Display,
    Event,
    Response,
    Role,
    Survey,
    SurveyStatus,
    utcnow,
)
from surveyapp.models.consent import ConsentRecord
from surveyapp.privacy import service
from tests.conftest import login, post_form


def populate(db, team, who="u_1", days_ago=0):
    """A contact in each environment with a response, annotation, display and events."""
    ws = team.workspace
    survey = db.session.scalar(select(Survey))
    if survey is None:
        survey = Survey(workspace=ws, environment=ws.environments[0], name="NPS",
                        status=SurveyStatus.LIVE)
        survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                      {"id": "why", "type": "open_text", "title": "Why?"}]})
        db.session.add(survey)
        db.session.flush()
    when = utcnow() - dt.timedelta(days=days_ago)
    for env in ws.environments:
        contact = Contact(environment_id=env.id, external_id=who, attributes={"plan": "pro"})
        db.session.add(contact)
        db.session.flush()
        display = Display(environment_id=env.id, client_id=f"d-{who}-{env.id}-{days_ago}",
                          survey_id=survey.id, version_id=survey.current_version.id,
                          contact_id=contact.id)
        db.session.add(display)
        response = Response(environment_id=env.id, client_id=f"r-{who}-{env.id}-{days_ago}",
                            survey=survey, version=survey.current_version, contact_id=contact.id,
                            finished=True, answers={"score": 3, "why": f"slow, says {who}"},
                            created_at=when)
        db.session.add(response)
        db.session.flush()
        db.session.add(AnswerAnnotation(response_id=response.id, survey_id=survey.id,
                                        question_id="why", kind="ok", theme=0,
                                        sentiment="negative"))
        db.session.add(ConsentRecord(environment_id=env.id, contact_id=contact.id, granted=True,
                                     source="widget", created_at=when))
        for i in range(3):
            db.session.add(Event(environment_id=env.id, contact_id=contact.id, name=f"view_{i}",
                                 occurred_at=when, properties={}))
    db.session.commit()
    return survey


def references_to(db, contact_ids):
    """Rows in any table with a contact_id column pointing at these contacts."""
    found = {}
    for table in db.metadata.sorted_tables:
        if "contact_id" in table.c:
            n = db.session.scalar(select(func.count()).select_from(table)
                                  .where(table.c.contact_id.in_(contact_ids)))
            if n:
                found[table.name] = n
    return found


def test_erasure_leaves_no_row_that_references_the_person(db, team):
    populate(db, team, "u_1")
    populate(db, team, "u_2")
    ids = [c.id for c in db.session.scalars(select(Contact).where(Contact.external_id == "u_1"))]
    their_responses = [r.id for r in db.session.scalars(select(Response).where(Response.contact_id.in_(ids)))]
    counts = service.erase_contact(db.session, team.workspace, "u_1", team.owner)
    db.session.commit()
    assert counts == {"contacts": 2, "responses": 2, "annotations": 2, "displays": 2, "events": 6,
                      "consent records": 2}
    assert references_to(db, ids) == {}
    assert db.session.scalar(select(func.count()).select_from(Contact).where(Contact.id.in_(ids))) == 0
    assert db.session.scalar(select(func.count()).select_from(AnswerAnnotation).where(
        AnswerAnnotation.response_id.in_(their_responses))) == 0
    # The other person is untouched; the audit log has the counts but not the id.
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.erased"))
    assert entry.details["events"] == 6 and "u_1" not in json.dumps(entry.details) + entry.target
    assert [t for t in inspect(db.engine).get_table_names()]  # (the loop above saw every table)


def test_access_export_holds_everything_and_only_theirs(db, team):
    populate(db, team, "u_1")
    populate(db, team, "u_2")
    data = service.export_contact(db.session, team.workspace, "u_1")
    assert len(data["environments"]) == 2
    first = data["environments"][0]
    assert first["contact"]["attributes"] == {"plan": "pro"}
    assert first["responses"][0]["answers"]["why"] == "slow, says u_1"
    assert len(first["events"]) == 3 and len(first["displays"]) == 1
    assert first["analysis"][0]["sentiment"] == "negative"
    assert "u_2" not in json.dumps(data)


def test_retention_purges_exactly_what_is_expired(db, team):
    populate(db, team, "old", days_ago=40)
    populate(db, team, "new", days_ago=5)
    ws = team.workspace
    ws.settings = {"retention_days": {"responses": 30, "events": 10}}
    db.session.commit()
    removed = service.purge(db.session, ws)
    db.session.commit()
    assert removed == {"responses": 2, "annotations": 2, "events": 6}
    left = {r.answers["why"] for r in db.session.scalars(select(Response))}
    assert left == {"slow, says new"}
    assert db.session.scalar(select(func.count()).select_from(Event)) == 6
    assert service.purge(db.session, ws) == {"responses": 0, "annotations": 0, "events": 0}


def test_owner_pages_export_erase_and_show_the_audit_log(db, client, team):
    populate(db, team, "u_9")
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    page = client.get(base)
    assert page.status_code == 200 and "Audit log" in page.get_data(as_text=True)
    found = post_form(client, base + "lookup", {"find-external_id": "u_9"}, token_from=base)
    assert "2 responses" in found.get_data(as_text=True)
    download = post_form(client, base + "export", {"find-external_id": "u_9"}, token_from=base)
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["environments"][0]["responses"][0]["answers"]["score"] == 3
    wrong = post_form(client, base + "erase", {"erase-external_id": "u_9", "erase-confirm": "u_8"},
                      token_from=base)
    assert wrong.status_code == 422 and db.session.scalar(select(func.count()).select_from(Contact)) == 2
    done = post_form(client, base + "erase", {"erase-external_id": "u_9", "erase-confirm": "u_9"},
                     token_from=base, follow_redirects=True)
    assert "Erased: 2 contacts" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    log = client.get(base).get_data(as_text=True)
    assert "contact.exported" in log and "contact.erased" in log
    # Analysts cannot use these tools.
    analyst = client.application.test_client()
    login(analyst, team.users[Role.ANALYST].email)
    assert analyst.get(base).status_code == 403


def test_cli_export_erase_and_purge(app, db, team, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp.cli import main

    populate(db, team, "u_cli")
    slug = team.workspace.slug

    def run(*args):
        return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    out = tmp_path / "u.json"
    assert run("privacy", "export", "--workspace", slug, "u_cli", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["external_id"] == "u_cli"
    result = run("privacy", "erase", "--workspace", slug, "u_cli", "--yes")
    assert result.exit_code == 0 and "2 contacts" in result.output
    assert run("privacy", "erase", "--workspace", "nope", "u_cli", "--yes").exit_code != 0
    result = run("purge")
    assert result.exit_code == 0 and f"{slug}: 0 responses" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_the_scheduled_purge_task_purges_every_workspace(app, db, team):
    purge_expired = app.extensions["celery"].tasks["surveyapp.purge_expired"]
    populate(db, team, "old", days_ago=400)
    team.workspace.settings = {"retention_days": {"responses": 365, "events": None}}
    db.session.commit()
    result = purge_expired.apply().get()
    assert result[team.workspace.slug]["responses"] == 2
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["purge-expired-data"]["task"] == "surveyapp.purge_expired"
