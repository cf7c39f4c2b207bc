"""``/healthz``: is the database reachable and migrated, and is the job queue reachable?"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from surveyapp import __version__
from surveyapp.extensions import db
from surveyapp.models import Job, JobStatus
from surveyapp.platform.wiring import Wiring

bp = Blueprint("health", __name__)


def _database() -> dict[str, Any]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    settings = current_app.config["SETTINGS"]
    out: dict[str, Any] = {"backend": "sqlite" if settings.is_sqlite else "postgresql"}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
        script = ScriptDirectory(current_app.extensions["migrate"].directory)
        head = script.get_current_head()
        out["ok"] = True
        out["schema"] = "up to date" if current == head else f"at {current}, expected {head}"
        if current != head:
            out["ok"] = False
            out["hint"] = "run: surveyapp db upgrade"
        out["jobs"] = dict(
            db.session.execute(
                select(Job.status, func.count()).where(
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
                ).group_by(Job.status)
            ).all()
        )
    except SQLAlchemyError as exc:
        out.update(ok=False, error=exc.__class__.__name__)
    return out


def _queue() -> dict[str, Any]:
    celery = current_app.extensions["celery"]
    url = celery.conf.broker_url or ""
    scheme = url.split("://", 1)[0]
    out: dict[str, Any] = {"broker": "embedded (SQLite)" if scheme.startswith("sqla") else scheme}
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        out["ok"] = True
    except Exception as exc:  # noqa: BLE001 - any broker failure means "degraded"
        out.update(ok=False, error=exc.__class__.__name__)
    return out


def _ratelimit() -> dict[str, Any]:
    limiter = current_app.extensions["ratelimit"]
    url = current_app.config["SETTINGS"].limiter_storage_url
    return {"storage": url.split("://", 1)[0], "ok": limiter.healthy()}


@bp.get("/healthz")
def healthz() -> Any:
    """``ok``; ``degraded`` (200: answers are still taken, but jobs wait or rate limits are
    off); ``unavailable`` (503: the database is unusable, take this node out of rotation)."""
    database, queue, ratelimit = _database(), _queue(), _ratelimit()
    if not database["ok"]:
        status = "unavailable"
    elif queue["ok"] and ratelimit["ok"]:
        status = "ok"
    else:
        status = "degraded"
    body = {"status": status, "version": __version__,
            "database": database, "queue": queue, "ratelimit": ratelimit}
    return jsonify(body), 503 if status == "unavailable" else 200


def init_app(app: Flask) -> None:
    Wiring(app, "health").blueprint(bp)
