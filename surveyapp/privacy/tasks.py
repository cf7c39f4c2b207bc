"""The privacy area's scheduled work: retention."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import Workspace
from surveyapp.privacy.service import purge

PURGE_EXPIRED = "surveyapp.purge_expired"
PURGE_EVERY = 24 * 3600.0  # seconds: daily


def purge_expired() -> dict[str, dict[str, int]]:
    """Retention: delete what each workspace keeps no longer (scheduled daily by beat)."""
    out = {}
    for ws in db.session.scalars(select(Workspace)):
        out[ws.slug] = purge(db.session, ws)
        db.session.commit()
    return out
