"""A study export: passages and highlights with tags, people by label and pseudonym."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from surveyapp.models import AuditEvent, Contact, Role
from surveyapp.models.research import Participant, Passage, Study, StudyKind
from surveyapp.research import service
from tests.conftest import login


@pytest.fixture
def study(db, team):
    ws, env = team.workspace, team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id="user-4711")
    study = Study(workspace_id=ws.id, title="Onboarding", kind=StudyKind.INTERVIEWS)
    db.session.add_all([contact, study])
    db.session.flush()
    p1 = Participant(workspace_id=ws.id, study=study, label="P1", contact_id=contact.id)
    db.session.add(p1)
    db.session.flush()
    service.import_source(db.session, study, b"Interviewer: First day?\nP1: =SUM(A1) is what I typed, the import wizard confused me.\n",
                          filename="p1.txt", participant=p1)
    db.session.flush()
    passage = db.session.scalar(select(Passage).where(Passage.text.contains("wizard")))
    service.add_highlight(db.session, passage, "the import wizard confused me",
                          tags=service.tags_by_name(db.session, ws.id, ["onboarding", "import"]),
                          note="Wizard needs a preview")
    db.session.commit()
    return study


def test_json_export_names_people_by_label_and_pseudonym(db, client, team, study):
    login(client, team.users[Role.ANALYST].email)
    resp = client.get(f"/w/{team.workspace.slug}/research/{study.id}/export")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    data = resp.get_json()
    assert data["study"]["title"] == "Onboarding"
    [person] = data["participants"]
    assert person["label"] == "P1" and person["user"].startswith("p_") and len(person["user"]) == 18
    assert "user-4711" not in resp.get_data(as_text=True)
    contact_id = db.session.scalar(select(Contact.id))
    assert '"contact_id"' not in resp.get_data(as_text=True) and contact_id  # no row ids
    assert [p["participant"] for p in data["passages"]] == ["P1", "P1"]
    [h] = data["highlights"]
    assert h["quote"] == "the import wizard confused me" and h["tags"] == ["import", "onboarding"]
    assert h["participant"] == "P1" and h["note"] == "Wizard needs a preview"
    # The same pseudonym every time; the real id only when asked for.
    again = client.get(f"/w/{team.workspace.slug}/research/{study.id}/export").get_json()
    assert again["participants"][0]["user"] == person["user"]
    real = client.get(f"/w/{team.workspace.slug}/research/{study.id}/export?real_ids=1").get_json()
    assert real["participants"][0]["user"] == "user-4711" and real["real_ids"] is True
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert actions.count("research.exported") == 3


def test_csv_export_defuses_formulas_and_lists_both_kinds(db, client, team, study):
    login(client, team.users[Role.ANALYST].email)
    resp = client.get(f"/w/{team.workspace.slug}/research/{study.id}/export?format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["record"] for r in rows] == ["passage", "passage", "highlight"]
    assert rows[1]["text"].startswith("'=SUM(A1)")  # not run by a spreadsheet
    assert rows[2]["tags"] == "import; onboarding" and rows[2]["participant"] == "P1"
    assert rows[2]["participant_user"].startswith("p_") and "user-4711" not in resp.get_data(as_text=True)


def test_viewers_cannot_export(client, team, study):
    login(client, team.users[Role.VIEWER].email)
    assert client.get(f"/w/{team.workspace.slug}/research/{study.id}/export").status_code == 403
