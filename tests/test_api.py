"""The server API: key authentication, the one JSON error shape, and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveyapp.models import Job, Response, Survey, SurveyStatus
from surveyapp.workspaces import services


def error_of(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture
def api_key(db, team) -> str:
    secret = services.create_api_key(db.session, team.workspace, "tests", team.owner)
    db.session.commit()
    return secret


@pytest.fixture
def auth(api_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def survey(db, team) -> Survey:
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"}]})
    db.session.add(survey)
    db.session.flush()
    for i in range(7):
        db.session.add(Response(environment_id=env.id, client_id=f"c{i}", survey=survey,
                                version=version, finished=i % 2 == 0, answers={"score": i + 3}))
    db.session.commit()
    return survey


def test_api_key_is_stored_hashed_and_shown_only_once(db, api_key, team):
    from surveyapp.models import ApiKey

    row = db.session.scalar(select(ApiKey))
    assert api_key.startswith("sk_") and api_key not in (row.key_hash, row.prefix)
    assert api_key.startswith(row.prefix)


def test_requests_without_a_valid_key_get_401_in_the_error_shape(client):
    resp = client.get("/api/v1/surveys")
    assert resp.status_code == 401 and error_of(resp)["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    resp = client.get("/api/v1/surveys", headers={"Authorization": "Bearer sk_nope"})
    assert resp.status_code == 401 and error_of(resp)["code"] == "invalid_api_key"


def test_a_revoked_key_stops_working(db, client, auth):
    from surveyapp.models import ApiKey, utcnow

    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    db.session.scalar(select(ApiKey)).revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/workspace", headers=auth).status_code == 401


def test_workspace_and_surveys_are_listed_for_the_keys_workspace_only(client, auth, survey,
                                                                      other_team, db, team):
    other_env = other_team.workspace.environments[0]
    db.session.add(Survey(workspace=other_team.workspace, environment=other_env, name="Secret"))
    db.session.commit()
    body = client.get("/api/v1/workspace", headers=auth).get_json()
    assert body["slug"] == team.workspace.slug
    assert {e["name"] for e in body["environments"]} == {"production", "staging"}
    names = [s["name"] for s in client.get("/api/v1/surveys", headers=auth).get_json()["surveys"]]
    assert names == ["NPS"]


def test_responses_are_paginated(client, auth, survey):
    first = client.get(f"/api/v1/surveys/{survey.id}/responses?limit=5", headers=auth).get_json()
    assert len(first["responses"]) == 5 and first["next_after"]
    rest = client.get(f"/api/v1/surveys/{survey.id}/responses?limit=5&after={first['next_after']}",
                      headers=auth).get_json()
    assert len(rest["responses"]) == 2 and rest["next_after"] is None
    ids = [r["client_id"] for r in first["responses"] + rest["responses"]]
    assert sorted(ids) == [f"c{i}" for i in range(7)]


def test_invalid_query_parameters_name_the_field(client, auth, survey):
    resp = client.get(f"/api/v1/surveys/{survey.id}/responses?limit=0&after=x", headers=auth)
    err = error_of(resp)
    assert resp.status_code == 422 and set(err["fields"]) == {"limit", "after"}


def test_another_workspaces_survey_is_not_found(client, auth, db, other_team):
    env = other_team.workspace.environments[0]
    theirs = Survey(workspace=other_team.workspace, environment=env, name="Theirs")
    db.session.add(theirs)
    db.session.commit()
    for resp in (client.get(f"/api/v1/surveys/{theirs.id}/responses", headers=auth),
                 client.post(f"/api/v1/surveys/{theirs.id}/exports", headers=auth, json={})):
        assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_malformed_json_is_a_400_and_creates_nothing(client, auth, survey, db):
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                       data="{not json", content_type="application/json")
    assert resp.status_code == 400 and error_of(resp)["code"] == "invalid_json"
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                       data="finished_only=1", content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 415 and error_of(resp)["code"] == "unsupported_media_type"
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                       json={"finished_only": "yes", "colour": "red"})
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_oversized_bodies_get_413_and_change_nothing(client, auth, survey, db):
    big = '{"finished_only": true, "pad": "' + "x" * (1024 * 1024 + 10) + '"}'
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth, data=big,
                       content_type="application/json")
    assert resp.status_code == 413 and error_of(resp)["code"] == "payload_too_large"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_unknown_api_routes_and_methods_use_the_error_shape(client, auth):
    resp = client.get("/api/v1/nothing-here", headers=auth)
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    resp = client.delete("/api/v1/surveys", headers=auth)
    assert resp.status_code == 405 and error_of(resp)["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_unknown_pages_get_a_friendly_html_404(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "There is nothing here" in resp.get_data(as_text=True)
    resp = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"


def test_an_export_requested_over_the_api_is_queued_and_visible(client, auth, survey, db):
    resp = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                       json={"finished_only": True})
    assert resp.status_code == 202
    job = resp.get_json()
    assert job["status"] == "queued" and job["kind"] == "export_responses"
    polled = client.get(resp.headers["Location"], headers=auth).get_json()
    assert polled["id"] == job["id"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 7  # unchanged


def test_themes_segments_and_annotated_responses_over_the_api(db, client, auth, team):
    """Read-only insights over the API: themes with NPS and scrubbed quotes, annotations on
    responses, and saved segments."""
    import datetime as dt

    from surveyapp.models.segments import Segment, SegmentRun
    from tests.reports.conftest import _theme_result

    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                            {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.flush()
    from surveyapp.models import AnswerAnnotation, TextAnalysis

    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", result=_theme_result(),
                                answers=8))
    for i in range(8):
        r = Response(environment_id=env.id, client_id=f"t{i}", survey=survey, version=version,
                     finished=True, answers={"score": 10 if i < 6 else 2, "why": "Support"})
        db.session.add(r)
        db.session.flush()
        db.session.add(AnswerAnnotation(response_id=r.id, survey_id=survey.id, question_id="why",
                                        kind="ok", theme=2 if i < 6 else 0,
                                        sentiment="positive" if i < 6 else "negative"))
    run = SegmentRun(workspace_id=team.workspace.id, environment_id=env.id, status="saved",
                     window_end=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    db.session.add_all([run, Segment(workspace_id=team.workspace.id, run=run, key="power",
                                     name="Power users", size=42)])
    db.session.commit()

    body = client.get(f"/api/v1/surveys/{survey.id}/themes", headers=auth).get_json()
    [q] = body["questions"]
    themes = {t["label"]: t for t in q["themes"]}
    assert themes["Support"]["count"] == 6 and themes["Support"]["nps"] == 100.0
    assert themes["Support"]["sentiment"]["positive"] == 6
    assert themes["Slow pages"]["nps"] is None and themes["Slow pages"]["nps_n"] == 2  # < k
    assert all("@example.com" not in quote for t in q["themes"] for quote in t["quotes"])

    page = client.get(f"/api/v1/surveys/{survey.id}/responses", headers=auth).get_json()
    assert page["responses"][0]["annotations"]["why"] == {
        "kind": "ok", "theme_id": 2, "theme": "Support", "sentiment": "positive", "mixed": False}

    segments = client.get("/api/v1/segments", headers=auth).get_json()["segments"]
    assert [(s["name"], s["size"]) for s in segments] == [("Power users", 42)]
    assert client.get("/api/v1/segments").status_code == 401
