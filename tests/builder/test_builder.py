"""Researchers create surveys from templates, edit, publish versions and manage lifecycle."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from surveyapp.models import Role, Survey, SurveyStatus, SurveyVersion
from tests.conftest import login, post_form

GOOD = {
    "questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?",
         "required": True},
        {"id": "low", "type": "open_text", "title": "What disappointed you?"},
        {"id": "high", "type": "open_text", "title": "What do you love?"},
    ],
    "logic": [{"from": "score", "when": {"op": "lte", "value": 6}, "jump_to": "low"},
              {"from": "score", "when": {"op": "gte", "value": 9}, "jump_to": "high"}],
}


def create(client, slug, env_id, template="", name="Checkout NPS"):
    page = client.get(f"/w/{slug}/surveys/new")
    assert page.status_code == 200
    return post_form(client, f"/w/{slug}/surveys/new",
                     {"name": name, "kind": "app", "environment": str(env_id),
                      "template": template}, token_from=f"/w/{slug}/surveys/new")


def save(client, slug, survey_id, definition):
    return post_form(client, f"/w/{slug}/surveys/{survey_id}/edit",
                     {"definition": json.dumps(definition)},
                     token_from=f"/w/{slug}/surveys/{survey_id}/edit")


def test_create_from_a_template_publish_and_edit_a_live_survey(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    from surveyapp.surveys.templates import TEMPLATES

    key = next(iter(TEMPLATES))
    resp = create(client, slug, team.workspace.environments[0].id, template=key)
    assert resp.status_code == 302
    survey = db.session.scalar(select(Survey))
    assert survey.status == SurveyStatus.DRAFT and survey.draft["questions"]
    post_form(client, f"/w/{slug}/surveys/{survey.id}/publish",
              token_from=f"/w/{slug}/surveys/{survey.id}/edit")
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert survey.status == SurveyStatus.LIVE and survey.current_version.number == 1
    # Editing the live survey changes only the draft until it is published again.
    save(client, slug, survey.id, GOOD)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).current_version.number == 1
    page = client.get(f"/w/{slug}/surveys/{survey.id}/edit").get_data(as_text=True)
    assert "unpublished changes" in page
    post_form(client, f"/w/{slug}/surveys/{survey.id}/publish",
              token_from=f"/w/{slug}/surveys/{survey.id}/edit")
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).current_version.number == 2
    history = client.get(f"/w/{slug}/surveys/{survey.id}/versions").get_data(as_text=True)
    assert "Version 2" in history and "Version 1" in history


def test_invalid_logic_cannot_go_live_and_says_which_question(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    bad = {**GOOD, "logic": [{"from": "score", "when": {"op": "lte", "value": 6},
                              "jump_to": "nowhere"}]}
    save(client, slug, survey.id, bad)
    page = client.get(f"/w/{slug}/surveys/{survey.id}/edit").get_data(as_text=True)
    assert "cannot go live" in page and "nowhere" in page
    resp = post_form(client, f"/w/{slug}/surveys/{survey.id}/publish",
                     token_from=f"/w/{slug}/surveys/{survey.id}/edit", follow_redirects=True)
    assert "Not published" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).status == SurveyStatus.DRAFT
    assert db.session.scalar(select(func.count()).select_from(SurveyVersion)) == 0


def test_malformed_json_is_shown_and_the_draft_kept(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    save(client, slug, survey.id, GOOD)
    resp = post_form(client, f"/w/{slug}/surveys/{survey.id}/edit", {"definition": "{broken"},
                     token_from=f"/w/{slug}/surveys/{survey.id}/edit")
    assert resp.status_code == 422 and "Not valid JSON" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft == GOOD


def test_pause_close_reopen_and_duplicate(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    save(client, slug, survey.id, GOOD)
    edit = f"/w/{slug}/surveys/{survey.id}/edit"
    post_form(client, f"/w/{slug}/surveys/{survey.id}/publish", token_from=edit)
    for status in ("paused", "live", "closed", "live"):
        post_form(client, f"/w/{slug}/surveys/{survey.id}/status", {"status": status},
                  token_from=edit)
        db.session.expire_all()
        assert db.session.get(Survey, survey.id).status.value == status
    post_form(client, f"/w/{slug}/surveys/{survey.id}/duplicate", token_from=edit)
    copy_ = db.session.scalar(select(Survey).where(Survey.id != survey.id))
    assert copy_.name.endswith("(copy)") and copy_.status == SurveyStatus.DRAFT
    original = db.session.get(Survey, survey.id)
    assert copy_.draft == original.draft and copy_.draft["questions"][0]["id"] == "score"
    assert copy_.current_version is None


def test_export_then_import_round_trips(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    save(client, slug, survey.id, GOOD)
    exported = client.get(f"/w/{slug}/surveys/{survey.id}/export.json")
    doc = exported.get_json()
    assert doc["format"] == "surveyapp.survey/v1"
    resp = post_form(client, f"/w/{slug}/surveys/import",
                     {"file": (io.BytesIO(json.dumps(doc).encode()), "survey.json")},
                     token_from=f"/w/{slug}/surveys/new", content_type="multipart/form-data")
    assert resp.status_code == 302
    imported = db.session.scalar(select(Survey).where(Survey.id != survey.id))
    assert imported.draft["questions"] == json.loads(json.dumps(doc["definition"]))["questions"]
    bad = post_form(client, f"/w/{slug}/surveys/import",
                    {"file": (io.BytesIO(b'{"format": "other"}'), "x.json")},
                    token_from=f"/w/{slug}/surveys/new", content_type="multipart/form-data",
                    follow_redirects=True)
    assert "Could not import" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 2


def test_analysts_and_viewers_cannot_edit(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.ANALYST].email)
    assert client.get(f"/w/{slug}/surveys/new").status_code == 403
