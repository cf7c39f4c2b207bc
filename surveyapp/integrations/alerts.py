"""Alert rules and the weekly digest: conditions checked by the worker, written as
``Delivery`` rows to a channel (sending is ``channels``' job). Callers own the transaction.

Rules:

- ``detractor``: someone answered an NPS question with 0-6 (``NPS.DETRACTOR_MAX``), once
  the response is finished (or 10 minutes old, so its comment is in). All detractors
  since the last check go in **one** message (score, the open-text answer,
  PII-scrubbed), so a burst of answers is one alert, not a flood.
- ``nps_below``: the NPS of a survey -- optionally of one segment's members -- over the
  last ``days`` days is below ``threshold`` with at least ``min_answers`` answers. It
  alerts when the condition starts to hold and again only after it stopped holding.
- ``theme_growing``: an open-text theme got at least ``min_answers`` answers in the last
  ``days`` days and at least ``growth`` times as many as in the ``days`` before (a theme
  with none before is new). Each theme alerts once per period.

Every message carries a link back to the survey's page (``Channel.config["base_url"]``,
the address the channel was set up from).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp.models import (
    AnswerAnnotation,
    Response,
    Survey,
    SurveyVersion,
    TextAnalysis,
    Workspace,
    utcnow,
)
from surveyapp.models.integrations import AlertRule, Channel, Delivery
from surveyapp.models.segments import SegmentMember
from surveyapp.surveys import scoring
from surveyapp.surveys.questions import NPS, OpenText, question_type
from surveyapp.templating import scrub

BATCH = 500
QUOTES = 5  # detractors quoted in one alert
SETTLE = dt.timedelta(minutes=10)  # an unfinished response is alerted on after this


@dataclass(frozen=True)
class Alert:
    """A channel-neutral message; channels render it (Block Kit, e-mail, JSON)."""

    title: str
    text: str
    link: str
    fields: list[tuple[str, str]]
    response_ids: list[int]

    def payload(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "link": self.link,
                "fields": [list(f) for f in self.fields], "response_ids": self.response_ids}


def survey_link(channel: Channel, workspace: Workspace, survey_id: int) -> str:
    base = str(channel.config.get("base_url") or "").rstrip("/")
    return f"{base}/w/{workspace.slug}/surveys/{survey_id}"


def _nps_questions(definition: dict[str, Any]) -> list[str]:
    return [q["id"] for q in definition.get("questions", []) if question_type(q) is NPS]


def _open_questions(definition: dict[str, Any]) -> list[str]:
    return [q["id"] for q in definition.get("questions", []) if question_type(q) is OpenText]


def queue(session: Session, channel: Channel, event: str, dedup_key: str,
          payload: dict[str, Any], rule: AlertRule | None = None) -> Delivery | None:
    """A delivery for ``channel``, once per ``dedup_key`` (None when it exists)."""
    exists = session.scalar(select(Delivery.id).where(Delivery.channel_id == channel.id,
                                                      Delivery.dedup_key == dedup_key[:120]))
    if exists is not None:
        return None
    delivery = Delivery(workspace_id=channel.workspace_id, channel_id=channel.id,
                        rule_id=rule.id if rule else None, event=event,
                        dedup_key=dedup_key[:120], payload=payload, next_attempt_at=utcnow())
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:  # queued concurrently by another worker
        return None
    return delivery


# ----------------------------------------------------------------------------- rules
def _detractors(session: Session, rule: AlertRule, workspace: Workspace,
                now: dt.datetime) -> Alert | None:
    query = (select(Response, SurveyVersion.definition, Survey.name)
             .join(Survey, Survey.id == Response.survey_id)
             .join(SurveyVersion, SurveyVersion.id == Response.version_id)
             .where(Survey.workspace_id == rule.workspace_id, Response.id > rule.cursor_response_id)
             .order_by(Response.id).limit(BATCH))
    if rule.params.get("survey_id"):
        query = query.where(Response.survey_id == int(rule.params["survey_id"]))
    rows = session.execute(query).all()
    # A response still being answered may get its comment in a moment: wait for it to be
    # finished (or SETTLE old) before alerting, and keep the cursor before it.
    settled = now - SETTLE
    ready = []
    for row in rows:
        if not (row[0].finished or row[0].created_at <= settled):
            break
        ready.append(row)
    if not ready:
        return None
    rule.cursor_response_id = ready[-1][0].id
    found: list[tuple[Response, int, str, str]] = []
    for response, definition, name in ready:
        for qid in _nps_questions(definition):
            score = response.answers.get(qid)
            if NPS.group(score) == "detractor":
                comment = next((str(response.answers[o]) for o in _open_questions(definition)
                                if isinstance(response.answers.get(o), str)), "")
                found.append((response, int(score), name, comment))
                break
    if not found:
        return None
    surveys = {r.survey_id for r, *_ in found}
    first = found[0][0]
    link = survey_link(rule.channel, workspace, first.survey_id)
    quotes = [(f"{score}/10 · {name}", scrub(comment)[:300] or "(no comment)")
              for _, score, name, comment in found[:QUOTES]]
    more = len(found) - QUOTES
    title = ("A detractor answered" if len(found) == 1 else f"{len(found)} detractors answered")
    text = (f"{title} in {found[0][2]}" if len(surveys) == 1 else f"{title} in {len(surveys)} surveys")
    if more > 0:
        text += f" ({more} more not shown)"
    return Alert(title=f"{rule.name}: {title}", text=text, link=link, fields=quotes,
                 response_ids=[r.id for r, *_ in found])


def nps_over(session: Session, survey_id: int, since: dt.datetime,
             segment_id: int | None = None, until: dt.datetime | None = None) -> tuple[float | None, int]:
    """(NPS, answers) of the survey's NPS questions' answers given since ``since``."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return None, 0
    promoters = detractors = n = 0
    qids = {qid for v in survey.versions for qid in _nps_questions(v.definition)}
    for qid in sorted(qids):
        score = Response.answers[qid].as_integer()
        query = select(*scoring.nps_counts(score)).where(Response.survey_id == survey_id,
                                                         Response.created_at >= since)
        if until is not None:
            query = query.where(Response.created_at < until)
        if segment_id is not None:
            query = query.where(Response.contact_id.in_(
                select(SegmentMember.contact_id).where(SegmentMember.segment_id == segment_id)))
        p, d, count = session.execute(query).one()
        promoters, detractors, n = promoters + p, detractors + d, n + count
    if n == 0:
        return None, 0
    return round(100 * (promoters - detractors) / n, 1), n


def _nps_below(session: Session, rule: AlertRule, workspace: Workspace, now: dt.datetime) -> Alert | None:
    params = rule.params
    days = int(params.get("days", 7))
    segment_id = int(params["segment_id"]) if params.get("segment_id") else None
    score, n = nps_over(session, int(params["survey_id"]), now - dt.timedelta(days=days), segment_id)
    holds = score is not None and n >= int(params.get("min_answers", 10)) and score < float(params["threshold"])
    was = bool(rule.state.get("firing"))
    rule.state = {**rule.state, "firing": holds, "nps": score, "n": n}
    if not holds or was:
        return None
    survey = session.get(Survey, int(params["survey_id"]))
    who = f" for segment {params.get('segment_label') or segment_id}" if segment_id else ""
    return Alert(title=f"{rule.name}: NPS {score:+.0f}{who}",
                 text=f"NPS of {survey.name if survey else 'the survey'}{who} over the last "
                      f"{days} days is {score:+.1f} (n={n}), below {float(params['threshold']):+.0f}.",
                 link=survey_link(rule.channel, workspace, int(params["survey_id"])),
                 fields=[("NPS", f"{score:+.1f}"), ("Answers", str(n)), ("Days", str(days))],
                 response_ids=[])


def theme_counts(session: Session, survey_id: int, since: dt.datetime,
                 until: dt.datetime | None = None) -> dict[tuple[str, int], int]:
    query = (select(AnswerAnnotation.question_id, AnswerAnnotation.theme, func.count())
             .join(Response, Response.id == AnswerAnnotation.response_id)
             .where(AnswerAnnotation.survey_id == survey_id, AnswerAnnotation.theme >= 0,
                    Response.created_at >= since)
             .group_by(AnswerAnnotation.question_id, AnswerAnnotation.theme))
    if until is not None:
        query = query.where(Response.created_at < until)
    return {(q, int(t)): int(c) for q, t, c in session.execute(query).all()}


def _theme_growing(session: Session, rule: AlertRule, workspace: Workspace, now: dt.datetime) -> Alert | None:
    params = rule.params
    survey_id = int(params["survey_id"])
    days = int(params.get("days", 7))
    recent_start = now - dt.timedelta(days=days)
    recent = theme_counts(session, survey_id, recent_start)
    before = theme_counts(session, survey_id, recent_start - dt.timedelta(days=days), recent_start)
    growth = float(params.get("growth", 2.0))
    minimum = int(params.get("min_answers", 5))
    period = now.strftime("%G-W%V") if days == 7 else now.date().isoformat()
    alerted = dict(rule.state.get("alerted") or {})
    growing = []
    for key, count in sorted(recent.items(), key=lambda kv: -kv[1]):
        previous = before.get(key, 0)
        tag = f"{key[0]}:{key[1]}"
        if count >= minimum and count >= growth * max(previous, 1) and alerted.get(tag) != period:
            growing.append((key, count, previous))
            alerted[tag] = period
    rule.state = {**rule.state, "alerted": alerted}
    if not growing:
        return None
    names: dict[tuple[str, int], str] = {}
    for analysis in session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id == survey_id)):
        for theme_id, label in analysis.theme_names().items():
            names[(analysis.question_id, theme_id)] = label
    fields = [(names.get(key, f"theme {key[1]}"),
               f"{count} answers in {days} days" + (f" (was {prev})" if prev else " (new)"))
              for key, count, prev in growing]
    first = fields[0][0]
    return Alert(title=f"{rule.name}: theme “{first}” is growing",
                 text=f"{len(growing)} theme(s) grew at least {growth:g}x over the last {days} days.",
                 link=survey_link(rule.channel, workspace, survey_id), fields=fields,
                 response_ids=[])


def evaluate(session: Session, rule: AlertRule, now: dt.datetime | None = None) -> Delivery | None:
    """Check one rule; the delivery it queued, if its condition fired."""
    now = now or utcnow()
    workspace = session.get(Workspace, rule.workspace_id)
    assert workspace is not None
    if rule.kind == "detractor":
        alert = _detractors(session, rule, workspace, now)
    elif rule.kind == "nps_below":
        alert = _nps_below(session, rule, workspace, now)
    else:
        alert = _theme_growing(session, rule, workspace, now)
    if alert is None:
        return None
    rule.last_fired_at = now
    key = f"rule:{rule.id}:{now.isoformat()}" if not alert.response_ids else \
        f"rule:{rule.id}:r{alert.response_ids[0]}-{alert.response_ids[-1]}"
    return queue(session, rule.channel, f"alert.{rule.kind}", key, alert.payload(), rule)


def evaluate_all(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Every active rule whose channel is active; the ids of the deliveries queued."""
    ids = []
    rules = session.scalars(select(AlertRule).join(Channel, Channel.id == AlertRule.channel_id)
                            .where(AlertRule.active.is_(True), Channel.active.is_(True))
                            .order_by(AlertRule.id)).all()
    for rule in rules:
        delivery = evaluate(session, rule, now)
        if delivery is not None:
            session.flush()
            ids.append(delivery.id)
    return ids


def start_at_present(session: Session, rule: AlertRule) -> None:
    """A new rule starts at the newest response: it never alerts about history."""
    rule.cursor_response_id = session.scalar(select(func.max(Response.id))) or 0


# ----------------------------------------------------------------------------- digest
def digest(session: Session, channel: Channel, now: dt.datetime | None = None) -> Delivery | None:
    """The workspace's week for ``channel``: once per ISO week."""
    now = now or utcnow()
    workspace = session.get(Workspace, channel.workspace_id)
    assert workspace is not None
    week_ago = now - dt.timedelta(days=7)
    surveys = session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)
                              .order_by(Survey.id)).all()
    fields: list[tuple[str, str]] = []
    total = 0
    for survey in surveys:
        count = session.scalar(select(func.count()).select_from(Response).where(
            Response.survey_id == survey.id, Response.created_at >= week_ago)) or 0
        if not count:
            continue
        total += count
        score, n = nps_over(session, survey.id, week_ago)
        before, n_before = nps_over(session, survey.id, week_ago - dt.timedelta(days=7), until=week_ago)
        line = f"{count} responses"
        if score is not None:
            line += f", NPS {score:+.0f} (n={n})"
            if before is not None:
                line += f", {score - before:+.0f} vs the week before"
        top = sorted(theme_counts(session, survey.id, week_ago).items(), key=lambda kv: -kv[1])[:3]
        if top:
            names: dict[tuple[str, int], str] = {}
            for analysis in session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id == survey.id)):
                names.update({(analysis.question_id, t): label
                              for t, label in analysis.theme_names().items()})
            line += "; top themes: " + ", ".join(f"{names.get(k, f'theme {k[1]}')} ({c})" for k, c in top)
        fields.append((survey.name, line))
    alerts = session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.workspace_id == workspace.id, Delivery.event.like("alert.%"),
        Delivery.created_at >= week_ago)) or 0
    base = str(channel.config.get("base_url") or "").rstrip("/")
    payload = Alert(title=f"{workspace.name}: your week in feedback",
                    text=f"{total} responses in the last 7 days; {alerts} alerts.",
                    link=f"{base}/w/{workspace.slug}/", fields=fields or [("Surveys", "no responses this week")],
                    response_ids=[]).payload()
    return queue(session, channel, "digest.weekly", f"digest:{now.strftime('%G-W%V')}", payload)


def digest_all(session: Session, now: dt.datetime | None = None) -> list[int]:
    ids = []
    for channel in session.scalars(select(Channel).where(Channel.digest.is_(True),
                                                         Channel.active.is_(True))):
        delivery = digest(session, channel, now)
        if delivery is not None:
            session.flush()
            ids.append(delivery.id)
    return ids
