"""The public collection API: idempotent writes, validation, CORS, rate limits, consent."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from surveyapp.models import (
    ConsentMode,
    ConsentState,
    Contact,
    Display,
    Event,
    Response,
    Survey,
    SurveyStatus,
)

NPS = {
    "questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?",
         "required": True},
        {"id": "why", "type": "open_text", "title": "What is the main reason?"},
    ],
}


def uid() -> str:
    return str(uuid.uuid4())


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def error_code(resp) -> str:
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["code"]


@pytest.fixture
def env(db, team):
    return team.workspace.environments[0]


@pytest.fixture
def key(env) -> str:
    return env.client_key


@pytest.fixture
def survey(db, team, env):
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    survey.publish(NPS)
    db.session.add(survey)
    db.session.commit()
    return survey


def put(client, key, rid, **body):
    return client.put(f"/api/v1/client/{key}/responses/{rid}", json=body)


def test_a_response_is_created_then_completed_and_retries_never_duplicate(client, db, key, survey):
    rid = uid()
    first = put(client, key, rid, survey_id=survey.id, answers={"score": 4}, user_id="u_1",
                meta={"url": "https://shop.example/checkout", "locale": "en-GB", "ip": "1.2.3.4"})
    assert first.status_code == 201 and first.get_json()["finished"] is False
    assert put(client, key, rid, survey_id=survey.id, answers={"score": 4}).status_code == 200
    done = put(client, key, rid, answers={"why": "Too slow on mobile"}, finished=True)
    assert done.status_code == 200 and done.get_json()["finished"] is True
    again = put(client, key, rid, answers={"why": "Too slow on mobile"}, finished=True)
    assert again.status_code == 200
    assert count(db, Response) == 1
    row = db.session.scalar(select(Response))
    assert row.answers == {"score": 4, "why": "Too slow on mobile"} and row.finished
    assert row.meta == {"url": "https://shop.example/checkout", "locale": "en-GB"}  # no IP kept
    assert row.contact.external_id == "u_1"


def test_partial_answers_are_kept_even_if_never_finished(client, db, key, survey):
    assert put(client, key, uid(), survey_id=survey.id, answers={"score": 9}).status_code == 201
    row = db.session.scalar(select(Response))
    assert row.answers == {"score": 9} and not row.finished


@pytest.mark.parametrize("answers", [
    {"score": 11}, {"score": "ten"}, {"score": True}, {"nope": 1}, {"why": ["x"]},
])
def test_invalid_answers_are_refused_and_nothing_is_stored(client, db, key, survey, answers):
    resp = put(client, key, uid(), survey_id=survey.id, answers=answers)
    assert resp.status_code == 422 and error_code(resp) in {"invalid_answers", "invalid"}
    assert count(db, Response) == 0


def test_finishing_without_a_required_answer_is_refused(client, db, key, survey):
    resp = put(client, key, uid(), survey_id=survey.id, answers={"why": "hm"}, finished=True)
    assert resp.status_code == 422 and "score" in resp.get_json()["error"]["fields"]
    assert count(db, Response) == 0


def test_a_finished_response_cannot_be_rewritten(client, db, key, survey):
    rid = uid()
    put(client, key, rid, survey_id=survey.id, answers={"score": 10}, finished=True)
    resp = put(client, key, rid, answers={"score": 0}, finished=True)
    assert resp.status_code == 409 and error_code(resp) == "response_finished"
    assert db.session.scalar(select(Response)).answers == {"score": 10}


@pytest.mark.parametrize("status", [SurveyStatus.DRAFT, SurveyStatus.PAUSED, SurveyStatus.CLOSED])
def test_surveys_that_are_not_live_take_no_answers(client, db, key, survey, status):
    survey.status = status
    db.session.commit()
    resp = put(client, key, uid(), survey_id=survey.id, answers={"score": 5})
    assert resp.status_code == 409 and error_code(resp) == "survey_not_live"
    assert count(db, Response) == 0


def test_unknown_keys_surveys_and_bad_bodies_get_clear_errors(client, db, key, survey, other_team):
    assert error_code(put(client, "pk_nope", uid(), survey_id=survey.id)) == "unknown_key"
    theirs = Survey(workspace=other_team.workspace, environment=other_team.workspace.environments[0],
                    name="Theirs", status=SurveyStatus.LIVE)
    theirs.publish(NPS)
    db.session.add(theirs)
    db.session.commit()
    resp = put(client, key, uid(), survey_id=theirs.id, answers={"score": 1})
    assert resp.status_code == 404 and error_code(resp) == "unknown_survey"
    resp = client.put(f"/api/v1/client/{key}/responses/{uid()}", data="{oops",
                      content_type="application/json")
    assert resp.status_code == 400 and error_code(resp) == "invalid_json"
    resp = put(client, key, "short", survey_id=survey.id)
    assert resp.status_code == 422 and "id" in resp.get_json()["error"]["fields"]
    big = client.put(f"/api/v1/client/{key}/responses/{uid()}", content_type="application/json",
                     data='{"answers": {"why": "' + "x" * 1_100_000 + '"}}')
    assert big.status_code == 413 and error_code(big) == "payload_too_large"
    assert count(db, Response) == 0


def test_displays_are_idempotent(client, db, key, survey):
    did = uid()
    for expected in (201, 200, 200):
        resp = client.post(f"/api/v1/client/{key}/displays",
                           json={"id": did, "survey_id": survey.id, "user_id": "u_7"})
        assert resp.status_code == expected
    assert count(db, Display) == 1


def test_the_server_rechecks_display_limits_for_known_people(client, db, team, env, key):
    definition = {**NPS, "targeting": {"display_limit": {"mode": "once"}}}
    survey = Survey(workspace=team.workspace, environment=env, name="Once", status=SurveyStatus.LIVE)
    survey.publish(definition)
    db.session.add(survey)
    db.session.commit()
    shown = [client.post(f"/api/v1/client/{key}/displays",
                         json={"id": uid(), "survey_id": survey.id, "user_id": "u_once"}).get_json()
             for _ in range(2)]
    assert shown[0]["stored"] and shown[1] == {**shown[1], "stored": False, "reason": "display_limit"}
    assert put(client, key, uid(), survey_id=survey.id, answers={"score": 9}, finished=True,
               user_id="u_once").status_code == 201
    again = put(client, key, uid(), survey_id=survey.id, answers={"score": 3}, finished=True,
                user_id="u_once")
    assert again.status_code == 409 and error_code(again) == "already_answered"
    assert count(db, Response) == 1 and count(db, Display) == 1


def test_event_batches_are_stored_once_even_when_resent(client, db, key):
    batch = {"user_id": "u_1", "events": [
        {"id": uid(), "name": "page_view", "properties": {"path": "/pricing"}},
        {"id": uid(), "name": "upgrade_clicked", "session_id": "s1"},
    ]}
    first = client.post(f"/api/v1/client/{key}/events", json=batch)
    assert first.status_code == 202 and first.get_json() == {"received": 2, "stored": 2}
    again = client.post(f"/api/v1/client/{key}/events", json=batch)
    assert again.get_json() == {"received": 2, "stored": 0}
    assert count(db, Event) == 2
    assert {e.contact.external_id for e in db.session.scalars(select(Event))} == {"u_1"}


def test_sendbeacon_text_plain_bodies_are_accepted(client, db, key):
    resp = client.post(f"/api/v1/client/{key}/events", data='{"events":[{"name":"pagehide"}]}',
                       content_type="text/plain;charset=UTF-8")
    assert resp.status_code == 202 and count(db, Event) == 1


def test_a_bad_event_rejects_the_whole_batch(client, db, key):
    batch = {"events": [{"name": "ok"}, {"name": ""}, {"name": "late", "timestamp": "1999-01-01"}]}
    resp = client.post(f"/api/v1/client/{key}/events", json=batch)
    assert resp.status_code == 422 and "events.1.name" in resp.get_json()["error"]["fields"]
    assert count(db, Event) == 0


def test_identify_merges_attributes(client, db, key, env):
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_9", "attributes": {"plan": "free"}})
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_9", "attributes": {"seats": 3}})
    contact = db.session.scalar(select(Contact).where(Contact.external_id == "u_9"))
    assert contact.attributes == {"plan": "free", "seats": 3}
    resp = client.post(f"/api/v1/client/{key}/identify",
                       json={"user_id": "u_9", "attributes": {"x": {"nested": 1}}})
    assert resp.status_code == 422


def test_do_not_track_and_gpc_stop_behavioural_tracking(client, db, key):
    for header in ({"DNT": "1"}, {"Sec-GPC": "1"}):
        resp = client.post(f"/api/v1/client/{key}/events", headers=header,
                           json={"user_id": "u_2", "events": [{"name": "page_view"}]})
        assert resp.get_json()["stored"] == 0 and resp.get_json()["reason"] == "do_not_track"
    assert count(db, Event) == 0 and count(db, Contact) == 0


def test_consent_required_mode_stores_nothing_before_consent(client, db, key, survey, team):
    team.workspace.consent_mode = ConsentMode.REQUIRED
    db.session.commit()
    rid = uid()
    resp = put(client, key, rid, survey_id=survey.id, answers={"score": 8}, user_id="u_3")
    assert resp.status_code == 202 and resp.get_json()["reason"] == "consent_required"
    client.post(f"/api/v1/client/{key}/events", json={"user_id": "u_3", "events": [{"name": "x"}]})
    assert count(db, Response) == 0 and count(db, Event) == 0 and count(db, Contact) == 0
    ok = client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_3", "consent": True})
    assert ok.get_json()["consent"] == "granted"
    assert put(client, key, rid, survey_id=survey.id, answers={"score": 8},
               user_id="u_3").status_code == 201
    assert count(db, Response) == 1


def test_withdrawn_consent_stops_tracking(client, db, key):
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_4", "consent": True})
    client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_4", "consent": False})
    contact = db.session.scalar(select(Contact))
    assert contact.consent == ConsentState.DENIED
    resp = client.post(f"/api/v1/client/{key}/events", json={"user_id": "u_4",
                                                             "events": [{"name": "x"}]})
    assert resp.get_json()["stored"] == 0 and count(db, Event) == 0


def test_config_is_cacheable_with_etag_and_304(client, db, key, survey):
    first = client.get(f"/api/v1/client/{key}/config")
    assert first.status_code == 200 and "max-age=60" in first.headers["Cache-Control"]
    doc = first.get_json()
    assert [s["id"] for s in doc["surveys"]] == [survey.id]
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/client/{key}/config", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    survey.publish({**NPS, "questions": NPS["questions"][:1]})
    db.session.commit()
    changed = client.get(f"/api/v1/client/{key}/config", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_cors_allows_configured_origins_only(client, db, key, env, survey):
    preflight = client.options(f"/api/v1/client/{key}/events",
                               headers={"Origin": "https://shop.example",
                                        "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    env.allowed_origins = ["https://shop.example"]
    db.session.commit()
    ok = client.post(f"/api/v1/client/{key}/events", headers={"Origin": "https://shop.example"},
                     json={"events": [{"name": "a"}]})
    assert ok.status_code == 202 and ok.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    bad = client.post(f"/api/v1/client/{key}/events", headers={"Origin": "https://evil.example"},
                      json={"events": [{"name": "b"}]})
    assert bad.status_code == 403 and error_code(bad) == "origin_not_allowed"
    assert count(db, Event) == 1


def test_rate_limits_answer_429_with_retry_after(app_config, request):
    app_config["collect_rate_limit"] = "5 per minute"
    client = request.getfixturevalue("client")
    key = request.getfixturevalue("key")
    statuses = [client.post(f"/api/v1/client/{key}/events", json={"events": [{"name": "x"}]}).status_code
                for _ in range(6)]
    assert statuses[:5] == [202] * 5 and statuses[5] == 429
    resp = client.post(f"/api/v1/client/{key}/events", json={"events": [{"name": "x"}]})
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert error_code(resp) == "rate_limited"
