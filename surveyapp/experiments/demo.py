"""Demo content: a finished A/B test with a real effect, funnels, and click-map clicks.

The experiment "Dashboard templates" ran for about a month on the demo's active contacts:
the "Template gallery" variant offered ready-made report templates. Its metric events
(``template_used``) are written here, with a planted lift (about 22% against 36%), so the
results page has a clear, honest winner; its CSAT metric (the dashboards survey) shows
no real difference. Clicks on the demo's /app page include a rage-clicked export button
and a dead "KPI card" that looks clickable but is not.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveyapp.demo.behaviour import uid
from surveyapp.experiments import clicks, stats
from surveyapp.experiments.assignment import variant_for
from surveyapp.models import Contact, Event, Survey, Workspace, utcnow
from surveyapp.models.experiments import Experiment, ExperimentExposure, ExperimentStatus, Funnel

KEY = "dashboard-templates"
VARIANTS = [{"key": "control", "name": "Control", "weight": 50.0},
            {"key": "gallery", "name": "Template gallery", "weight": 50.0}]
RATES = {"control": 0.22, "gallery": 0.36}  # chance of using a template within 72 h
FUNNELS = (
    ("Activation", ["signup", "onboarding_completed", "view_dashboard", "create_report"], 24 * 14),
    ("Reporting", ["view_dashboard", "create_report", "share_report"], 24),
    ("Report from a template", ["report_editor_opened", "template_used"], 72),
)
CLICK_TARGETS = (  # selector, weight, element-relative spot, dead, rage-prone
    ("nav#nav > a:nth-of-type(2)", 5, (0.5, 0.5), False, False),
    ("button#new-report", 4, (0.4, 0.55), False, False),
    ("div.kpi-card:nth-of-type(1)", 3, (0.3, 0.4), True, False),
    ("button#export", 2, (0.6, 0.5), False, True),
    ("a.help-link", 1, (0.2, 0.5), False, False),
)


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    echo("Adding a finished A/B test, funnels and click maps…")
    rng = random.Random(909)
    now = utcnow().replace(microsecond=0)
    env = workspace.environments[0]
    started, stopped = now - dt.timedelta(days=40), now - dt.timedelta(days=8)
    survey_id = session.scalar(select(Survey.id).where(
        Survey.workspace_id == workspace.id, Survey.name == "Dashboards feature feedback"))
    metrics: list[dict[str, Any]] = [
        {"kind": "conversion", "event": "template_used", "window_hours": 72},
        {"kind": "time_to_event", "event": "template_used", "window_hours": 72},
    ]
    if survey_id is not None:
        metrics.append({"kind": "survey", "survey_id": survey_id, "question_id": "satisfaction"})
    plan = stats.sample_size(0.22, 0.12, 0.05, 0.8, 2, 20)
    experiment = Experiment(
        workspace_id=workspace.id, key=KEY, name="Dashboard templates",
        hypothesis="Because new reports start from a blank page, offering a gallery of "
                   "ready-made templates will make more people build a report from a "
                   "template within three days, without hurting satisfaction with dashboards.",
        status=ExperimentStatus.STOPPED, variants=VARIANTS, metrics=metrics,
        plan=plan.as_dict(), started_at=started, stopped_at=stopped, created_at=started)
    session.add(experiment)
    session.flush()

    # Exposure: at each contact's first visit while the experiment ran.
    first: dict[int, tuple[dt.datetime, str | None]] = {}
    rows = session.execute(
        select(Event.contact_id, Event.occurred_at, Event.session_id)
        .where(Event.environment_id == env.id, Event.contact_id.is_not(None),
               Event.occurred_at >= started, Event.occurred_at < stopped)
        .order_by(Event.contact_id, Event.occurred_at))
    for cid, at, sid in rows:
        first.setdefault(cid, (at, sid))
    externals = dict(session.execute(select(Contact.id, Contact.external_id).where(
        Contact.id.in_(list(first)))).all()) if first else {}
    exposures, events = [], []
    for cid in sorted(first):
        at, sid = first[cid]
        unit = f"u:{externals[cid]}"
        variant = variant_for(VARIANTS, KEY, unit)
        exposures.append({"experiment_id": experiment.id, "unit_id": unit, "contact_id": cid,
                          "variant": variant, "exposed_at": at})
        # Exposure happens where the variants differ: the report editor opening.
        events.append(_event(env.id, cid, sid, "report_editor_opened", {"variant": variant}, at,
                             uid("editor", cid)))
        if rng.random() < RATES[variant]:
            hours = min(rng.lognormvariate(1.2 if variant == "gallery" else 1.6, 1.0), 70)
            used = at + dt.timedelta(hours=hours)
            events.append(_event(env.id, cid, sid if hours < 1 else None, "template_used",
                                 {"template": rng.choice(("funnel", "retention", "kpi"))}, used,
                                 uid("template", cid)))
    if exposures:
        session.execute(insert(ExperimentExposure), exposures)

    for name, steps, hours in FUNNELS:
        session.add(Funnel(workspace_id=workspace.id, name=name, steps=steps, window_hours=hours,
                           created_at=started))

    # Click maps: clicks in recent sessions on /app.
    clicks.set_enabled(workspace, True)
    sessions = session.execute(
        select(Event.session_id, Event.contact_id, Event.occurred_at)
        .where(Event.environment_id == env.id, Event.name == "page_view",
               Event.occurred_at >= now - dt.timedelta(days=14))
        .order_by(Event.id).limit(600)).all()
    weights = [t[1] for t in CLICK_TARGETS]
    for i, (sid, cid, at) in enumerate(sessions):
        t = at
        for j in range(rng.randint(1, 3)):
            selector, _, (x, y), dead, rage = rng.choices(CLICK_TARGETS, weights=weights)[0]
            repeats = rng.randint(3, 5) if rage and rng.random() < 0.35 else 1
            for k in range(repeats):
                t += dt.timedelta(milliseconds=rng.randint(250, 600) if k else rng.randint(2000, 40000))
                events.append(_event(env.id, cid, sid, clicks.CLICK, {
                    "path": "/app", "selector": selector,
                    "x": round(min(max(rng.gauss(x, 0.15), 0), 1), 3),
                    "y": round(min(max(rng.gauss(y, 0.15), 0), 1), 3),
                    "px": round(rng.uniform(0.05, 0.95), 3), "py": rng.randint(80, 900),
                    "dead": 1 if dead else 0}, t, uid("click", i, j, k)))
    for i in range(0, len(events), 5000):
        session.execute(insert(Event), events[i:i + 5000])


def _event(env_id: int, contact_id: int, session_id: str | None, name: str,
           properties: dict[str, Any], at: dt.datetime, client_id: str) -> dict[str, Any]:
    return {"environment_id": env_id, "contact_id": contact_id, "client_id": client_id,
            "session_id": session_id, "name": name, "properties": properties,
            "occurred_at": at, "received_at": at + dt.timedelta(seconds=1)}
