"""The workspace's integrations page: owners add channels and alerts through CSRF-checked
forms, see failed deliveries and retry them; others cannot reach it."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from surveyapp.integrations import service, tasks
from surveyapp.models import Role
from surveyapp.models.integrations import AlertRule, Channel, Delivery
from tests.conftest import login, post_form


@pytest.fixture(autouse=True)
def _private_receivers(app_config):
    """The receivers run on loopback, which webhooks refuse by default."""
    app_config["webhook_allow_private"] = True


def test_owner_adds_a_slack_channel_and_an_alert_through_the_page(db, team, owner_client, receiver):
    slug = team.workspace.slug
    page = f"/w/{slug}/integrations"
    html = owner_client.get(page).get_data(as_text=True)
    assert "Segment / RudderStack source" in html and team.workspace.environments[0].client_key in html
    assert "/api/segment" in html

    resp = post_form(owner_client, f"{page}/channels", {
        "channel-kind": "slack", "channel-name": "#feedback", "channel-url": receiver.url,
        "channel-max_per_hour": "12", "channel-security": "starttls"}, token_from=page)
    assert resp.status_code == 302
    channel = db.session.scalar(select(Channel))
    assert channel.kind == "slack" and channel.config["base_url"] == "http://localhost"

    resp = post_form(owner_client, f"{page}/rules", {
        "rule-kind": "detractor", "rule-name": "Detractors", "rule-channel_id": str(channel.id),
        "rule-survey_id": "0", "rule-segment_id": "0", "rule-threshold": "0", "rule-days": "7",
        "rule-growth": "2"}, token_from=page)
    assert resp.status_code == 302
    assert db.session.scalar(select(AlertRule)).channel_id == channel.id

    resp = post_form(owner_client, f"{page}/channels/{channel.id}/test", token_from=page,
                     follow_redirects=True)
    assert "Test message: delivered" in resp.get_data(as_text=True)
    assert receiver.bodies[0]["blocks"][0]["text"]["text"] == "Test from Acme"


def test_bad_settings_are_form_errors_not_500s(app, db, team, owner_client):
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], webhook_allow_private=False)
    page = f"/w/{team.workspace.slug}/integrations"
    resp = post_form(owner_client, f"{page}/channels", {
        "channel-kind": "email", "channel-name": "Mail", "channel-host": "",
        "channel-sender": "nope", "channel-recipients": "a@example.com, not-an-address",
        "channel-security": "starttls", "channel-max_per_hour": "12"}, token_from=page)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "one or more e-mail addresses" in html and "the From address" in html
    resp = post_form(owner_client, f"{page}/channels", {
        "channel-kind": "slack", "channel-name": "x", "channel-url": "http://127.0.0.1:9/x",
        "channel-security": "starttls", "channel-max_per_hour": "12"}, token_from=page)
    assert resp.status_code == 422 and "not a public address" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Channel)) is None
    # Without the CSRF token nothing happens.
    resp = owner_client.post(f"{page}/channels", data={"channel-kind": "slack", "channel-name": "x"})
    assert resp.status_code in (400, 422) and db.session.scalar(select(Channel)) is None


def test_failed_deliveries_are_shown_with_a_retry_that_sends_them(db, team, owner_client, receiver):
    channel = service.create_channel(db.session, team.workspace, "slack", "#alerts",
                                     {"url": receiver.url}, base_url="https://x.example")
    delivery = service.send_test(db.session, team.workspace, channel.id)
    db.session.commit()
    receiver.statuses = [404]  # Slack answers 404 for a removed webhook: not retried forever
    delivery.attempts = 5
    db.session.commit()
    tasks.tick()
    assert delivery.status == "failed"

    page = f"/w/{team.workspace.slug}/integrations"
    html = owner_client.get(page).get_data(as_text=True)
    assert "Failed deliveries (1)" in html and "HTTP 404" in html
    resp = post_form(owner_client, f"{page}/deliveries/{delivery.id}/retry", token_from=page,
                     follow_redirects=True)
    assert f"Delivery {delivery.id}: delivered" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).status == "delivered"
    assert "Failed deliveries" not in owner_client.get(page).get_data(as_text=True)


def test_only_owners_see_the_page(db, team, client):
    login(client, team.users[Role.ANALYST].email)
    assert client.get(f"/w/{team.workspace.slug}/integrations").status_code == 403


def test_a_paused_channel_keeps_its_messages_until_resumed(db, team, owner_client, receiver):
    channel = service.create_channel(db.session, team.workspace, "slack", "#alerts",
                                     {"url": receiver.url}, base_url="https://x.example")
    db.session.commit()
    page = f"/w/{team.workspace.slug}/integrations"
    resp = post_form(owner_client, f"{page}/channel/{channel.id}/pause", token_from=page,
                     follow_redirects=True)
    assert "“#alerts” paused." in resp.get_data(as_text=True)
    service.send_test(db.session, team.workspace, channel.id)
    db.session.commit()
    tasks.tick()
    assert receiver.requests == []
    post_form(owner_client, f"{page}/channel/{channel.id}/resume", token_from=page)
    db.session.expire_all()
    tasks.tick()
    assert len(receiver.requests) == 1
