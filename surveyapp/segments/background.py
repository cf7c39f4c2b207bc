"""Background jobs of this area: compute a segment run, save it, import a file.

SQLite allows one writer: progress is written on a side connection, so while a job's own
transaction holds written rows, progress reports are skipped on SQLite (PostgreSQL shows
them all). Failures the analyst can act on are recorded on the run / import row in a
fresh transaction before the job is marked failed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from surveyapp.extensions import db
from surveyapp.jobs import JobFailed, Progress
from surveyapp.models import Job, User, utcnow
from surveyapp.models.segments import DataImport, SegmentRun
from surveyapp.segments.imports import ImportFailed, import_file
from surveyapp.segments.predict import PredictError, run
from surveyapp.segments.service import SegmentError, compute, save

logger = logging.getLogger(__name__)


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _load_run(job: Job) -> SegmentRun:
    run = db.session.get(SegmentRun, job.params.get("run_id"))
    if run is None or run.workspace_id != job.workspace_id:
        raise JobFailed("The segment run no longer exists.")
    return run


def _fail_run(run_id: int, message: str) -> None:
    db.session.rollback()
    run = db.session.get(SegmentRun, run_id)
    if run is not None:
        run.status = "failed"
        run.message = message
        db.session.commit()


def compute_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = _load_run(job)
    if run.status != "computing":
        return {"message": run.message or "Already computed"}
    try:
        compute(db.session, run, progress)
    except SegmentError as exc:
        _fail_run(run.id, str(exc))
        raise JobFailed(str(exc)) from None
    except Exception:
        _fail_run(run.id, "The computation failed; see the job log.")
        raise
    return {"message": run.message, "run_id": run.id}


def save_job(job: Job, progress: Progress) -> dict[str, Any]:
    run = _load_run(job)
    if run.status == "saved":
        return {"message": run.message}
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    quiet = _sqlite()

    def report(fraction: float, message: str = "") -> None:
        if not quiet or fraction < 0.1:
            progress(fraction, message)

    try:
        segments = save(db.session, run, job.params["method"], user, report)
    except SegmentError as exc:
        db.session.rollback()
        raise JobFailed(str(exc)) from None
    return {"message": run.message, "run_id": run.id, "segments": len(segments)}


def import_job(job: Job, progress: Progress) -> dict[str, Any]:
    record = db.session.get(DataImport, job.params.get("import_id"))
    if record is None or record.workspace_id != job.workspace_id:
        raise JobFailed("The import no longer exists.")
    if record.status in ("succeeded", "failed"):
        return {"message": f"Import already {record.status}"}
    path = Path(job.params["path"])
    if not path.exists():
        raise JobFailed("The uploaded file is gone; upload it again.")
    record.status = "running"
    db.session.commit()
    quiet = _sqlite()
    import_id = record.id

    def report(fraction: float, message: str = "") -> None:
        if not quiet or fraction <= 0.5:  # the second half writes
            progress(fraction, message)

    try:
        result = import_file(db.session, record.environment_id, record.kind, path,
                             record.file_format, report)
    except ImportFailed as exc:
        db.session.rollback()
        record = db.session.get(DataImport, import_id)
        assert record is not None
        record.status = "failed"
        record.errors = {"message": str(exc), "rows": exc.errors}
        record.finished_at = utcnow()
        db.session.commit()
        path.unlink(missing_ok=True)
        raise JobFailed(str(exc)) from None
    record.status = "succeeded"
    for key in ("rows", "inserted", "updated", "duplicates", "skipped"):
        setattr(record, key, getattr(result, key))
    record.finished_at = utcnow()
    db.session.commit()
    path.unlink(missing_ok=True)
    if record.kind == "events" and result.updated:
        _refresh_event_copy()
    return {"message": result.summary(record.kind), "import_id": record.id, **result.details()}


def _refresh_event_copy() -> None:
    """A re-import that filled in fields (session ids) of stored events changed rows the
    columnar copy's append cannot see: check and repair the copy now rather than at its
    next periodic check (a copy not built yet is left to the worker's sync)."""
    from surveyapp.events import store

    copy = store.store_of_app()
    if (copy.root / store.MANIFEST).exists():
        result = store.verify(db.session, copy)
        logger.info("event copy checked after a re-import: %s buckets repaired", result.repaired)


def predict_job(job: Job, progress: Progress) -> dict[str, Any]:
    progress(0.05, "Computing early behaviour in the database")
    try:
        return run(db.session, job.params, utcnow(), progress)
    except PredictError as exc:
        raise JobFailed(str(exc)) from None
