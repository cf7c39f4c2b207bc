"""Small builders for experiment and journey tests: contacts, events, experiments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from surveyapp.models import Contact, Event
from surveyapp.models.experiments import Experiment, ExperimentStatus

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def contacts(db, env_id: int, count: int, attributes: Any = None) -> list[int]:
    rows = [{"environment_id": env_id, "external_id": f"user-{i}",
             "attributes": attributes(i) if attributes else {}} for i in range(count)]
    db.session.execute(insert(Contact), rows)
    ids = dict(db.session.execute(select(Contact.external_id, Contact.id).where(
        Contact.environment_id == env_id)).all())
    return [ids[f"user-{i}"] for i in range(count)]


def events(db, env_id: int, rows: list[tuple[int | None, str, float]], session_id: Any = None,
           properties: Any = None) -> None:
    """Events as (contact id, name, hours after T0)."""
    db.session.execute(insert(Event), [
        {"environment_id": env_id, "contact_id": cid, "name": name,
         "occurred_at": T0 + dt.timedelta(hours=h), "received_at": T0,
         "session_id": session_id(cid, i) if callable(session_id) else session_id,
         "properties": properties(cid, name, i) if properties else {}}
        for i, (cid, name, h) in enumerate(rows)])


def experiment(db, workspace, key: str = "new-checkout", status=ExperimentStatus.RUNNING,
               weights: tuple[float, float] = (50, 50), **kw: Any) -> Experiment:
    exp = Experiment(workspace_id=workspace.id, key=key, name="New checkout",
                     hypothesis="A shorter checkout converts more.",
                     variants=[{"key": "control", "name": "Control", "weight": weights[0]},
                               {"key": "short", "name": "Short", "weight": weights[1]}],
                     metrics=kw.pop("metrics", [{"kind": "conversion", "event": "purchase",
                                                 "window_hours": 24}]),
                     plan=kw.pop("plan", {}), status=status,
                     started_at=kw.pop("started_at", T0 - dt.timedelta(days=1)), **kw)
    db.session.add(exp)
    db.session.commit()
    return exp


def segment(db, workspace, key: str, contact_ids: list[int], status: str = "saved",
            name: str | None = None) -> None:
    """A segment ``key`` holding ``contact_ids`` in a new segment run with ``status``."""
    from surveyapp.models import utcnow
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

    run = SegmentRun(workspace_id=workspace.id, environment_id=workspace.environments[0].id,
                     window_end=utcnow(), status=status, saved_at=utcnow())
    db.session.add(run)
    db.session.flush()
    seg = Segment(workspace_id=workspace.id, run_id=run.id, key=key, name=name or key, label=0)
    db.session.add(seg)
    db.session.flush()
    db.session.execute(insert(SegmentMember), [{"segment_id": seg.id, "contact_id": cid}
                                               for cid in contact_ids])
    db.session.commit()
