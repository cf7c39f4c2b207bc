"""The server API's hot path (docs/personalization.md, *Performance*): its caches never
keep a person's opt-out, Do Not Track or a slot's new version from taking effect, within
the times the docs promise, and its batched exposures are stored once per visitor and
version, within a fraction of a second, with no further request."""

from __future__ import annotations

import time

from sqlalchemy import func, select, update

from surveyapp.models import ConsentState, Contact
from surveyapp.models.personalization import Slot, SlotExposure
from surveyapp.personalization import hot, service
from tests.personalization.helpers import api_headers, published_slot, tip_definition, written

URL = "/api/v1/personalize?slot=onboarding_tip&user=u_1"


def _person(db, team, **over):
    contact = Contact(environment_id=team.workspace.environments[0].id, external_id="u_1",
                      attributes={"plan": "pro"}, **over)
    db.session.add(contact)
    db.session.commit()
    return contact


def _count(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SlotExposure))


def test_server_timing_and_one_exposure_stored_soon_for_many_repeats(db, client, team):
    published_slot(db, team.workspace)
    _person(db, team)
    headers = api_headers(db, team)
    for _ in range(20):
        resp = client.get(URL, headers=headers)
        assert resp.get_json()["variant"] == "export"
        assert resp.headers["Server-Timing"].startswith("app;dur=")
    started = time.monotonic()
    while _count(db) == 0:  # no further request: the writer's own batch
        assert time.monotonic() - started < 1.0, "the exposure was not stored within 1 s"
        time.sleep(0.02)
    written()
    row = db.session.scalars(select(SlotExposure)).one()
    assert (row.unit_id, row.version, row.variant, row.contact_id is not None) == \
        ("u:u_1", 1, "export", True)


def test_an_opt_out_takes_effect_at_once_in_the_process_and_within_5_s_from_elsewhere(
        db, client, team):
    published_slot(db, team.workspace)
    contact = _person(db, team)
    headers = api_headers(db, team)
    assert client.get(URL, headers=headers).get_json()["why"] == "rule"
    # The self-service switch through the ORM (this process): the next call.
    contact.consent = ConsentState.OPTED_OUT
    db.session.commit()
    body = client.get(URL, headers=headers).get_json()
    assert (body["variant"], body["why"], body["exposed"]) == ("basic", "opted_out", False)
    # Consent given again, then withdrawn by another process (a plain UPDATE, no ORM event
    # here): the cached person goes within hot.PERSON_SECONDS.
    contact.consent = ConsentState.GRANTED
    db.session.commit()
    assert client.get(URL, headers=headers).get_json()["why"] == "rule"
    db.session.execute(update(Contact).where(Contact.id == contact.id)
                       .values(consent=ConsentState.OPTED_OUT))
    db.session.commit()
    started = time.monotonic()
    while client.get(URL, headers=headers).get_json()["why"] != "opted_out":
        assert time.monotonic() - started < hot.PERSON_SECONDS + 1, "opt-out not honoured"
        time.sleep(0.2)


def test_dnt_and_a_refused_consent_win_over_a_cached_decision(db, client, team):
    published_slot(db, team.workspace)
    _person(db, team)
    headers = api_headers(db, team)
    assert client.get(URL, headers=headers).get_json()["why"] == "rule"  # cached now
    assert client.get(URL + "&dnt=1", headers=headers).get_json()["why"] == "do_not_track"
    refused = client.get(URL + "&consent=false", headers=headers).get_json()
    assert (refused["variant"], refused["why"]) == ("basic", "opted_out")
    assert client.get(URL, headers=headers).get_json()["why"] == "rule"


def test_a_new_version_or_a_pause_is_used_at_once_here_and_within_2_s_from_elsewhere(
        db, client, team):
    slot = published_slot(db, team.workspace)
    _person(db, team)
    headers = api_headers(db, team)
    assert client.get(URL, headers=headers).get_json()["version"] == 1
    service.save_draft(db.session, slot, tip_definition(default="pricing", rules=[]))
    service.publish(db.session, slot, None)
    db.session.commit()
    body = client.get(URL, headers=headers).get_json()
    assert (body["version"], body["variant"]) == (2, "pricing")
    # Paused by another process (a plain UPDATE): within hot.SLOT_SECONDS.
    db.session.execute(update(Slot).where(Slot.id == slot.id).values(live_version=None))
    db.session.commit()
    started = time.monotonic()
    while client.get(URL, headers=headers).get_json()["why"] != "not_live":
        assert time.monotonic() - started < hot.SLOT_SECONDS + 1, "pause not honoured"
        time.sleep(0.1)
    written()
    db.session.expire_all()
    assert sorted((x.version, x.variant) for x in db.session.scalars(select(SlotExposure))) == \
        [(1, "export"), (2, "pricing")]


def test_a_segment_rule_reads_the_saved_segment_of_the_persons_contacts_in_any_environment(
        db, client, team):
    """The hot path's own membership statement: a member of the workspace's saved segment
    gets the rule's variant (also when their contact is in the other environment); a
    member of a run still computing, or no member, gets the default."""
    from tests.experiments.helpers import segment

    production, staging = team.workspace.environments[:2]
    contacts = {}
    for external_id, env in (("u_in", production), ("u_staging", staging),
                             ("u_computing", production), ("u_out", production)):
        contacts[external_id] = Contact(environment_id=env.id, external_id=external_id)
        db.session.add(contacts[external_id])
    db.session.commit()
    segment(db, team.workspace, "power", [contacts["u_in"].id, contacts["u_staging"].id],
            name="Power users")
    segment(db, team.workspace, "power", [contacts["u_computing"].id], status="computing")
    published_slot(db, team.workspace, rules=[{"if": [{"segment": "power"}], "then": "export"}])
    headers = api_headers(db, team)

    def variant(user: str) -> str:
        body = client.get(f"/api/v1/personalize?slot=onboarding_tip&user={user}",
                          headers=headers).get_json()
        return f"{body['variant']}/{body['why']}"

    assert variant("u_in") == "export/rule"
    assert variant("u_staging") == "export/rule"
    assert variant("u_computing") == "basic/default"
    assert variant("u_out") == "basic/default"
    assert variant("u_unknown") == "basic/default"
