"""Extensions, created once here and bound to an app in ``create_app`` via ``init_app``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, cast

from celery import Celery, Task
from flask import Flask, has_app_context
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from surveyapp.models.base import Base

if TYPE_CHECKING:  # pragma: no cover - types only
    from sqlalchemy.orm import Session

    class _SessionProxy(Session):
        """``db.session`` is a scoped_session: it proxies the request's (or task's) one
        Session, so services typed ``session: Session`` take it as it is."""

        def remove(self) -> None: ...

    class _TypedSQLAlchemy(SQLAlchemy):
        session: _SessionProxy  # type: ignore[assignment]


db = cast("_TypedSQLAlchemy", SQLAlchemy(model_class=Base))
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


class AppContextTask(Task):
    """Runs every task inside the Flask app its Celery app was made for."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        if has_app_context():
            return self.run(*args, **kwargs)
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


def init_app(app: Flask, migrations: Path) -> None:
    """Bind the extensions to ``app``: the database (with SQLite tuned on connect), Alembic
    migrations from ``migrations``, CSRF, sessions for people, and Celery."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    init_celery(app)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """SQLite tuned for a web server and a worker writing at once.

    WAL lets readers proceed while one writer commits; the busy timeout makes a second
    writer wait instead of failing with "database is locked"; foreign keys are off by
    default in SQLite and we rely on them for cascades. ``secure_delete`` overwrites
    deleted content with zeros, so an erased person's rows do not linger in free pages.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def init_celery(app: Flask) -> Celery:
    """One Celery app per Flask app (as in Flask's docs), configured from its settings.

    Tasks are registered on this Celery app by the areas' ``init_app`` (Wiring.task).
    """
    settings = app.config["SETTINGS"]
    celery = Celery(app.import_name, task_cls=AppContextTask)
    broker = settings.celery_broker_url
    if broker.startswith("sqla+sqlite"):
        # The embedded broker: a SQLite file polled by the worker, no server needed.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery.conf.update(
        broker_url=broker,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,  # a request that enqueues must not hang on a dead broker
        redis_socket_connect_timeout=2,
        task_ignore_result=True,  # jobs record status and results in our own database
        result_backend=None,
        task_acks_late=True,  # a job whose worker dies is redelivered, and jobs are idempotent
        task_reject_on_worker_lost=True,
        # Redis only: the embedded SQLAlchemy transport passes these to create_engine.
        broker_transport_options=({"visibility_timeout": settings.job_visibility_timeout}
                                  if broker.startswith(("redis", "rediss")) else {}),
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        worker_hijack_root_logger=False,
        # Run by `surveyapp worker --beat` (or a separate `celery beat`); the areas add
        # their entries with Wiring.beat.
        beat_schedule={},
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
    )
    celery.flask_app = app
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
