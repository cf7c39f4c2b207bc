"""Consent notices are versioned; the collection API keeps each decision as a row."""

from __future__ import annotations

from sqlalchemy import func, select

from surveyapp.models import ConsentMode, ConsentState, Contact, Event
from surveyapp.models.consent import ConsentNotice, ConsentRecord
from surveyapp.privacy import consent, service
from tests.conftest import login, post_form


def rows(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_owner_edits_the_notice_and_a_changed_text_makes_a_new_version(db, client, team):
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    done = post_form(client, base + "notice", {"notice-text": "We store your answers."},
                     token_from=base, follow_redirects=True)
    assert "saved as version 1" in done.get_data(as_text=True)
    same = post_form(client, base + "notice", {"notice-text": "We store your answers.  "},
                     token_from=base, follow_redirects=True)
    assert "unchanged" in same.get_data(as_text=True)
    post_form(client, base + "notice", {"notice-text": "We store answers and clicks."},
              token_from=base)
    versions = db.session.execute(select(ConsentNotice.version, ConsentNotice.text)
                                  .order_by(ConsentNotice.version)).all()
    assert versions == [(1, "We store your answers."), (2, "We store answers and clicks.")]
    empty = post_form(client, base + "notice", {"notice-text": "  "}, token_from=base)
    assert empty.status_code == 422 and rows(db, ConsentNotice) == 2
    page = client.get(base).get_data(as_text=True)
    assert "We store answers and clicks." in page and "consent_notice.changed" in page


def test_config_shows_the_notice_and_identify_records_the_decision(db, client, team):
    ws = team.workspace
    ws.consent_mode = ConsentMode.REQUIRED
    consent.save_notice(db.session, ws, "Version one")
    consent.save_notice(db.session, ws, "Version two")
    db.session.commit()
    key = ws.environments[0].client_key
    config = client.get(f"/api/v1/client/{key}/config").get_json()
    notice = config["consent_notice"]
    assert {k: notice[k] for k in ("version", "text")} == {"version": 2, "text": "Version two"}
    assert notice["strings"]["de"]  # the prompt's own words, in the widget's languages

    api = f"/api/v1/client/{key}/identify"
    # Before consent nothing is stored, not even the person.
    before = client.post(api, json={"user_id": "u_7", "attributes": {"plan": "pro"}})
    assert before.status_code == 202 and rows(db, Contact) == 0
    # An unknown notice version is refused and changes nothing.
    bad = client.post(api, json={"user_id": "u_7", "consent": True, "notice_version": 9})
    assert bad.status_code == 404 and bad.get_json()["error"]["fields"] == {
        "notice_version": "no such notice version in this workspace"}
    assert rows(db, Contact) == 0 and rows(db, ConsentRecord) == 0
    ok = client.post(api, json={"user_id": "u_7", "consent": True, "notice_version": 2})
    assert ok.status_code == 200 and ok.get_json()["consent"] == "granted"
    withdrawn = client.post(api, json={"user_id": "u_7", "consent": False, "notice_version": 2})
    assert withdrawn.get_json()["consent"] == "denied"
    db.session.expire_all()
    records = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert [(r.granted, r.source, r.notice.version) for r in records] == [
        (True, "widget", 2), (False, "widget", 2)]
    # After withdrawal no events are stored for them.
    events = client.post(f"/api/v1/client/{key}/events",
                         json={"user_id": "u_7", "events": [{"name": "page_view"}]})
    assert events.get_json()["stored"] == 0 and rows(db, Event) == 0
    # The access export shows the records with the text they agreed to.
    data = service.export_contact(db.session, ws, "u_7")
    got = data["environments"][0]["consent_records"]
    assert [(r["granted"], r["notice_version"], r["notice_text"]) for r in got] == [
        (True, 2, "Version two"), (False, 2, "Version two")]


def test_do_not_track_stores_no_consent_and_no_person(db, client, team):
    key = team.workspace.environments[0].client_key
    team.workspace.consent_mode = ConsentMode.REQUIRED
    db.session.commit()
    resp = client.post(f"/api/v1/client/{key}/identify", json={"user_id": "u_8", "consent": True},
                       headers={"Sec-GPC": "1"})
    assert resp.status_code == 202 and resp.get_json()["stored"] is False
    assert rows(db, Contact) == 0 and rows(db, ConsentRecord) == 0


def test_the_privacy_page_counts_decisions_per_notice_version(db, client, team):
    ws = team.workspace
    notice, _ = consent.save_notice(db.session, ws, "Short notice")
    env = ws.environments[0]
    for i, granted in enumerate((True, True, False)):
        contact = Contact(environment_id=env.id, external_id=f"u_{i}", attributes={},
                          consent=ConsentState.GRANTED if granted else ConsentState.DENIED)
        db.session.add(contact)
        db.session.flush()
        consent.record(db.session, contact, granted, "widget", notice)
    db.session.commit()
    login(client, team.owner.email)
    page = client.get(f"/w/{ws.slug}/privacy/").get_data(as_text=True)
    table = page[page.index("Notice versions"):]
    assert "<td class=\"num\">3</td><td class=\"num\">2</td>" in table


def test_demo_seed_records_the_demo_contacts_decisions(db, team):
    from surveyapp.privacy.demo import seed_demo

    env = team.workspace.environments[0]
    states = [ConsentState.GRANTED, ConsentState.GRANTED, ConsentState.DENIED, ConsentState.UNKNOWN]
    for i, state in enumerate(states):
        db.session.add(Contact(environment_id=env.id, external_id=f"d{i}", attributes={},
                               consent=state))
    db.session.commit()
    said = []
    seed_demo(db.session, team.workspace, said.append)
    db.session.commit()
    records = db.session.scalars(select(ConsentRecord)).all()
    assert sorted(r.granted for r in records) == [False, True, True]
    assert {r.notice.version for r in records} == {1} and said == [
        "Privacy: consent notice v1 and 3 consent records"]
