"""Outbound Segment-spec events: a finished response, a theme change and an alert go to a
configured Segment/RudderStack endpoint as ``track`` calls in /v1/batch with the write key
as basic auth -- checked on a raw receiver, and end to end against a real Segment-spec
server (this app's own ingestion API, served on loopback)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from sqlalchemy import select

from surveyapp.integrations import service, tasks
from surveyapp.models import Contact, Event, Response, Survey, SurveyStatus, TextAnalysis, utcnow
from surveyapp.models.integrations import Delivery


@pytest.fixture(autouse=True)
def _private_receivers(app_config):
    app_config["webhook_allow_private"] = True


def _survey(db, team) -> Survey:
    ws = team.workspace
    survey = Survey(workspace=ws, environment=ws.environments[0], name="Onboarding NPS",
                    status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "How likely?"},
                                  {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.commit()
    return survey


def _finish(db, survey, contact=None, why="Setup was quick, call me on +44 20 7946 0958") -> Response:
    now = utcnow()
    r = Response(survey_id=survey.id, version_id=survey.current_version_id,
                 environment_id=survey.environment_id, client_id=str(uuid.uuid4()),
                 contact_id=contact.id if contact else None,
                 answers={"score": 4, "why": why}, finished=True, finished_at=now)
    db.session.add(r)
    db.session.commit()
    return r


def test_finished_responses_themes_and_alerts_become_track_calls(db, team, receiver):
    survey = _survey(db, team)
    _finish(db, survey)  # before the channel: history is not sent
    channel = service.create_channel(db.session, team.workspace, "segment", "Segment",
                                     {"url": receiver.url.rsplit("/services", 1)[0],
                                      "write_key": "seg-write-key"}, base_url="https://x.example")
    slack = service.create_channel(db.session, team.workspace, "slack", "#alerts",
                                   {"url": receiver.url}, base_url="https://x.example")
    service.create_rule(db.session, team.workspace, "detractor", "Detractors", slack.id, {})
    db.session.commit()
    person = Contact(environment_id=survey.environment_id, external_id="u-77", attributes={})
    db.session.add(person)
    db.session.commit()
    response = _finish(db, survey, person)
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", answers=1, method="kmeans",
                                result=json.dumps({"themes": [{"id": 0, "label": "fast setup", "count": 1}]})))
    db.session.commit()

    tasks.tick()  # the alert is queued and sent; the next tick forwards it as an event
    tasks.tick()

    batches = [r for r in receiver.requests if r["path"] == "/v1/batch"]
    headers = {k.lower(): v for k, v in batches[0]["headers"].items()}
    assert headers["authorization"] == "Basic " + base64.b64encode(b"seg-write-key:").decode()
    messages = [json.loads(r["body"])["batch"][0] for r in batches]
    by_event = {m["event"]: m for m in messages}
    assert set(by_event) == {"Survey Response Finished", "Survey Themes Updated", "Survey Alert Fired"}
    finished = by_event["Survey Response Finished"]
    assert finished["type"] == "track" and finished["userId"] == "u-77"
    assert finished["messageId"] == f"surveyapp-response-{response.id}"
    props = finished["properties"]
    assert props["nps_score"] == 4 and props["nps_group"] == "detractor"
    assert "7946" not in props["answer_why"]  # open text is PII-scrubbed
    assert by_event["Survey Themes Updated"]["properties"]["themes"][0]["label"] == "fast setup"
    assert "detractor" in by_event["Survey Alert Fired"]["properties"]["title"]
    assert len([m for m in messages if m["event"] == "Survey Response Finished"]) == 1
    assert db.session.scalars(select(Delivery.status).where(Delivery.channel_id == channel.id)).all() \
        == ["delivered"] * 3


def test_events_reach_a_real_segment_spec_server(db, team, served):
    """This app's own Segment API as the destination: the event lands in its store."""
    survey = _survey(db, team)
    env = team.workspace.environments[0]
    service.create_channel(db.session, team.workspace, "segment", "Loop",
                           {"url": f"{served}/api/segment", "write_key": env.client_key,
                            "events": ["response.finished"]}, base_url=served)
    db.session.commit()
    _finish(db, survey)
    tasks.tick()
    db.session.expire_all()
    event = db.session.scalar(select(Event).where(Event.name == "Survey Response Finished"))
    assert event is not None and event.properties["survey_name"] == "Onboarding NPS"
    tasks.tick()  # nothing twice
    assert len(db.session.scalars(select(Event).where(Event.name == "Survey Response Finished")).all()) == 1


def test_erasing_a_person_drops_their_outbound_events(db, team, receiver):
    from surveyapp.privacy import service as privacy

    survey = _survey(db, team)
    service.create_channel(db.session, team.workspace, "segment", "Segment",
                           {"url": receiver.url, "write_key": "k"}, base_url="https://x.example")
    person = Contact(environment_id=survey.environment_id, external_id="u-gone", attributes={})
    db.session.add(person)
    db.session.commit()
    _finish(db, survey, person, why="quellbrook is broken")
    from surveyapp.integrations import outbound

    outbound.queue_all(db.session)  # queued, not yet sent
    db.session.commit()
    assert db.session.scalar(select(Delivery.event)) == "response.finished"
    privacy.erase_contact(db.session, team.workspace, "u-gone")
    db.session.commit()
    tasks.tick()
    assert db.session.scalar(select(Delivery)) is None
    assert receiver.requests == []  # never sent
