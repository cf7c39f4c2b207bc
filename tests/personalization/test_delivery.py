"""Delivery: the public client endpoint and the server API return the variant, its
payload and the reason; one exposure per person and version; bad input is a 4xx in the
one JSON error shape; the person's privacy choices give the default with nothing stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from surveyapp.models import ConsentMode, ConsentState, Contact, Event, utcnow
from surveyapp.models.personalization import SlotExposure
from surveyapp.personalization import decide, service
from tests.personalization.helpers import api_headers, published_slot, tip_definition, written


def exposures(db):
    written()
    db.session.expire_all()
    return sorted((x.unit_id, x.version, x.variant) for x in db.session.scalars(select(SlotExposure)))


def test_anonymous_visitor_gets_a_variant_by_page_and_attributes_and_one_exposure(db, client, team):
    published_slot(db, team.workspace)
    key = team.workspace.environments[0].client_key
    url = f"/api/v1/client/{key}/personalize/onboarding_tip"
    resp = client.post(url, json={"anonymous_id": "anon-12345678",
                                  "page": "https://shop.example.com/pricing/teams?x=1"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body == {"slot": "onboarding_tip", "version": 1, "variant": "pricing",
                    "payload": {"title": "Compare plans"}, "why": "rule", "personalized": True,
                    "holdout": False, "exposed": True, "relevance": None, "items": None,
                    "reason": "You are seeing this because you are on the page /pricing."}
    pro = client.post(url, json={"anonymous_id": "anon-87654321", "page": "/home",
                                 "attributes": {"plan": "pro"}}).get_json()
    assert pro["variant"] == "export" and pro["reason"].endswith("your plan is “pro”.")
    for _ in range(3):  # reloads: still one exposure per visitor and version
        client.post(url, json={"anonymous_id": "anon-12345678", "page": "/pricing"})
    assert exposures(db) == [("a:anon-12345678", 1, "pricing"), ("a:anon-87654321", 1, "export")]


def test_server_api_uses_the_persons_event_history_and_names_the_version(db, client, team):
    slot = published_slot(db, team.workspace)
    env = team.workspace.environments[0]
    db.session.execute(insert(Contact), [{"environment_id": env.id, "external_id": "u_1",
                                          "attributes": {}}])
    cid = db.session.scalar(select(Contact.id).where(Contact.external_id == "u_1"))
    now = utcnow()
    db.session.execute(insert(Event), [
        {"environment_id": env.id, "contact_id": cid, "name": "export",
         "occurred_at": now - dt.timedelta(days=2), "received_at": now, "properties": {}}])
    db.session.commit()
    headers = api_headers(db, team)
    resp = client.get("/api/v1/personalize?slot=onboarding_tip&user=u_1", headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["variant"], body["version"]) == ("export", 1)
    assert body["reason"] == "You are seeing this because you did “export” in the last 7 days."
    assert body["payload"] == {"title": "Export to your warehouse", "link": "/exports"}
    # An event older than the rule's window does not count.
    stranger = client.get("/api/v1/personalize?slot=onboarding_tip&user=u_2", headers=headers)
    assert stranger.get_json()["variant"] == "basic"
    assert stranger.get_json()["reason"].startswith("This is what everyone sees")
    # A new version gets its own exposure; the first one stays as it was.
    service.save_draft(db.session, slot, tip_definition(default="pricing", rules=[]))
    service.publish(db.session, slot, None)
    db.session.commit()
    again = client.get("/api/v1/personalize?slot=onboarding_tip&user=u_1", headers=headers)
    assert (again.get_json()["variant"], again.get_json()["version"]) == ("pricing", 2)
    assert exposures(db) == [("u:u_1", 1, "export"), ("u:u_1", 2, "pricing"),
                             ("u:u_2", 1, "basic")]
    assert db.session.scalar(select(SlotExposure.contact_id).where(
        SlotExposure.unit_id == "u:u_1", SlotExposure.version == 1)) == cid
    # expose=false only asks.
    client.get("/api/v1/personalize?slot=onboarding_tip&user=u_3&expose=false", headers=headers)
    assert len(exposures(db)) == 3


def test_bad_input_is_a_4xx_in_the_error_shape_and_stores_nothing(db, client, team):
    published_slot(db, team.workspace)
    key = team.workspace.environments[0].client_key
    url = f"/api/v1/client/{key}/personalize/onboarding_tip"
    cases = [
        (client.post(url, json={"anonymous_id": "x"}), 422, "anonymous_id"),
        (client.post(url, json={}), 422, "user_id"),
        (client.post(url, json={"anonymous_id": "anon-12345678", "attributes": [1]}), 422,
         "attributes"),
        (client.post(url, json={"anonymous_id": "anon-12345678", "attributes": {"a": {"b": 1}}}),
         422, "attributes.a"),
        (client.post(url, json={"anonymous_id": "anon-12345678", "page": 5}), 422, "page"),
        (client.post(f"/api/v1/client/{key}/personalize/nope",
                     json={"anonymous_id": "anon-12345678"}), 404, "slot"),
        (client.post(url, data="{", content_type="application/json"), 400, None),
    ]
    for resp, status, field in cases:
        assert resp.status_code == status, resp.get_data(as_text=True)
        error = resp.get_json()["error"]
        assert error["code"] and error["message"]
        if field:
            assert field in error["fields"]
    headers = api_headers(db, team)
    assert client.get("/api/v1/personalize?slot=onboarding_tip&user=u_1").status_code == 401
    for query, status, field in [("user=u_1", 422, "slot"), ("slot=onboarding_tip", 422, "user"),
                                 ("slot=nope&user=u_1", 404, "slot"),
                                 ("slot=onboarding_tip&user=u_1&expose=maybe", 422, "expose"),
                                 ("slot=onboarding_tip&user=" + "x" * 300, 422, "user")]:
        resp = client.get(f"/api/v1/personalize?{query}", headers=headers)
        assert resp.status_code == status and field in resp.get_json()["error"]["fields"], query
    assert exposures(db) == []


def test_a_paused_slot_decides_nothing(db, client, team):
    slot = published_slot(db, team.workspace)
    service.pause(slot)
    db.session.commit()
    key = team.workspace.environments[0].client_key
    body = client.post(f"/api/v1/client/{key}/personalize/onboarding_tip",
                       json={"user_id": "u_1"}).get_json()
    assert (body["variant"], body["why"], body["exposed"]) == (None, "not_live", False)
    assert exposures(db) == []


def test_dnt_gpc_opt_out_and_consent_mode_give_the_default_with_no_profile_and_nothing_stored(
        db, client, team):
    published_slot(db, team.workspace)
    env = team.workspace.environments[0]
    url = f"/api/v1/client/{env.client_key}/personalize/onboarding_tip"
    on_pricing = {"user_id": "u_1", "page": "/pricing", "attributes": {"plan": "pro"}}
    for header in ({"DNT": "1"}, {"Sec-GPC": "1"}):
        body = client.post(url, json=on_pricing, headers=header).get_json()
        assert (body["variant"], body["why"], body["personalized"], body["exposed"]) == \
            ("basic", "do_not_track", False, False)
        assert "nothing about you was used or recorded" in body["reason"]
    refused = client.post(url, json={**on_pricing, "consent": False}).get_json()
    assert (refused["variant"], refused["why"]) == ("basic", "opted_out")
    # The self-service switch: an opted-out contact.
    db.session.add(Contact(environment_id=env.id, external_id="u_9", attributes={"plan": "pro"},
                           consent=ConsentState.OPTED_OUT))
    db.session.commit()
    body = client.post(url, json={"user_id": "u_9", "page": "/pricing"}).get_json()
    assert (body["variant"], body["why"]) == ("basic", "opted_out")
    assert "you turned personalisation off" in body["reason"]
    headers = api_headers(db, team)
    server = client.get("/api/v1/personalize?slot=onboarding_tip&user=u_9&page=/pricing",
                        headers=headers).get_json()
    assert (server["variant"], server["why"]) == ("basic", "opted_out")
    dnt = client.get("/api/v1/personalize?slot=onboarding_tip&user=u_5&page=/pricing&dnt=1",
                     headers=headers).get_json()
    assert dnt["why"] == "do_not_track"
    # Consent mode: without consent, the default; with it, personalised and recorded.
    team.workspace.consent_mode = ConsentMode.TRACKING_ONLY
    db.session.commit()
    body = client.post(url, json={"user_id": "u_2", "page": "/pricing"}).get_json()
    assert (body["variant"], body["why"]) == ("basic", "consent_required")
    assert exposures(db) == []
    assert db.session.scalar(select(Contact.id).where(Contact.external_id == "u_2")) is None
    ok = client.post(url, json={"user_id": "u_3", "page": "/pricing", "consent": True}).get_json()
    assert (ok["variant"], ok["exposed"]) == ("pricing", True)
    assert exposures(db) == [("u:u_3", 1, "pricing")]


def test_holdout_gets_the_default_and_records_what_the_rules_chose(db, client, team):
    published_slot(db, team.workspace, holdout_percent=30)
    key = team.workspace.environments[0].client_key
    url = f"/api/v1/client/{key}/personalize/onboarding_tip"
    answers = {}
    for i in range(60):
        anon = f"anon-{i:08d}"
        answers[anon] = client.post(url, json={"anonymous_id": anon, "page": "/pricing"}).get_json()
    held = [a for a, b in answers.items() if b["holdout"]]
    assert 8 <= len(held) <= 30
    for anon, body in answers.items():
        expected_holdout = decide.in_holdout("onboarding_tip", f"a:{anon}", 30)
        assert body["holdout"] is expected_holdout
        if expected_holdout:
            assert (body["variant"], body["why"]) == ("basic", "holdout")
            assert "picked at random" in body["reason"]
        else:
            assert body["variant"] == "pricing"
    db.session.expire_all()
    rows = db.session.scalars(select(SlotExposure).where(SlotExposure.holdout.is_(True))).all()
    assert len(rows) == len(held)
    assert {(r.variant, r.intended) for r in rows} == {("basic", "pricing")}
