"""Objects behind the reports area's URL arguments (the person page, a response's file),
for tests/test_access.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models import Contact, Response

ID_ARGS = {"contact_id", "response_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    env = team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id=f"person-{team.workspace.slug}",
                      attributes={"plan": "pro"})
    db.session.add(contact)
    db.session.flush()
    response = db.session.scalar(select(Response.id).where(Response.survey_id == ids["survey_id"]))
    return {"contact_id": contact.id, "response_id": response}
