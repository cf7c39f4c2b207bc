"""Demo content: one saved segment run over the demo's contacts, with draft personas.

The demo's behaviour is simulated from hidden personas (surveyapp/demo/behaviour.py);
the usage-embedding method recovers them best, so that is the method saved here. A
small k range (5-6) keeps seeding fast. Runs inside the demo's transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Membership, Role, Workspace
from surveyapp.segments import service

DEMO_METHOD = "embedding"


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
