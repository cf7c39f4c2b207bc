"""Access-test hooks (tests/test_access.py): one experiment and one funnel per workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.experiments import Experiment, ExperimentExposure, Funnel

ID_ARGS = {"experiment_id", "funnel_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    ws = team.workspace
    experiment = Experiment(
        workspace_id=ws.id, key="checkout-copy", name="Checkout copy",
        hypothesis="Clearer copy increases completed checkouts.",
        variants=[{"key": "control", "name": "Control", "weight": 50},
                  {"key": "clear", "name": "Clear", "weight": 50}],
        metrics=[{"kind": "conversion", "event": "checkout_completed", "window_hours": 24}],
        plan={})
    funnel = Funnel(workspace_id=ws.id, name="Checkout", steps=["cart_viewed", "checkout_completed"],
                    window_hours=24)
    db.session.add_all([experiment, funnel])
    db.session.flush()
    return {"experiment_id": experiment.id, "funnel_id": funnel.id}


def snapshot(db) -> dict[str, Any]:
    return {
        "experiments": sorted((e.id, e.status.value, str(e.metrics), str(e.plan), e.name)
                              for e in db.session.scalars(select(Experiment))),
        "exposures": sorted(x.id for x in db.session.scalars(select(ExperimentExposure))),
        "funnels": sorted((f.id, f.name, str(f.steps)) for f in db.session.scalars(select(Funnel))),
    }
