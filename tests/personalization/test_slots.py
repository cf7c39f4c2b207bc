"""Slots on the workspace pages: create, edit the draft (checked against its schema),
publish immutable versions, pause; role checks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from surveyapp.models.personalization import ImmutableSlotVersionError, Slot, SlotVersion
from surveyapp.personalization import service
from tests.conftest import login, post_form
from tests.experiments.helpers import contacts, segment
from tests.personalization.helpers import SCHEMA, tip_definition


def _draft_fields(d):
    return {"schema": json.dumps(d["schema"]), "variants": json.dumps(d["variants"]),
            "rules": json.dumps(d["rules"]), "default": d["default"],
            "holdout_percent": d["holdout_percent"], "goal_event": d["goal_event"] or "",
            "goal_window_hours": d["goal_window_hours"]}


def test_researcher_creates_edits_and_publishes_a_slot(db, owner_client, team):
    base = f"/w/{team.workspace.slug}/personalization"
    resp = post_form(owner_client, base, {"name": "Onboarding tip", "key": "onboarding_tip"},
                     token_from=base)
    assert resp.status_code == 302
    slot = db.session.scalar(select(Slot))
    assert slot.key == "onboarding_tip" and slot.live_version is None
    page = owner_client.get(f"{base}/{slot.id}").get_data(as_text=True)
    assert "not live" in page and "Payload schema" in page
    # A payload that breaks the schema is refused with the reason, and nothing is saved.
    bad = tip_definition()
    bad["variants"]["export"] = {"title": 42}
    resp = post_form(owner_client, f"{base}/{slot.id}/draft", _draft_fields(bad),
                     token_from=f"{base}/{slot.id}")
    assert resp.status_code == 422
    assert "variants.export: does not match the schema at title" in resp.get_data(as_text=True)
    broken = _draft_fields(tip_definition())
    broken["rules"] = "[{not json"
    resp = post_form(owner_client, f"{base}/{slot.id}/draft", broken, token_from=f"{base}/{slot.id}")
    assert resp.status_code == 422 and "Not valid JSON" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert "export" not in db.session.get(Slot, slot.id).draft["variants"]
    # A good draft is saved, then published as version 1.
    resp = post_form(owner_client, f"{base}/{slot.id}/draft", _draft_fields(tip_definition()),
                     token_from=f"{base}/{slot.id}")
    assert resp.status_code == 302
    resp = post_form(owner_client, f"{base}/{slot.id}/publish", token_from=f"{base}/{slot.id}",
                     follow_redirects=True)
    assert "Version 1 is live." in resp.get_data(as_text=True)
    # Publishing an unchanged draft says so instead of making a copy.
    resp = post_form(owner_client, f"{base}/{slot.id}/publish", token_from=f"{base}/{slot.id}",
                     follow_redirects=True)
    assert "same as the live version" in resp.get_data(as_text=True)
    changed = tip_definition(holdout_percent=20)
    post_form(owner_client, f"{base}/{slot.id}/draft", _draft_fields(changed),
              token_from=f"{base}/{slot.id}")
    post_form(owner_client, f"{base}/{slot.id}/publish", token_from=f"{base}/{slot.id}")
    db.session.expire_all()
    versions = db.session.scalars(select(SlotVersion).order_by(SlotVersion.version)).all()
    assert [(v.version, v.definition["holdout_percent"]) for v in versions] == [(1, 0), (2, 20)]
    assert db.session.get(Slot, slot.id).live_version == 2
    listing = owner_client.get(base).get_data(as_text=True)
    assert "onboarding_tip" in listing and "v2" in listing
    resp = post_form(owner_client, f"{base}/{slot.id}/pause", token_from=f"{base}/{slot.id}",
                     follow_redirects=True)
    assert "Paused" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).live_version is None


def test_a_published_version_cannot_be_changed(db, team):
    slot = service.create_slot(db.session, team.workspace, key="tip", name="Tip")
    service.save_draft(db.session, slot, tip_definition())
    version = service.publish(db.session, slot, None)
    db.session.commit()
    version.definition = {**version.definition, "default": "export"}
    with pytest.raises(ImmutableSlotVersionError):
        db.session.flush()
    db.session.rollback()


def test_rules_must_name_existing_segments_and_personas_whose_names_go_into_reasons(db, team):
    env = team.workspace.environments[0]
    ids = contacts(db, env.id, 2)
    segment(db, team.workspace, "power", ids, name="Power users")
    slot = service.create_slot(db.session, team.workspace, key="tip", name="Tip")
    with pytest.raises(service.SlotInvalid) as err:
        service.save_draft(db.session, slot, tip_definition(rules=[
            {"if": [{"segment": "nope"}], "then": "export"},
            {"if": [{"persona": 999}], "then": "export"}]))
    assert set(err.value.fields) == {"rules[0].if[0]", "rules[1].if[0]"}
    saved = service.save_draft(db.session, slot, tip_definition(
        rules=[{"if": [{"segment": "power"}], "then": "export"}]))
    assert saved["rules"][0]["if"][0]["name"] == "Power users"
    with pytest.raises(service.SlotConflict):
        service.create_slot(db.session, team.workspace, key="tip", name="Again")
    assert saved["schema"] == SCHEMA


def test_viewers_see_but_cannot_change_and_other_workspaces_get_404(db, client, team, other_team):
    slot = service.create_slot(db.session, team.workspace, key="tip", name="Tip")
    db.session.commit()
    from surveyapp.models import Role

    login(client, team.users[Role.VIEWER].email)
    base = f"/w/{team.workspace.slug}/personalization"
    page = client.get(f"{base}/{slot.id}")
    assert page.status_code == 200 and "Save draft" not in page.get_data(as_text=True)
    assert post_form(client, f"{base}/{slot.id}/publish", token_from=base).status_code == 403
    assert client.get(f"{base}/{slot.id}/monitor").status_code == 200
    login(client, other_team.owner.email)
    assert client.get(f"/w/{other_team.workspace.slug}/personalization/{slot.id}").status_code == 404
