"""Owners set consent, recontact and allowed origins; bad values are explained, not saved."""

from __future__ import annotations

from surveyapp.models import ConsentMode, Environment, Workspace
from tests.conftest import post_form


def test_owner_changes_consent_mode_and_recontact_wait(db, owner_client, team):
    slug = team.workspace.slug
    resp = post_form(owner_client, f"/w/{slug}/settings",
                     {"name": "Acme Inc", "recontact_days": "14", "consent_mode": "required"},
                     token_from=f"/w/{slug}/settings")
    assert resp.status_code == 302
    db.session.expire_all()
    ws = db.session.get(Workspace, team.workspace.id)
    assert (ws.name, ws.recontact_days, ws.consent_mode) == ("Acme Inc", 14, ConsentMode.REQUIRED)


def test_invalid_settings_show_errors_and_save_nothing(db, owner_client, team):
    slug = team.workspace.slug
    resp = post_form(owner_client, f"/w/{slug}/settings",
                     {"name": "", "recontact_days": "-3", "consent_mode": "whatever"},
                     token_from=f"/w/{slug}/settings")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "This field is required" in html and "Not a valid choice" in html
    db.session.expire_all()
    assert db.session.get(Workspace, team.workspace.id).name == "Acme"


def test_allowed_origins_are_normalised_and_validated(db, owner_client, team):
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    field = f"env{env.id}-origins"
    post_form(owner_client, f"/w/{slug}/environments/{env.id}/origins",
              {field: "https://Shop.Example/\nhttp://localhost:3000, https://shop.example"},
              token_from=f"/w/{slug}/settings")
    db.session.expire_all()
    assert db.session.get(Environment, env.id).allowed_origins == [
        "http://localhost:3000", "https://shop.example"]
    resp = post_form(owner_client, f"/w/{slug}/environments/{env.id}/origins",
                     {field: "shop.example/path"}, token_from=f"/w/{slug}/settings",
                     follow_redirects=True)
    assert "is not an origin" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Environment, env.id).allowed_origins) == 2
