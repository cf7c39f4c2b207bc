"""Hashed external ids: stored as keyed hashes, found through the same function."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.models import Contact, Response
from surveyapp.privacy import ids, service
from tests.conftest import login, post_form
from tests.test_privacy import populate


def stored_ids(db) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Contact.external_id)))


def test_turning_hashing_on_hashes_stored_ids_and_lookups_keep_working(db, client, team):
    survey = populate(db, team, "u_1")
    ws = team.workspace
    login(client, team.owner.email)
    base = f"/w/{ws.slug}/privacy/"
    unticked = post_form(client, base + "hash-ids", {}, token_from=base)
    assert unticked.status_code == 422 and stored_ids(db) == {"u_1"}
    done = post_form(client, base + "hash-ids", {"hash-confirm": "y"}, token_from=base,
                     follow_redirects=True)
    assert "2 existing ids hashed" in done.get_data(as_text=True)
    stored = stored_ids(db)
    assert len(stored) == 1 and "u_1" not in next(iter(stored)) and next(iter(stored)).startswith("h:")
    assert ids.hashing_enabled(db.session, ws.id)

    # The collection API hashes on the way in: the same person is found, nobody new is made.
    key = ws.environments[0].client_key
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_1", "attributes": {"plan": "team"}})
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_2", "attributes": {"plan": "free"}})
    client.put(f"/api/v1/client/{key}/responses/resp-u2-0001", json={
        "survey_id": survey.id, "user_id": "u_2", "answers": {"score": 10}, "finished": True})
    stored = stored_ids(db)
    assert len(stored) == 2 and not any(s.startswith("u_") for s in stored)
    assert db.session.scalar(select(Contact).where(
        Contact.external_id == ids.stored_external_id(db.session, ws.id, "u_1"),
        Contact.environment_id == ws.environments[0].id)).attributes == {"plan": "team"}

    # Owners' tools take the real id.
    found = post_form(client, base + "lookup", {"find-external_id": "u_2"}, token_from=base)
    assert "1 response" in found.get_data(as_text=True)
    assert "1 responses" not in found.get_data(as_text=True)  # one answer, singular
    export = service.export_contact(db.session, ws, "u_1")
    assert len(export["environments"]) == 2
    service.erase_contact(db.session, ws, "u_2", team.owner)
    db.session.commit()
    assert len(stored_ids(db)) == 1
    assert {r.answers["score"] for r in db.session.scalars(select(Response))} == {3}
    # The page says it is on, and there is no way back.
    page = client.get(base).get_data(as_text=True)
    assert "stored as keyed hashes" in page and "Hash user ids" not in page


def test_pseudonyms_are_stable_per_workspace_and_do_not_show_the_id(app, team, other_team):
    mine = ids.pseudonymiser(team.workspace.id)
    theirs = ids.pseudonymiser(other_team.workspace.id)
    assert mine("u_1") == mine("u_1") and mine("u_1") != mine("u_2")
    assert mine("u_1") != theirs("u_1") and "u_1" not in mine("u_1")
    assert mine("u_1").startswith("p_") and len(mine("u_1")) == 18 and mine(None) == ""
