"""Celery tasks. Each takes ids, loads what it needs, and calls a service."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from surveyapp import jobs
from surveyapp.analysis import job as _analysis_job  # noqa: F401  (registers job handlers)
from surveyapp.reports import exports  # noqa: F401


@shared_task(
    name="surveyapp.run_job",
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def run_job(job_id: int) -> str | None:
    status = jobs.run(job_id)
    return status.value if status else None


@shared_task(name="surveyapp.purge_expired")
def purge_expired() -> dict[str, dict[str, int]]:
    """Retention: delete what each workspace keeps no longer (scheduled daily by beat)."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import Workspace
    from surveyapp.privacy.service import purge

    out = {}
    for ws in db.session.scalars(select(Workspace)):
        out[ws.slug] = purge(db.session, ws)
        db.session.commit()
    return out
