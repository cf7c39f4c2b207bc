"""Alerts and the weekly digest, delivered to a local stand-in for Slack's incoming
webhooks (the SaaS boundary), a real SMTP server (aiosmtpd) and a webhook receiver
that checks the signature; every delivery logged, retried, replayable and rate limited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import select

from surveyapp.insights import hooks
from surveyapp.integrations import channels, service, tasks
from surveyapp.integrations.errors import IntegrationInvalid
from surveyapp.models import AnswerAnnotation, Response, Survey, SurveyStatus, TextAnalysis, utcnow
from surveyapp.models.integrations import Delivery

BASE = "https://feedback.example.com"


@pytest.fixture(autouse=True)
def _private_receivers(app_config):
    """The receivers run on loopback, which webhooks refuse by default."""
    app_config["webhook_allow_private"] = True


def _survey(db, team, name="Onboarding NPS") -> Survey:
    ws = team.workspace
    survey = Survey(workspace=ws, environment=ws.environments[0], name=name, status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "How likely?"},
                                  {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.commit()
    return survey


def _answer(db, survey, score, why=None, when=None) -> Response:
    answers = {"score": score} | ({"why": why} if why else {})
    when = when or utcnow()
    r = Response(survey_id=survey.id, version_id=survey.current_version_id,
                 environment_id=survey.environment_id, client_id=str(uuid.uuid4()),
                 answers=answers, finished=True, created_at=when, finished_at=when)
    db.session.add(r)
    db.session.commit()
    return r


def _slack(db, team, receiver, **kw):
    channel = service.create_channel(db.session, team.workspace, "slack", "#feedback",
                                     {"url": receiver.url}, base_url=BASE, **kw)
    db.session.commit()
    return channel


def test_detractors_reach_slack_as_one_block_kit_message_with_a_link_back(db, team, receiver):
    survey = _survey(db, team)
    channel = _slack(db, team, receiver)
    service.create_rule(db.session, team.workspace, "detractor", "Detractors", channel.id,
                        {"survey_id": survey.id})
    db.session.commit()
    _answer(db, survey, 2, "Export broke again, mail me at ann.lee@example.com")
    _answer(db, survey, 10, "Love it")
    _answer(db, survey, 5, "Too slow")

    tasks.tick()

    assert len(receiver.requests) == 1
    message = receiver.bodies[0]
    assert "2 detractors answered" in message["text"]
    blocks = message["blocks"]
    assert blocks[0]["type"] == "header"
    quoted = json.dumps(blocks)
    assert "Too slow" in quoted and "Export broke again" in quoted
    assert "ann.lee@example.com" not in quoted  # PII scrubbed
    assert "Love it" not in quoted  # a promoter is no alert
    button = blocks[-1]["elements"][0]
    assert button["url"] == f"{BASE}/w/{team.workspace.slug}/surveys/{survey.id}"
    delivery = db.session.scalar(select(Delivery))
    assert delivery.status == "delivered" and delivery.attempts == 1

    tasks.tick()  # nothing new: nothing sent
    assert len(receiver.requests) == 1


def test_a_failing_slack_is_retried_then_failed_then_replayed(db, team, receiver):
    survey = _survey(db, team)
    channel = _slack(db, team, receiver)
    service.create_rule(db.session, team.workspace, "detractor", "Detractors", channel.id, {})
    db.session.commit()
    _answer(db, survey, 0, "Broken")
    receiver.statuses = [500] * hooks.MAX_ATTEMPTS

    tasks.tick()
    delivery = db.session.scalar(select(Delivery))
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == "HTTP 500" and delivery.next_attempt_at > utcnow()
    later = utcnow()
    for _ in range(hooks.MAX_ATTEMPTS - 1):
        later += dt.timedelta(hours=2)
        channels.send_due(db.session, later)
        db.session.commit()
    assert delivery.status == "failed" and delivery.attempts == hooks.MAX_ATTEMPTS
    assert channels.failed_count(db.session, team.workspace.id) == 1

    service.retry(db.session, team.workspace.id, delivery.id)
    db.session.commit()
    tasks.tick()
    assert delivery.status == "delivered"
    assert len(receiver.requests) == hooks.MAX_ATTEMPTS + 1
    # A delivered message can be replayed too.
    service.retry(db.session, team.workspace.id, delivery.id)
    db.session.commit()
    tasks.tick()
    assert len(receiver.requests) == hooks.MAX_ATTEMPTS + 2


def test_a_burst_cannot_spam_a_channel(db, team, receiver):
    channel = _slack(db, team, receiver, max_per_hour=2)
    for _ in range(5):
        service.send_test(db.session, team.workspace, channel.id)
    db.session.commit()
    tasks.tick()
    assert len(receiver.requests) == 2
    waiting = db.session.scalars(select(Delivery).where(Delivery.status == "pending")).all()
    assert len(waiting) == 3  # held, not dropped
    assert all(d.attempts == 0 and d.next_attempt_at > utcnow() + dt.timedelta(minutes=59)
               for d in waiting)
    channels.send_due(db.session, utcnow() + dt.timedelta(hours=1, minutes=1))
    db.session.commit()
    assert len(receiver.requests) == 4


def test_nps_below_a_threshold_sends_one_email(db, team, smtp_server):
    survey = _survey(db, team, "Checkout NPS")
    channel = service.create_channel(db.session, team.workspace, "email", "Team mail", {
        "host": smtp_server.host, "port": smtp_server.port, "security": "none",
        "sender": "alerts@feedback.example.com", "recipients": "pm@example.com, cx@example.com"},
        base_url=BASE)
    service.create_rule(db.session, team.workspace, "nps_below", "Checkout NPS low", channel.id,
                        {"survey_id": survey.id, "threshold": "0", "days": "7", "min_answers": "5"})
    db.session.commit()
    old = utcnow() - dt.timedelta(days=20)
    for score in (10, 10, 10, 10, 10, 10):  # last month was fine: outside the window
        _answer(db, survey, score, when=old)
    for score in (1, 3, 9, 4, 6, 10):
        _answer(db, survey, score, when=utcnow() - dt.timedelta(days=2))

    tasks.tick()
    tasks.tick()  # still below: no second mail

    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert sorted(mail["to"]) == ["cx@example.com", "pm@example.com"]
    message = mail["message"]
    assert "NPS -33" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "n=6" in text and f"{BASE}/w/{team.workspace.slug}/surveys/{survey.id}" in text
    assert message.get_body(preferencelist=("html",)) is not None


def test_a_growing_theme_goes_to_a_signed_webhook(db, team, receiver):
    survey = _survey(db, team, "Product NPS")
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", answers=9, method="kmeans",
                                result=json.dumps({"themes": [{"id": 3, "label": "slow exports"}]})))
    db.session.commit()
    channel = service.create_channel(db.session, team.workspace, "webhook", "Ops hook",
                                     {"url": receiver.url}, base_url=BASE)
    service.create_rule(db.session, team.workspace, "theme_growing", "Themes", channel.id,
                        {"survey_id": survey.id, "min_answers": "4", "growth": "2"})
    db.session.commit()
    when = [utcnow() - dt.timedelta(days=10)] + [utcnow() - dt.timedelta(days=1)] * 5
    for at in when:
        r = _answer(db, survey, 7, "exports take forever", when=at)
        db.session.add(AnswerAnnotation(response_id=r.id, survey_id=survey.id, question_id="why",
                                        kind="ok", theme=3, sentiment="negative"))
    db.session.commit()

    tasks.tick()
    tasks.tick()  # once per period

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert hooks.verify(channel.config["secret"], request["body"], headers["x-surveyapp-signature"])
    body = json.loads(request["body"])
    assert body["event"] == "alert.theme_growing"
    assert "slow exports" in body["title"]
    assert ["slow exports", "5 answers in 7 days (was 1)"] in body["fields"]


def test_the_weekly_digest_arrives_once_a_week(db, team, receiver):
    survey = _survey(db, team, "Weekly NPS")
    _slack(db, team, receiver, digest=True)
    for score in (9, 10, 3):
        _answer(db, survey, score)
    tasks.weekly_digest()
    tasks.weekly_digest()
    assert len(receiver.requests) == 1
    message = json.dumps(receiver.bodies[0])
    assert "your week in feedback" in message and "Weekly NPS" in message
    assert "3 responses, NPS +33 (n=3)" in message


def test_a_refused_address_fails_at_once(db, team, app):
    """Without the private-address setting, a receiver on loopback is refused when the
    channel is created (form error), and never retried."""
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], webhook_allow_private=False)
    with pytest.raises(IntegrationInvalid) as refused:
        service.create_channel(db.session, team.workspace, "slack", "x",
                               {"url": "http://127.0.0.1:9/hook"}, base_url=BASE)
    assert "not a public address" in refused.value.fields["url"]


def test_erasing_a_person_removes_their_quotes_from_alerts(db, team, receiver):
    from surveyapp.models import Contact
    from surveyapp.privacy import service as privacy

    survey = _survey(db, team)
    channel = _slack(db, team, receiver)
    service.create_rule(db.session, team.workspace, "detractor", "Detractors", channel.id, {})
    db.session.commit()
    person = Contact(environment_id=survey.environment_id, external_id="u-erase", attributes={})
    db.session.add(person)
    db.session.commit()
    r = _answer(db, survey, 1, "The quellbrook export is broken")
    r.contact_id = person.id
    db.session.commit()
    tasks.tick()
    delivery = db.session.scalar(select(Delivery))
    assert "quellbrook" in json.dumps(delivery.payload)

    privacy.erase_contact(db.session, team.workspace, "u-erase")
    db.session.commit()
    db.session.expire_all()
    assert "quellbrook" not in json.dumps(db.session.get(Delivery, delivery.id).payload)


def test_a_detractor_still_answering_is_alerted_with_the_comment(db, team, receiver):
    """The score arrives before the comment: the alert waits for the response to finish."""
    survey = _survey(db, team)
    channel = _slack(db, team, receiver)
    service.create_rule(db.session, team.workspace, "detractor", "Detractors", channel.id, {})
    db.session.commit()
    r = _answer(db, survey, 3)
    r.finished, r.finished_at = False, None
    db.session.commit()
    tasks.tick()
    assert receiver.requests == []
    r.answers = {"score": 3, "why": "Search never finds anything"}
    r.finished, r.finished_at = True, utcnow()
    db.session.commit()
    tasks.tick()
    assert "Search never finds anything" in json.dumps(receiver.bodies[0])


def test_an_nps_alert_fires_again_only_after_recovering(db, team, receiver):
    survey = _survey(db, team)
    channel = _slack(db, team, receiver)
    rule = service.create_rule(db.session, team.workspace, "nps_below", "Low NPS", channel.id,
                               {"survey_id": survey.id, "threshold": "0", "min_answers": "3"})
    db.session.commit()
    for score in (1, 2, 3):
        _answer(db, survey, score)
    tasks.tick()
    assert len(receiver.requests) == 1 and rule.state["firing"] is True
    for score in (10,) * 9:  # recovers: NPS +50
        _answer(db, survey, score)
    tasks.tick()
    assert rule.state["firing"] is False and len(receiver.requests) == 1
    for score in (0,) * 12:  # falls again
        _answer(db, survey, score)
    tasks.tick()
    assert len(receiver.requests) == 2
