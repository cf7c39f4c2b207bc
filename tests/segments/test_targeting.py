"""Segments as survey targets: the definition, the builder, and the identify response."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.models import Contact, Role, Survey, SurveyStatus, utcnow
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
from surveyapp.surveys.definition import DefinitionError, validate_definition
from tests.conftest import login, post_form

QUESTIONS = [{"id": "score", "type": "nps", "title": "How likely…?"}]


def test_a_definition_targets_segments_by_key():
    out = validate_definition({"questions": QUESTIONS,
                               "targeting": {"segments": ["power-users", "lapsing", "power-users"]}})
    assert out["targeting"]["segments"] == ["power-users", "lapsing"]
    for bad in (["Power Users"], "power-users", [1], ["x"] * 21):
        with pytest.raises(DefinitionError) as err:
            validate_definition({"questions": QUESTIONS, "targeting": {"segments": bad}})
        assert "targeting.segments" in err.value.fields


def test_builder_settings_save_segment_targeting(db, client, team):
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="Targeted",
                    draft={"questions": QUESTIONS})
    db.session.add(survey)
    db.session.commit()
    login(client, team.users[Role.RESEARCHER].email)
    base = f"/w/{slug}/surveys/{survey.id}"
    form = {"set-trigger": "page_view", "set-sampling": "100", "set-display_limit": "until_answered",
            "set-position": "bottom-right", "set-theme": "auto", "set-brand_color": "#4f46e5",
            "set-locales": "en"}
    resp = post_form(client, f"{base}/settings", {**form, "set-segments": "Not a key"},
                     token_from=f"{base}/edit")
    assert resp.status_code == 422 and "segment keys" in resp.get_data(as_text=True)
    resp = post_form(client, f"{base}/settings", {**form, "set-segments": "power-users, lapsing"},
                     token_from=f"{base}/edit")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft["targeting"]["segments"] == ["power-users", "lapsing"]
    assert 'value="power-users, lapsing"' in client.get(f"{base}/edit").get_data(as_text=True)


def _saved_segments(db, team, status: str = "saved") -> dict[str, Contact]:
    env = team.workspace.environments[0]
    people = {ext: Contact(environment_id=env.id, external_id=ext, attributes={})
              for ext in ("u_power", "u_casual", "u_noise")}
    db.session.add_all(people.values())
    run = SegmentRun(workspace_id=team.workspace.id, environment_id=env.id, window_end=utcnow(),
                     status=status, saved_at=utcnow())
    db.session.add(run)
    db.session.flush()
    for key, label, ext in (("power-users", 0, "u_power"), ("casual", 1, "u_casual"),
                            ("unclustered", -1, "u_noise")):
        seg = Segment(workspace_id=team.workspace.id, run_id=run.id, key=key, name=key, label=label)
        db.session.add(seg)
        db.session.flush()
        db.session.add(SegmentMember(segment_id=seg.id, contact_id=people[ext].id))
    db.session.commit()
    return people


def test_identify_returns_only_that_contacts_segment_keys(db, client, team):
    _saved_segments(db, team)
    key = team.workspace.environments[0].client_key
    survey = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                    name="For power users", status=SurveyStatus.LIVE)
    survey.publish({"questions": QUESTIONS, "targeting": {"segments": ["power-users"]}})
    db.session.add(survey)
    db.session.commit()

    def identify(user_id: str) -> dict:
        resp = client.post(f"/api/v1/client/{key}/identify", json={"user_id": user_id})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()

    assert identify("u_power")["segments"] == ["power-users"]
    assert identify("u_casual")["segments"] == ["casual"]
    assert identify("u_noise")["segments"] == []  # noise is not a target
    assert identify("u_new")["segments"] == []
    config = client.get(f"/api/v1/client/{key}/config").get_json()
    targeted = next(s for s in config["surveys"] if s["id"] == survey.id)
    assert targeted["targeting"]["segments"] == ["power-users"]
    assert "u_power" not in str(config)  # membership is never listed for everyone


def test_superseded_runs_no_longer_count(db, client, team):
    _saved_segments(db, team, status="superseded")
    key = team.workspace.environments[0].client_key
    resp = client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_power"})
    assert resp.get_json()["segments"] == []
    assert db.session.scalar(select(SegmentMember.id)) is not None
