"""Demo content: a rule-based onboarding tip by persona and a model-ranked feature
spotlight, both live, each with a month of exposures, a 10% holdout and a planted lift,
so the monitoring pages have something true to show.

The tip's rules send each of the demo's personas (drafted by the segments demo from the
saved segment run) its own tip; everyone else, and the holdout, gets the general one.
Goal: ``tip_followed`` within 72 h, about 34% for a personalised tip against 20% in the
holdout (the same people, shown the general tip). About one exposure in five has an
answer to "Was this tip relevant to you?" (1-5): about 4 for a persona's tip, 2.7 otherwise.

The spotlight's variants are features (event names of the demo's behaviour); its model is
trained here, on the demo's events, in a second or two (``ranking.train``: the time-split
evaluation against popularity, then the served ranker), and decides each person's
spotlight from what they used. Goal: ``spotlight_tried`` within a week, about 30% for the
model's pick against 18% in the holdout (shown the general tour).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Event, Workspace, utcnow
from surveyapp.models.personalization import SlotExposure
from surveyapp.models.segments import Persona, SegmentMember
from surveyapp.personalization import decide, ranking, service
from surveyapp.personalization.rules import DictProfile, evaluate

RATES = {"personalised": 0.34, "holdout": 0.20, "general": 0.20}
TIPS = ("Start from a template: three clicks to your first report.",
        "Invite your team: reports are better with comments.",
        "Schedule your report: it arrives every Monday.")


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    personas = session.scalars(select(Persona).where(
        Persona.workspace_id == workspace.id, Persona.segment_id.is_not(None))
        .order_by(Persona.id).limit(len(TIPS))).all()
    echo(f"Adding a personalised onboarding tip for {len(personas)} personas…")
    variants = {"general": {"title": "Welcome! Here is where to start.", "link": "/app"}}
    rules = []
    for i, persona in enumerate(personas):
        key = f"tip_{i + 1}"
        variants[key] = {"title": TIPS[i], "link": "/app"}
        rules.append({"if": [{"persona": persona.id}], "then": key})
    slot = service.create_slot(session, workspace, key="onboarding_tip", name="Onboarding tip",
                               description="The tip card on the app's home page.")
    service.save_draft(session, slot, {
        "schema": {"type": "object", "required": ["title"], "additionalProperties": False,
                   "properties": {"title": {"type": "string", "maxLength": 120},
                                  "link": {"type": "string", "maxLength": 200}}},
        "variants": variants, "default": "general", "rules": rules, "holdout_percent": 10,
        "goal_event": "tip_followed", "goal_window_hours": 72,
        "relevance_question": "Was this tip relevant to you?"})
    version = service.publish(session, slot, None)
    definition = version.definition
    env = workspace.environments[0]
    contacts = session.execute(select(Contact.id, Contact.external_id).where(
        Contact.environment_id == env.id).order_by(Contact.id)).all()
    membership: dict[int, set[int]] = {}
    for persona in personas:
        for (cid,) in session.execute(select(SegmentMember.contact_id).where(
                SegmentMember.segment_id == persona.segment_id)).all():
            membership.setdefault(cid, set()).add(persona.id)
    rng, rel = random.Random(2323), random.Random(2325)  # rel: relevance answers
    now = utcnow().replace(microsecond=0)
    exposures, events = [], []
    for cid, external_id in contacts:
        unit = f"u:{external_id}"
        choice = evaluate(definition, DictProfile(personas=membership.get(cid, set())))
        held = decide.in_holdout(slot.key, unit, definition["holdout_percent"])
        at = now - dt.timedelta(days=rng.uniform(4, 30))
        group = "holdout" if held else ("personalised" if choice.rule is not None else "general")
        # About one in five answers "Was this tip relevant?": a persona's own tip rates
        # higher (mean about 4) than the general one (about 2.7).
        answered = rel.random() < 0.2
        score = (rel.choices((2, 3, 4, 5), (1, 2, 4, 4))[0] if group == "personalised"
                 else rel.choices((1, 2, 3, 4, 5), (2, 3, 4, 2, 1))[0])
        exposures.append({"slot_id": slot.id, "version": version.version, "unit_id": unit,
                          "contact_id": cid, "variant": "general" if held else choice.variant,
                          "intended": choice.variant, "holdout": held, "rule": choice.rule,
                          "exposed_at": at, "relevance": score if answered else None,
                          "relevance_at": at + dt.timedelta(minutes=1) if answered else None})
        if rng.random() < RATES[group]:
            events.append({"environment_id": env.id, "contact_id": cid, "name": "tip_followed",
                           "occurred_at": at + dt.timedelta(hours=rng.uniform(0.1, 48)),
                           "received_at": now, "properties": {"slot": slot.key}})
    if exposures:
        session.execute(insert(SlotExposure), exposures)
    if events:
        session.execute(insert(Event), events)
    seed_spotlight(session, workspace, echo)


FEATURES = {
    "create_report": "Build a report: funnels, retention and trends in a few clicks.",
    "share_report": "Share a report by link, email or Slack.",
    "export_csv": "Export any table to CSV for your spreadsheet.",
    "api_call": "Query your data from code with the API.",
    "search": "Search every dashboard and report at once.",
    "invite_teammate": "Invite your team: reports are better with comments.",
    "settings_changed": "Set your time zone, SSO and data retention in Settings.",
}
SPOTLIGHT_RATES = {"model": 0.30, "holdout": 0.18, "general": 0.18}


def seed_spotlight(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    echo("Training the feature spotlight's recommendation model on the demo's events…")
    variants = {"tour": {"title": "Take the two-minute tour of what is new.", "link": "/app"}}
    variants.update({k: {"title": v, "link": "/app"} for k, v in FEATURES.items()})
    slot = service.create_slot(session, workspace, key="feature_spotlight",
                               name="Feature spotlight",
                               description="The card that suggests a feature to try next.")
    service.save_draft(session, slot, {
        "schema": {"type": "object", "required": ["title"], "additionalProperties": False,
                   "properties": {"title": {"type": "string", "maxLength": 120},
                                  "link": {"type": "string", "maxLength": 200}}},
        "variants": variants, "default": "tour", "rules": [], "holdout_percent": 10,
        "goal_event": "spotlight_tried", "goal_window_hours": 168,
        "relevance_question": "Was this suggestion useful to you?"})
    version = service.publish(session, slot, None)
    model = ranking.configure(session, slot)
    ranking.train(session, model)
    trained = ranking.loaded(model.artefact)
    assert trained is not None
    env = workspace.environments[0]
    history: dict[int, dict[str, int]] = {}
    for cid, name, n in session.execute(
            select(Event.contact_id, Event.name, func.count())
            .where(Event.environment_id == env.id, Event.contact_id.is_not(None),
                   Event.name.in_(list(FEATURES)))
            .group_by(Event.contact_id, Event.name)).all():
        history.setdefault(int(cid), {})[str(name)] = int(n)
    contacts = session.execute(select(Contact.id, Contact.external_id).where(
        Contact.environment_id == env.id).order_by(Contact.id)).all()
    rng = random.Random(2324)
    now = utcnow().replace(microsecond=0)
    exposures, events = [], []
    for cid, external_id in contacts:
        unit = f"u:{external_id}"
        items, _because = trained.recommend(history.get(cid, {}))
        pick = next((i for i in items if i in variants), "tour")
        held = decide.in_holdout(slot.key, unit, 10)
        at = now - dt.timedelta(days=rng.uniform(8, 30))
        group = "holdout" if held else ("model" if pick != "tour" else "general")
        answered = not held and rng.random() < 0.25
        exposures.append({"slot_id": slot.id, "version": version.version, "unit_id": unit,
                          "contact_id": cid, "variant": "tour" if held else pick,
                          "intended": pick, "holdout": held, "rule": None, "exposed_at": at,
                          "relevance": (rng.choices((2, 3, 4, 5), (1, 2, 4, 3))[0]
                                        if group == "model" else rng.choice((1, 2, 3, 4)))
                          if answered else None,
                          "relevance_at": at + dt.timedelta(minutes=2) if answered else None})
        if rng.random() < SPOTLIGHT_RATES[group]:
            events.append({"environment_id": env.id, "contact_id": cid, "name": "spotlight_tried",
                           "occurred_at": at + dt.timedelta(hours=rng.uniform(0.1, 120)),
                           "received_at": now, "properties": {"slot": slot.key,
                                                              "feature": pick}})
    session.execute(insert(SlotExposure), exposures)
    if events:
        session.execute(insert(Event), events)
