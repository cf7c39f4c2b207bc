"""Outbound Segment-spec ``track`` events to a Segment or RudderStack source (a channel
of kind ``segment``): what happens in surveyapp shows up in the customer's CDP.

- ``Survey Response Finished``: a response was completed; ``userId`` is the contact's id
  as stored (a keyed hash when the workspace hashes ids), else ``anonymousId`` is the
  response's client id. Properties: survey, version, NPS score and group, and each
  answer (open text PII-scrubbed).
- ``Survey Themes Updated``: a survey's open-text analysis changed (its themes).
- ``Survey Alert Fired``: an alert rule fired (title, text, link).

Each becomes a ``Delivery`` (one per channel and thing, keyed, so nothing goes twice),
sent by ``channels`` as a ``/v1/batch`` POST with the channel's write key, retried and
logged like every delivery. ``messageId`` is stable, so the receiving end deduplicates
a replay too. A channel starts at the present: it is not flooded with history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response, Survey, SurveyVersion, TextAnalysis
from surveyapp.models.integrations import Channel, Delivery
from surveyapp.surveys.questions import NPS, OpenText, question_type
from surveyapp.templating import scrub

from .alerts import queue

BATCH = 200


def _track(event: str, message_id: str, when: dt.datetime, properties: dict[str, Any],
           user_id: str | None = None, anonymous_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "track", "event": event, "messageId": message_id,
                               "timestamp": when.isoformat(), "properties": properties,
                               "context": {"library": {"name": "surveyapp", "version": "1"}}}
    if user_id:
        message["userId"] = user_id
    else:
        message["anonymousId"] = anonymous_id or "surveyapp"
    return message


def response_properties(response: Response, survey: Survey, definition: dict[str, Any],
                        number: int) -> dict[str, Any]:
    props: dict[str, Any] = {"survey_id": survey.id, "survey_name": survey.name,
                             "survey_version": number, "response_id": response.id}
    for q in definition.get("questions", []):
        value = response.answers.get(q["id"])
        if value is None:
            continue
        kind = question_type(q)
        if kind is NPS:
            props["nps_score"], props["nps_group"] = value, NPS.group(value)
        props[f"answer_{q['id']}"[:64]] = scrub(value)[:500] if kind is OpenText and isinstance(
            value, str) else value
    return props


def _responses(session: Session, channel: Channel) -> int:
    since = dt.datetime.fromisoformat(str(channel.state.get("finished_at") or channel.created_at.isoformat()))
    rows = session.execute(
        select(Response, Survey, SurveyVersion.definition, SurveyVersion.number, Contact.external_id)
        .join(Survey, Survey.id == Response.survey_id)
        .join(SurveyVersion, SurveyVersion.id == Response.version_id)
        .outerjoin(Contact, Contact.id == Response.contact_id)
        .where(Survey.workspace_id == channel.workspace_id, Response.finished_at > since)
        .order_by(Response.finished_at, Response.id).limit(BATCH)).all()
    count = 0
    for response, survey, definition, number, external_id in rows:
        assert response.finished_at is not None
        message = _track("Survey Response Finished", f"surveyapp-response-{response.id}",
                         response.finished_at, response_properties(response, survey, definition, number),
                         user_id=external_id, anonymous_id=response.client_id)
        if queue(session, channel, "response.finished", f"response:{response.id}",
                 {"message": message, "title": "Survey Response Finished",
                  "text": survey.name, "link": "", "fields": []}) is not None:
            count += 1
    if rows:
        last = rows[-1][0].finished_at
        assert last is not None
        channel.state = {**channel.state, "finished_at": last.isoformat()}
    return count


def _themes(session: Session, channel: Channel) -> int:
    since = dt.datetime.fromisoformat(str(channel.state.get("themes_at") or channel.created_at.isoformat()))
    analyses = session.execute(
        select(TextAnalysis, Survey).join(Survey, Survey.id == TextAnalysis.survey_id)
        .where(Survey.workspace_id == channel.workspace_id, TextAnalysis.updated_at > since)
        .order_by(TextAnalysis.updated_at).limit(BATCH)).all()
    count = 0
    for analysis, survey in analyses:
        result = analysis.theme_result()
        names = analysis.theme_names(result)
        stamp = analysis.updated_at.isoformat()
        message = _track("Survey Themes Updated", f"surveyapp-themes-{analysis.id}-{stamp}",
                         analysis.updated_at, {
                             "survey_id": survey.id, "survey_name": survey.name,
                             "question_id": analysis.question_id, "answers": analysis.answers,
                             "themes": [{"id": t.id, "label": names.get(t.id, t.label),
                                         "count": t.count} for t in result.themes]},
                         anonymous_id=f"surveyapp-survey-{survey.id}")
        if queue(session, channel, "theme.changed", f"themes:{analysis.id}:{stamp}",
                 {"message": message, "title": "Survey Themes Updated", "text": survey.name,
                  "link": "", "fields": []}) is not None:
            count += 1
    if analyses:
        channel.state = {**channel.state, "themes_at": analyses[-1][0].updated_at.isoformat()}
    return count


def _alerts(session: Session, channel: Channel) -> int:
    after = int(channel.state.get("alert_id") or 0)
    rows = session.scalars(select(Delivery).where(
        Delivery.workspace_id == channel.workspace_id, Delivery.event.like("alert.%"),
        Delivery.id > after).order_by(Delivery.id).limit(BATCH)).all()
    count = 0
    seen: set[tuple[int | None, str]] = set()
    for alert in rows:
        key = (alert.rule_id, alert.dedup_key)
        if key in seen:  # the same alert to two channels: one event
            continue
        seen.add(key)
        message = _track("Survey Alert Fired", f"surveyapp-alert-{alert.id}", alert.created_at,
                         {"rule_id": alert.rule_id, "kind": alert.event.split(".", 1)[-1],
                          "title": alert.payload.get("title"), "text": alert.payload.get("text"),
                          "link": alert.payload.get("link")},
                         anonymous_id=f"surveyapp-rule-{alert.rule_id}")
        if queue(session, channel, "alert", f"alert:{alert.id}",
                 {"message": message, "title": "Survey Alert Fired",
                  "text": str(alert.payload.get("title")), "link": "", "fields": []}) is not None:
            count += 1
    if rows:
        channel.state = {**channel.state, "alert_id": rows[-1].id}
    return count


def queue_all(session: Session) -> int:
    """Queue the events every active Segment channel subscribed to; how many."""
    count = 0
    for channel in session.scalars(select(Channel).where(Channel.kind == "segment",
                                                         Channel.active.is_(True))):
        events = set(channel.config.get("events") or ())
        if "response.finished" in events:
            count += _responses(session, channel)
        if "theme.changed" in events:
            count += _themes(session, channel)
        if "alert" in events:
            count += _alerts(session, channel)
    session.flush()
    return count
