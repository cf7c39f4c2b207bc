"""Objects behind the reports area's URL arguments (the person page), for
tests/test_access.py."""

from __future__ import annotations

from typing import Any

from surveyapp.models import Contact

ID_ARGS = {"contact_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    env = team.workspace.environments[0]
    contact = Contact(environment_id=env.id, external_id=f"person-{team.workspace.slug}",
                      attributes={"plan": "pro"})
    db.session.add(contact)
    db.session.flush()
    return {"contact_id": contact.id}
