"""Webhooks: a real HTTP receiver on 127.0.0.1 gets signed deliveries for responses sent
through the public collection API; failures are retried with backoff and logged. By default
private and loopback receivers are refused (SSRF), so the tests that deliver to the local
receiver turn on ``webhook_allow_private``."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from surveyapp.insights import hooks as webhooks
from surveyapp.models import Role, Survey, SurveyStatus, utcnow
from surveyapp.models.insights import Webhook, WebhookDelivery
from tests.conftest import login, post_form


class Receiver:
    """Records every POST; answers with the next status in ``statuses`` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/surveys"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    thread.join(5)


@pytest.fixture
def loopback_allowed(app_config):
    """Allow the local receiver (must come before ``app`` in a test's arguments)."""
    app_config["webhook_allow_private"] = True


@pytest.fixture
def live_survey(db, team):
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="Checkout NPS",
                    status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "Recommend us?"},
                                  {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.commit()
    return survey


def answer(client, key, rid, survey_id, **body):
    resp = client.put(f"/api/v1/client/{key}/responses/{rid}", json={"survey_id": survey_id, **body})
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)


def test_signed_deliveries_with_retries_and_a_log(loopback_allowed, app, db, client, team, live_survey, receiver):
    login(client, team.owner.email)
    slug = team.workspace.slug
    key = team.workspace.environments[0].client_key
    api = app.test_client()
    answer(api, key, str(uuid.uuid4()), live_survey.id, answers={"score": 3})  # before the hook
    resp = post_form(client, f"/w/{slug}/webhooks", {"url": receiver.url, "created": "y",
                                                     "finished": "y"},
                     token_from=f"/w/{slug}/webhooks", follow_redirects=True)
    hook = db.session.scalar(select(Webhook))
    assert hook.secret in resp.get_data(as_text=True)  # shown once, to copy

    rid = str(uuid.uuid4())
    answer(api, key, rid, live_survey.id, answers={"score": 9})
    answer(api, key, rid, live_survey.id, answers={"why": "Great support"}, finished=True)
    ids = webhooks.dispatch(db.session)
    db.session.commit()
    assert len(ids) == 2  # created + finished for the new response; nothing for the old one
    assert webhooks.dispatch(db.session) == []  # idempotent

    receiver.statuses = [500, 503]  # the receiver is down for two tries
    for delivery_id in ids:
        # The real Celery task; run eagerly, Celery's retry re-runs it (countdown skipped).
        app.extensions["celery"].tasks[webhooks.DELIVER_WEBHOOK].apply(args=[delivery_id])
    db.session.expire_all()
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.status for d in deliveries] == ["delivered", "delivered"]
    assert [d.attempts for d in deliveries] == [3, 1]
    assert len(receiver.requests) == 4

    headers, body = receiver.requests[-1]
    payload = json.loads(body)
    assert payload["event"] == "response.finished" and payload["response"]["client_id"] == rid
    assert payload["response"]["answers"] == {"score": 9, "why": "Great support"}
    assert headers["X-Surveyapp-Event"] == "response.finished"
    assert webhooks.verify(hook.secret, body, headers["X-Surveyapp-Signature"])
    assert not webhooks.verify("whsec_wrong", body, headers["X-Surveyapp-Signature"])
    assert not webhooks.verify(hook.secret, body + b" ", headers["X-Surveyapp-Signature"])

    log = client.get(f"/w/{slug}/webhooks/{hook.id}").get_data(as_text=True)
    assert "response.created" in log and "response.finished" in log and "delivered" in log
    listing = client.get(f"/w/{slug}/webhooks").get_data(as_text=True)
    assert receiver.url in listing


def test_backoff_doubles_and_gives_up_after_the_last_try(loopback_allowed, app, db, team, live_survey, receiver):
    assert [webhooks.backoff(n) for n in range(1, 6)] == [10, 20, 40, 80, 160]
    hook = Webhook(workspace_id=team.workspace.id, url=receiver.url,
                   events={"response.created": True})
    db.session.add(hook)
    db.session.commit()
    key = team.workspace.environments[0].client_key
    answer(app.test_client(), key, str(uuid.uuid4()), live_survey.id, answers={"score": 10})
    [delivery_id] = webhooks.dispatch(db.session)
    db.session.commit()
    receiver.statuses = [500] * webhooks.MAX_ATTEMPTS
    delivery = db.session.get(WebhookDelivery, delivery_id)
    for n in range(1, webhooks.MAX_ATTEMPTS + 1):
        before = utcnow()
        assert not webhooks.attempt(db.session, delivery)
        if n < webhooks.MAX_ATTEMPTS:  # scheduled again, each wait twice the one before
            assert delivery.status == "pending"
            wait = (delivery.next_attempt_at - before).total_seconds()
            assert webhooks.backoff(n) <= wait < webhooks.backoff(n) + 60
    assert delivery.status == "failed" and delivery.last_status == 500
    assert delivery.attempts == webhooks.MAX_ATTEMPTS and delivery.next_attempt_at is None


def test_only_owners_manage_webhooks_and_bad_urls_are_refused(db, client, team):
    slug = team.workspace.slug
    login(client, team.users[Role.ANALYST].email)
    assert client.get(f"/w/{slug}/webhooks").status_code == 403
    owner = client.application.test_client()
    login(owner, team.owner.email)
    resp = post_form(owner, f"/w/{slug}/webhooks", {"url": "ftp://example.com/x", "created": "y"},
                     token_from=f"/w/{slug}/webhooks")
    assert resp.status_code == 422 and "http:// or https://" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Webhook)) is None


PRIVATE_URLS = ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/hook",
                "http://localhost:8080/hook", "https://[::ffff:192.168.1.1]/hook"]


def test_private_and_loopback_receivers_are_refused_when_added(db, client, team):
    login(client, team.owner.email)
    slug = team.workspace.slug
    pages = {}
    for url in PRIVATE_URLS:
        resp = post_form(client, f"/w/{slug}/webhooks", {"url": url, "created": "y"},
                         token_from=f"/w/{slug}/webhooks")
        pages[url] = resp.get_data(as_text=True)
        assert resp.status_code == 422, url
        assert "is not a public address" in pages[url], url
    assert "Refused: localhost resolves to" in pages["http://localhost:8080/hook"]
    assert db.session.scalar(select(Webhook)) is None
    # A public address is accepted (an IP literal: nothing is resolved or contacted).
    resp = post_form(client, f"/w/{slug}/webhooks", {"url": "https://93.184.215.14/hook", "created": "y"},
                     token_from=f"/w/{slug}/webhooks")
    assert resp.status_code == 302
    assert db.session.scalar(select(Webhook.url)) == "https://93.184.215.14/hook"


def test_a_host_that_now_resolves_to_loopback_is_refused_at_delivery(app, db, client, team,
                                                                    live_survey, receiver):
    # The webhook was saved when its name pointed elsewhere; now it resolves to 127.0.0.1
    # (DNS rebinding). The delivery resolves again and refuses, without sending anything.
    url = receiver.url.replace("127.0.0.1", "localhost")
    hook = Webhook(workspace_id=team.workspace.id, url=url, events={"response.created": True})
    db.session.add(hook)
    db.session.commit()
    key = team.workspace.environments[0].client_key
    answer(app.test_client(), key, str(uuid.uuid4()), live_survey.id, answers={"score": 10})
    [delivery_id] = webhooks.dispatch(db.session)
    db.session.commit()
    app.extensions["celery"].tasks[webhooks.DELIVER_WEBHOOK].apply(args=[delivery_id])
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery.status == "failed" and delivery.attempts == 1  # not retried
    assert delivery.last_error.startswith("Refused: localhost resolves to")
    assert "not a public address" in delivery.last_error
    assert receiver.requests == []
    login(client, team.owner.email)
    log = client.get(f"/w/{team.workspace.slug}/webhooks/{hook.id}").get_data(as_text=True)
    assert "not a public address" in log and "failed" in log
