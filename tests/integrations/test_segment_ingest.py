"""Segment-spec ingestion, driven by the real Segment client (segment-analytics-python)
against the app on loopback: what a customer gets when they point an existing Segment or
RudderStack set-up at surveyapp."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import uuid

import pytest
import requests
from segment.analytics import Client
from sqlalchemy import func, select

from surveyapp.models import (
    ConsentMode,
    ConsentState,
    Contact,
    Event,
    Response,
    Survey,
    SurveyStatus,
)
from surveyapp.models.integrations import ContactAlias


def _client(served: str, key: str, errors: list[Exception] | None = None, **kw) -> Client:
    return Client(write_key=key, host=f"{served}/api/segment", max_retries=1,
                  on_error=(lambda exc, batch: errors.append(exc)) if errors is not None else None,
                  **kw)


def _contact(db, env, external_id: str) -> Contact | None:
    return db.session.scalar(select(Contact).where(Contact.environment_id == env.id,
                                                   Contact.external_id == external_id))


def _events(db, contact: Contact) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.contact_id == contact.id)
                                   .order_by(Event.occurred_at, Event.id)))


def test_the_real_segment_client_lands_in_the_event_and_contact_store(db, team, served):
    """An anonymous visit, a sign-up that identifies the person, their company: one
    contact with every event, the traits and the group."""
    env = team.workspace.environments[0]
    errors: list[Exception] = []
    client = _client(served, env.client_key, errors)
    anon = str(uuid.uuid4())
    client.page(anonymous_id=anon, category="Docs", name="Pricing",
                properties={"url": "https://example.com/pricing", "path": "/pricing"})
    client.track(anonymous_id=anon, event="Plan Compared", properties={"plans": 3})
    client.screen(anonymous_id=anon, name="Onboarding")
    client.identify(user_id="u-1001", anonymous_id=anon,
                    traits={"email": "ada@example.com", "plan": "pro",
                            "address": {"city": "Leeds", "country": "UK"}})
    client.group(user_id="u-1001", group_id="acme-inc", traits={"name": "Acme", "seats": 40})
    client.track(user_id="u-1001", event="Subscription Started",
                 properties={"plan": "pro", "amount": 49.0})
    client.flush()
    client.join()
    assert errors == []

    db.session.expire_all()
    person = _contact(db, env, "u-1001")
    assert person is not None
    assert _contact(db, env, f"anon:{anon}") is None  # merged into the user
    names = [e.name for e in _events(db, person)]
    assert names == ["$page", "Plan Compared", "$screen", "Subscription Started"]
    page = _events(db, person)[0]
    assert page.properties["url"] == "https://example.com/pricing"
    assert page.properties["name"] == "Pricing" and page.properties["category"] == "Docs"
    attrs = person.attributes
    assert attrs["email"] == "ada@example.com" and attrs["plan"] == "pro"
    assert attrs["address.city"] == "Leeds"
    assert attrs["group_id"] == "acme-inc" and attrs["group.seats"] == 40
    # A late message with only the anonymous id still lands on the person.
    late = _client(served, env.client_key, errors)
    late.track(anonymous_id=anon, event="Late Event")
    late.flush()
    late.join()
    db.session.expire_all()
    assert [e.name for e in _events(db, person)][-1] == "Late Event"


def test_a_retried_batch_stores_nothing_twice(db, team, served):
    env = team.workspace.environments[0]
    client = _client(served, env.client_key)
    for _ in range(2):  # the client retrying after a lost answer sends the same ids
        client.track(user_id="u-7", event="Report Exported", message_id="msg-0001-export")
        client.identify(user_id="u-7", traits={"plan": "free"}, message_id="msg-0002-identify")
    client.flush()
    client.join()
    person = _contact(db, env, "u-7")
    assert [e.name for e in _events(db, person)] == ["Report Exported"]

    body = {"batch": [{"type": "track", "userId": "u-7", "event": "Report Exported",
                       "messageId": "msg-0001-export"},
                      {"type": "track", "userId": "u-7", "event": "Report Shared",
                       "messageId": "msg-0003-share"}]}
    resp = requests.post(f"{served}/api/segment/v1/batch", json=body,
                         auth=(env.client_key, ""), timeout=10)
    assert resp.status_code == 200
    assert resp.json() | {"not_stored": {}} == {"success": True, "received": 2, "stored": 1,
                                                "duplicates": 1, "not_stored": {}, "rejected": []}
    db.session.expire_all()
    assert [e.name for e in _events(db, person)] == ["Report Exported", "Report Shared"]


def test_alias_merges_the_earlier_id_with_its_answers(db, team, served):
    """alias(previousId, userId): the anonymous contact's events *and survey answers*
    move to the user; the alias is remembered."""
    ws = team.workspace
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="NPS", status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "How likely?"}]})
    db.session.add(survey)
    db.session.commit()
    client = _client(served, env.client_key)
    client.track(anonymous_id="visitor-42", event="Viewed Pricing")
    client.flush()
    client.join()
    anon = _contact(db, env, "anon:visitor-42")
    db.session.add(Response(survey_id=survey.id, version_id=survey.current_version_id,
                            environment_id=env.id, client_id=str(uuid.uuid4()),
                            contact_id=anon.id, answers={"score": 3}))
    db.session.commit()

    client = _client(served, env.client_key)  # a joined client sends no more
    client.alias(previous_id="visitor-42", user_id="u-42")
    client.flush()
    client.join()
    db.session.expire_all()
    person = _contact(db, env, "u-42")
    assert [e.name for e in _events(db, person)] == ["Viewed Pricing"]
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.contact_id == person.id)) == 1
    assert _contact(db, env, "anon:visitor-42") is None
    assert db.session.scalar(select(func.count()).select_from(ContactAlias)
                             .where(ContactAlias.contact_id == person.id)) >= 1


def test_gzip_bodies_from_the_client_are_read(db, team, served):
    env = team.workspace.environments[0]
    errors: list[Exception] = []
    client = _client(served, env.client_key, errors, gzip=True)
    client.track(user_id="u-gz", event="Compressed")
    client.flush()
    client.join()
    assert errors == []
    assert [e.name for e in _events(db, _contact(db, env, "u-gz"))] == ["Compressed"]
    broken = requests.post(f"{served}/api/segment/v1/batch", data=b"not gzip at all",
                           headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
                           auth=(env.client_key, ""), timeout=10)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_gzip"
    bomb = gzip.compress(b'{"batch": [' + b" " * (9 * 1024 * 1024) + b"]}")
    resp = requests.post(f"{served}/api/segment/v1/batch", data=bomb,
                         headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
                         auth=(env.client_key, ""), timeout=10)
    assert resp.status_code == 413


def test_a_wrong_write_key_is_a_401_the_client_reports(db, team, served):
    errors: list[Exception] = []
    client = _client(served, "pk_not_a_key", errors)
    client.track(user_id="u-1", event="Nope")
    client.flush()
    client.join()
    assert errors and getattr(errors[0], "status", None) == 401
    resp = requests.post(f"{served}/api/segment/v1/track", json={"userId": "u", "event": "x"},
                         timeout=10)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_one_bad_message_costs_only_itself(db, team, served):
    env = team.workspace.environments[0]
    now = dt.datetime.now(dt.UTC).isoformat()
    body = {"writeKey": env.client_key, "batch": [  # the key in the body works too
        {"type": "track", "userId": "u-9", "event": "Good", "timestamp": now, "messageId": "m-good-1"},
        {"type": "track", "userId": "u-9", "messageId": "m-bad-1"},  # no event name
        {"type": "track", "event": "Nobody", "messageId": "m-bad-2"},  # no user at all
        {"type": "teleport", "userId": "u-9"},
        {"type": "track", "userId": "u-9", "event": "Huge", "properties": {"x": "y" * 5000}},
    ]}
    resp = requests.post(f"{served}/api/segment/v1/batch", json=body, timeout=10)
    assert resp.status_code == 200
    out = resp.json()
    assert out["stored"] == 1
    assert [r["index"] for r in out["rejected"]] == [1, 2, 3, 4]
    assert out["rejected"][0]["messageId"] == "m-bad-1" and "event" in out["rejected"][0]["fields"]
    assert "userId" in out["rejected"][1]["fields"]
    single = requests.post(f"{served}/api/segment/v1/track", json={"userId": "u-9"},
                           headers={"Authorization": "Basic " + base64.b64encode(
                               f"{env.client_key}:".encode()).decode()}, timeout=10)
    assert single.status_code == 422 and "event" in single.json()["error"]["fields"]
    not_json = requests.post(f"{served}/api/segment/v1/batch", data=b"{nope",
                             headers={"Content-Type": "application/json"},
                             auth=(env.client_key, ""), timeout=10)
    assert not_json.status_code == 400


def test_consent_rules_apply_to_segment_messages_too(db, team, served):
    """A workspace that needs consent stores nothing for people who have not given it,
    and says so; a person who gave consent is tracked."""
    ws = team.workspace
    env = ws.environments[0]
    ws.consent_mode = ConsentMode.REQUIRED
    db.session.add(Contact(environment_id=env.id, external_id="u-yes", attributes={},
                           consent=ConsentState.GRANTED))
    db.session.commit()
    body = {"batch": [{"type": "track", "userId": "u-no", "event": "Clicked", "messageId": "c-1-aaaa"},
                      {"type": "track", "userId": "u-yes", "event": "Clicked", "messageId": "c-2-aaaa"}]}
    resp = requests.post(f"{served}/api/segment/v1/batch", data=json.dumps(body),
                         headers={"Content-Type": "application/json"},
                         auth=(env.client_key, ""), timeout=10)
    out = resp.json()
    assert out["stored"] == 1 and out["not_stored"] == {"consent_required": 1}
    assert _contact(db, env, "u-no") is None


@pytest.mark.parametrize("path", ["/api/segment/v1/identify", "/api/segment/v1/alias"])
def test_single_calls_answer_like_segment(db, team, served, path):
    env = team.workspace.environments[0]
    body = ({"userId": "u-s", "traits": {"plan": "team"}} if path.endswith("identify")
            else {"previousId": "old-id", "userId": "u-s"})
    resp = requests.post(f"{served}{path}", json=body, auth=(env.client_key, ""), timeout=10)
    assert resp.status_code == 200 and resp.json()["success"] is True
    assert _contact(db, env, "u-s") is not None


def test_a_full_spec_message_with_context_and_clock_skew(db, team, served):
    """A message shaped like the spec's common-fields example: context.page fills a page
    call's properties, originalTimestamp is corrected by the client's clock skew."""
    env = team.workspace.environments[0]
    now = dt.datetime.now(dt.UTC)
    skew = dt.timedelta(hours=2)  # the device's clock is two hours fast
    message = {
        "type": "page", "name": "Academy", "anonymousId": "507f191e810c19729de860ea",
        "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db", "version": 2,
        "context": {"active": True, "ip": "203.0.113.7", "locale": "en-US",
                    "library": {"name": "analytics.js", "version": "2.11.1"},
                    "page": {"path": "/academy/", "referrer": "", "search": "",
                             "title": "Analytics Academy", "url": "https://example.com/academy/"},
                    "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X)"},
        "integrations": {"All": True, "Mixpanel": False},
        "originalTimestamp": (now + skew - dt.timedelta(minutes=5)).isoformat(),
        "sentAt": (now + skew).isoformat(),
    }
    resp = requests.post(f"{served}/api/segment/v1/batch", json={"batch": [message]},
                         auth=(env.client_key, ""), timeout=10)
    assert resp.json()["stored"] == 1
    event = db.session.scalar(select(Event))
    assert event.name == "$page"
    assert event.properties == {"name": "Academy", "path": "/academy/", "title": "Analytics Academy",
                                "url": "https://example.com/academy/", "referrer": ""}
    assert abs(event.occurred_at - (now - dt.timedelta(minutes=5))) < dt.timedelta(seconds=30)
    assert "203.0.113.7" not in json.dumps(event.properties)  # no IP address is kept


def test_message_ids_are_forgotten_after_the_window(db, team):
    from surveyapp.collect.cache import environment
    from surveyapp.integrations import ingest
    from surveyapp.models.integrations import IngestedMessage

    env = environment(db.session, team.workspace.environments[0].client_key)
    msg = {"type": "track", "userId": "u-w", "event": "Kept", "messageId": "window-0001"}
    assert ingest.ingest(db.session, env, [msg]).stored == 1
    assert ingest.ingest(db.session, env, [msg]).duplicates == 1
    row = db.session.scalar(select(IngestedMessage))
    row.received_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    assert ingest.forget_message_ids(db.session) == 1
    assert ingest.ingest(db.session, env, [msg]).duplicates == 1  # the event's own id still holds


def test_browsers_may_post_from_allowed_origins_only(db, team, served):
    """analytics.js sends from the customer's pages: CORS, and the environment's allowed
    origins, as for the widget."""
    env = team.workspace.environments[0]
    env.allowed_origins = ["https://shop.example.com"]
    db.session.commit()
    preflight = requests.options(f"{served}/api/segment/v1/batch", timeout=10, headers={
        "Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    body = {"writeKey": env.client_key, "batch": [{"type": "track", "anonymousId": "a-1",
                                                   "event": "Viewed", "messageId": "cors-0001"}]}
    ok = requests.post(f"{served}/api/segment/v1/batch", data=json.dumps(body), timeout=10,
                       headers={"Origin": "https://shop.example.com", "Content-Type": "text/plain"})
    assert ok.status_code == 200 and ok.json()["stored"] == 1
    assert ok.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    other = requests.post(f"{served}/api/segment/v1/batch", data=json.dumps(body), timeout=10,
                          headers={"Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "origin_not_allowed"
