"""Background jobs: create, enqueue, run with progress, and make retries harmless.

A job row is created in the request's transaction; its id goes on the queue after the
commit. ``run`` is what the Celery task calls: it skips jobs that already finished (a
redelivered message does nothing), records progress as it goes, and stores the outcome.
Handlers must be idempotent: a job whose worker died is run again from the start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from surveyapp.extensions import db
from surveyapp.models import Job, JobStatus, User, Workspace, utcnow
from surveyapp.platform.wiring import Wiring, registry, send_task

log = logging.getLogger(__name__)


class Progress(Protocol):
    def __call__(self, fraction: float, message: str = "") -> None: ...


Handler = Callable[[Job, Progress], dict[str, Any]]

#: The Celery task that runs a job by id (registered by ``init_app``).
RUN_JOB = "surveyapp.run_job"


class JobFailed(Exception):
    """A handler's way to fail a job with a message meant for the person who started it."""


def init_app(app: Flask) -> None:
    """The one task every job goes through; areas add handlers with ``Wiring.job``."""
    wire = Wiring(app, "jobs")
    wire.task(run_job, RUN_JOB, autoretry_for=(OperationalError,), retry_backoff=2,
              retry_backoff_max=60, max_retries=8)


def run_job(job_id: int) -> str | None:
    status = run(job_id)
    return status.value if status else None


def handlers() -> dict[str, Handler]:
    """The current app's job handlers, by kind."""
    return registry().job_handlers


def create_job(
    session: Session, kind: str, workspace: Workspace | None, params: dict[str, Any],
    by: User | None = None,
) -> Job:
    if kind not in handlers():
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, workspace=workspace, params=params, created_by=by,
              message="Waiting for a worker…")
    session.add(job)
    return job


def enqueue(job_id: int) -> bool:
    """Put a committed job on the queue. False if the broker is unreachable (job stays queued)."""
    try:
        send_task(RUN_JOB, job_id)
    except Exception:  # noqa: BLE001 - any broker failure leaves the job visible as queued
        log.exception("could not enqueue job %s; it stays queued", job_id)
        return False
    return True


def run(job_id: int) -> JobStatus | None:
    """Run one job to completion; safe to call again for the same id."""
    session = db.session
    job = session.get(Job, job_id)
    if job is None:
        log.warning("job %s does not exist (deleted?)", job_id)
        return None
    if job.status.is_final:
        log.info("job %s already %s; nothing to do", job_id, job.status)
        return job.status
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = utcnow()
    job.message = "Started"
    session.commit()

    last = [0.0]

    def progress(fraction: float, message: str = "") -> None:
        # Written on its own short connection, so it never commits (or breaks the streaming
        # cursor of) the handler's own transaction. Handlers that write commit their batches
        # before reporting progress. Throttled to keep the database calm.
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1:
            return
        last[0] = now
        values: dict[str, Any] = {"progress": max(0.0, min(1.0, fraction)), "updated_at": utcnow()}
        if message:
            values["message"] = message
        with Session(db.engine) as side:
            side.execute(update(Job).where(Job.id == job_id).values(**values))
            side.commit()

    try:
        result = handlers()[job.kind](job, progress)
    except OperationalError:
        # The database went away mid-job: put it back so the retry starts cleanly.
        session.rollback()
        job = session.get(Job, job_id)
        if job is not None:
            job.status = JobStatus.QUEUED
            job.message = "Interrupted by a database error; will retry"
            session.commit()
        raise
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, not re-raised
        session.rollback()
        job = session.get(Job, job_id)
        assert job is not None
        job.status = JobStatus.FAILED
        job.message = str(exc) if isinstance(exc, JobFailed) else f"Failed: {exc.__class__.__name__}: {exc}"
        job.finished_at = utcnow()
        session.commit()
        if not isinstance(exc, JobFailed):
            log.exception("job %s (%s) failed", job_id, job.kind)
        return job.status
    job.status = JobStatus.SUCCEEDED
    job.progress = 1.0
    job.result = result
    job.message = result.get("message", "Done")
    job.finished_at = utcnow()
    session.commit()
    return job.status
