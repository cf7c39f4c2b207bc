"""The end user's signed self-service page: see, download, stop tracking, delete."""

from __future__ import annotations

import re

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from surveyapp.models import AuditEvent, ConsentState, Contact, Event, Response
from surveyapp.models.consent import ConsentRecord
from surveyapp.privacy import selfservice
from surveyapp.privacy.client import user_hash
from surveyapp.privacy.ids import keys_for
from tests.conftest import login, post_form
from tests.test_privacy import populate, references_to

SCRIPT = "<script>alert(1)</script>"


def link(db, team, who="u_1"):
    contact = db.session.scalar(select(Contact).where(Contact.external_id == who)
                                .order_by(Contact.id))
    with current_app.test_request_context():
        url, _ = selfservice.link_for(db.session, contact)
    db.session.commit()
    return url.replace("http://localhost", "")


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def csrf(client, url):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_a_person_sees_downloads_and_deletes_their_data(db, client, team):
    populate(db, team, "u_1")
    populate(db, team, "u_2")
    for contact in db.session.scalars(select(Contact).where(Contact.external_id == "u_1")):
        contact.attributes = {"plan": SCRIPT}
    db.session.commit()
    url = link(db, team)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "slow, says u_1" in html and "slow, says u_2" not in html
    assert "view_0" in html and "&lt;script&gt;alert(1)" in html and SCRIPT not in html
    download = client.get(url + "/download")
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.get_json()
    assert [e["responses"][0]["answers"]["why"] for e in data["environments"]] == ["slow, says u_1"] * 2
    # Deleting needs the box ticked.
    unticked = client.post(url + "/erase", data={"csrf_token": csrf(client, url)})
    assert unticked.status_code == 422 and count(db, Contact) == 4
    ids = [c.id for c in db.session.scalars(select(Contact).where(Contact.external_id == "u_1"))]
    done = client.post(url + "/erase", data={"csrf_token": csrf(client, url), "confirm": "y"})
    assert "Your data was deleted" in done.get_data(as_text=True)
    assert references_to(db, ids) == {} and count(db, Contact) == 2
    assert count(db, Response) == 2  # u_2's
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.erased"))
    assert entry.details["via"] == "self-service" and entry.actor_id is None
    again = client.get(url)
    assert "Nothing is stored about you" in again.get_data(as_text=True)


def test_turning_tracking_off_is_honoured_by_the_collection_api(db, client, team):
    populate(db, team, "u_1")
    url = link(db, team)
    resp = client.post(url + "/opt-out", data={"csrf_token": csrf(client, url)})
    assert "Tracking and personalisation are off" in resp.get_data(as_text=True)
    contacts = db.session.scalars(select(Contact).where(Contact.external_id == "u_1")).all()
    db.session.expire_all()
    assert {c.consent for c in contacts} == {ConsentState.OPTED_OUT}
    assert {str(c.attributes) for c in contacts} == {"{}"}
    assert count(db, ConsentRecord, ConsentRecord.source == "self_service",
                 ConsentRecord.granted.is_(False)) == 2
    key = team.workspace.environments[0].client_key
    before = count(db, Event)
    sent = client.post(f"/api/v1/client/{key}/events",
                       json={"user_id": "u_1", "events": [{"name": "page_view"}]})
    assert sent.get_json() == {"received": 1, "stored": 0, "reason": "opted_out"}
    ident = client.post(f"/api/v1/client/{key}/identify",
                        json={"user_id": "u_1", "attributes": {"plan": "pro"}})
    assert ident.get_json()["stored"] is False and count(db, Event) == before
    db.session.expire_all()
    assert {str(c.attributes) for c in db.session.scalars(select(Contact))} == {"{}"}


def test_bad_expired_and_withdrawn_links_show_nothing(db, client, team):
    populate(db, team, "u_1")
    url = link(db, team)
    token = url.rsplit("/", 1)[1]
    tampered = client.get(url[:-3] + ("abc" if not url.endswith("abc") else "xyz"))
    assert tampered.status_code == 404 and "slow, says" not in tampered.get_data(as_text=True)
    assert client.get("/privacy/me/nonsense").status_code == 404

    class Old(TimestampSigner):
        def get_timestamp(self):  # signed 31 days ago
            return super().get_timestamp() - 31 * 86400

    keys = keys_for(db.session, team.workspace.id)
    contact = db.session.scalar(select(Contact).where(Contact.external_id == "u_1").order_by(Contact.id))
    old = URLSafeTimedSerializer(keys.link_secret, salt=selfservice.SALT, signer=Old).dumps(
        [team.workspace.id, contact.id])
    expired = client.get(f"/privacy/me/{old}")
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)
    # The owner withdraws every link.
    assert client.get(f"/privacy/me/{token}").status_code == 200
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    post_form(client, base + "rotate-links", token_from=base)
    assert client.get(f"/privacy/me/{token}").status_code == 404
    assert client.post(f"/privacy/me/{token}/erase", data={"confirm": "y"}).status_code in (400, 404)
    assert count(db, Contact) == 2


def test_the_owner_creates_a_link_for_a_person(db, client, team):
    populate(db, team, "u_5")
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    page = post_form(client, base + "link", {"find-external_id": "u_5"}, token_from=base,
                     follow_redirects=True).get_data(as_text=True)
    url = re.search(r"http://localhost(/privacy/me/[^<\s]+)", page).group(1)
    assert "slow, says u_5" in client.get(url).get_data(as_text=True)
    unknown = post_form(client, base + "link", {"find-external_id": "nobody"}, token_from=base)
    assert unknown.status_code == 422


def test_the_widget_gets_a_link_only_with_a_verified_user_hash(db, client, team):
    populate(db, team, "u_3")
    key = team.workspace.environments[0].client_key
    api = f"/api/v1/client/{key}/privacy-link"
    unverified = client.post(api, json={"user_id": "u_3"})
    assert unverified.status_code == 403 and unverified.get_json()["error"]["code"] == "identity_not_verified"
    secret = keys_for(db.session, team.workspace.id).identity_secret
    db.session.commit()
    wrong = client.post(api, json={"user_id": "u_3", "user_hash": user_hash(secret, "u_4")})
    assert wrong.status_code == 403
    ok = client.post(api, json={"user_id": "u_3", "user_hash": user_hash(secret, "u_3")},
                     headers={"Origin": "https://shop.example"})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    url = ok.get_json()["url"].replace("http://localhost", "")
    assert "slow, says u_3" in client.get(url).get_data(as_text=True)
    nobody = client.post(api, json={"user_id": "u_9", "user_hash": user_hash(secret, "u_9")})
    assert nobody.status_code == 404
    assert client.post("/api/v1/client/pk_nope/privacy-link", json={"user_id": "u_3"}).status_code == 404


def submit(client, page_url: str, action: str):
    """Submit the page's form for ``action`` with exactly the fields the page renders."""
    html = client.get(page_url).get_data(as_text=True)
    form = re.search(r'<form[^>]*action="' + re.escape(action) + r'".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return client.post(action, data=fields, follow_redirects=True)


def test_key_rotation_and_purge_buttons_work_as_rendered(db, client, team):
    keys = keys_for(db.session, team.workspace.id)
    before = (keys.link_secret, keys.identity_secret)
    db.session.commit()
    login(client, team.owner.email)
    base = f"/w/{team.workspace.slug}/privacy/"
    assert "Every self-service link" in submit(client, base, base + "rotate-links").get_data(as_text=True)
    assert "New identity secret" in submit(client, base, base + "rotate-identity").get_data(as_text=True)
    assert "Purged:" in submit(client, base, base + "purge").get_data(as_text=True)
    db.session.expire_all()
    keys = keys_for(db.session, team.workspace.id)
    assert keys.link_secret != before[0] and keys.identity_secret != before[1]
    log = client.get(base).get_data(as_text=True)
    assert "self-service link secret" in log and "identity verification secret" in log
