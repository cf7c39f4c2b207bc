"""Demo content: one saved segment run over the demo's contacts, with draft personas, and
one finished behavioural-trigger model (churn).

The demo's behaviour is simulated from hidden personas (surveyapp/demo/behaviour.py);
the usage-embedding method recovers them best, so that is the method saved here. A
small k range (5-6) keeps seeding fast. Churn-risk users fade away and struggling
newcomers give up, so a churn model over the first week finds real triggers (errors
shown raise the risk, creating and sharing reports lower it). Runs inside the demo's
transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Job, JobStatus, Membership, Role, User, Workspace, utcnow
from surveyapp.models.workspace import Environment
from surveyapp.segments import service
from surveyapp.segments.predict import run as run_prediction

DEMO_METHOD = "embedding"
# Churn = no event in the last 14 days; early behaviour = the first 7 days ("week 1").
DEMO_PREDICTION = {"outcome": "churn", "event": None, "early_days": 7, "horizon_days": 14}


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    env = workspace.environment("production")
    if env is None:
        return
    echo("Segmenting the demo's contacts by behaviour…")
    analyst = session.scalar(select(Membership).where(
        Membership.workspace_id == workspace.id, Membership.role == Role.ANALYST))
    user = analyst.user if analyst else None
    run = service.new_run(session, workspace.id, env.id, 90, False, user)
    features = service.compute(session, run, ks=range(5, 7))
    segments = service.save(session, run, DEMO_METHOD, user, features=features)
    echo(f"Saved {len(segments)} behavioural segments with draft personas.")
    _seed_prediction(session, workspace, env, user, echo)


def _seed_prediction(session: Session, workspace: Workspace, env: Environment,
                     user: User | None, echo: Callable[[str], None]) -> None:
    """A finished churn model, stored as the prediction job the triggers page shows."""
    started = utcnow()
    params: dict[str, Any] = {"environment_id": env.id, **DEMO_PREDICTION}
    result = run_prediction(session, params, started)
    session.add(Job(kind="segments_predict", workspace=workspace, params=params,
                    status=JobStatus.SUCCEEDED, progress=1.0, message=result["message"],
                    result=result, attempts=1, created_by=user, started_at=started,
                    finished_at=utcnow()))
    echo(f"Fitted a churn model on early behaviour: {result['message']}.")
