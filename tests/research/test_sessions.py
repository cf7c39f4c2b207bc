"""Sessions (when a researcher met whom, with notes and the material recorded there) and
usability tasks (scenario, what counts as success, a target time) as their own records."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from surveyapp.models import Role
from surveyapp.models.research import (
    Participant,
    Study,
    StudySession,
    StudySource,
    StudyTask,
    UsabilityResult,
)
from surveyapp.research.erasure import erase_participant
from tests.conftest import csrf_token, login
from tests.research.test_research import VTT, make_study, upload

RESULTS = (b"participant,task,success,time_s\n"
           b"P1,Find an invoice,yes,40\nP2,Find an invoice,yes,50\nP3,Find an invoice,yes,45\n"
           b"P1,Export a report,yes,200\nP2,Export a report,yes,220\nP3,Export a report,yes,210\n"
           b"P4,Export a report,no,400\n")


def study_page(client, slug, study):
    return client.get(f"/w/{slug}/research/{study.id}").get_data(as_text=True)


def test_a_session_records_when_and_with_whom_and_holds_its_transcript(db, client, team):
    login(client, team.users[Role.RESEARCHER].email)
    slug = team.workspace.slug
    make_study(client, slug)
    study = db.session.scalar(select(Study))
    db.session.add(Participant(workspace_id=study.workspace_id, study=study, label="P1"))
    db.session.commit()
    p1 = db.session.scalar(select(Participant))
    base = f"/w/{slug}/research/{study.id}"
    token = csrf_token(client, base)

    bad = client.post(f"{base}/sessions", data={"title": "", "held_on": "not a date", "csrf_token": token})
    assert bad.status_code == 422 and "Not a valid date value" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StudySession)) == 0

    resp = client.post(f"{base}/sessions", data={
        "title": "Interview 1", "participant": p1.id, "held_on": "2026-11-20", "moderator": "Sam",
        "notes": "Call them back on 555-201-7788 next week.", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#sessions")
    held = db.session.scalar(select(StudySession))
    assert held.participant_id == p1.id and str(held.held_on) == "2026-11-20"
    assert "555-201-7788" not in held.notes  # scrubbed before it is stored

    # The transcript goes into the session, and so to its participant.
    resp = upload(client, f"{base}/sources", "file", "p1.vtt", VTT.encode(), session=held.id)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    source = db.session.scalar(select(StudySource))
    assert source.session_id == held.id and source.participant_id == p1.id
    page = study_page(client, slug, study)
    assert "2026-11-20" in page and "Interview 1" in page and "p1.vtt" in page and "Sam" in page

    # Export carries the session; erasing the participant removes it.
    data = json.loads(client.get(f"{base}/export").get_data(as_text=True))
    assert data["sessions"][0]["held_on"] == "2026-11-20" and data["sessions"][0]["sources"] == ["p1.vtt"]
    counts = erase_participant(db.session, p1)
    db.session.commit()
    assert counts["sessions"] == 1
    assert db.session.scalar(select(func.count()).select_from(StudySession)) == 0


def test_tasks_come_from_the_results_in_order_and_carry_scenario_and_target(db, client, team):
    login(client, team.users[Role.RESEARCHER].email)
    slug = team.workspace.slug
    make_study(client, slug, title="Billing test", kind="usability")
    study = db.session.scalar(select(Study))
    base = f"/w/{slug}/research/{study.id}"
    token = csrf_token(client, base)
    # Written before the test: the task the results CSV names second comes first here.
    resp = client.post(f"{base}/tasks", data={"name": "Export a report", "scenario": "Send last month's report to your CFO.",
                                              "success": "A PDF is downloaded", "target_seconds": "120",
                                              "csrf_token": token})
    assert resp.status_code == 302
    assert upload(client, f"{base}/usability", "file", "results.csv", RESULTS).status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.scalars(select(StudyTask).order_by(StudyTask.position))] == [
        "Export a report", "Find an invoice"]
    page = study_page(client, slug, study)
    assert "Send last month&#39;s report to your CFO." in page and "Success means: A PDF is downloaded" in page
    results = page[page.index('id="usability"'):]
    assert results.index("Export a report") < results.index("Find an invoice")
    # Time on task (geometric mean of successes, 95% interval 186-237 s) is over the target.
    assert "over the 120 s target" in results

    # A duplicate name or a silly target is refused and changes nothing.
    dup = client.post(f"{base}/tasks", data={"name": "Find an invoice", "csrf_token": token})
    assert dup.status_code == 422 and "already has a task with this name" in dup.get_data(as_text=True)
    find = db.session.scalar(select(StudyTask).where(StudyTask.name == "Find an invoice"))
    neg = client.post(f"{base}/tasks/{find.id}", data={f"task{find.id}-name": "Find an invoice",
                                                       f"task{find.id}-target_seconds": "-5", "csrf_token": token})
    assert neg.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(StudyTask)) == 2

    # Renaming a task takes its results along; a target it meets is said so.
    resp = client.post(f"{base}/tasks/{find.id}", data={
        f"task{find.id}-name": "Find the March invoice", f"task{find.id}-target_seconds": "90",
        "csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    assert {r.task for r in db.session.scalars(select(UsabilityResult))} == {"Export a report", "Find the March invoice"}
    assert "within the 90 s target" in study_page(client, slug, study)
    other = db.session.scalar(select(StudyTask).where(StudyTask.name == "Export a report"))
    assert client.post(f"{base}/tasks/{other.id + 100}", data={"csrf_token": token}).status_code == 404

    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert viewer.post(f"{base}/tasks", data={"name": "x", "csrf_token": token}).status_code in (400, 403)
    assert "Add a task" not in study_page(viewer, slug, study)
