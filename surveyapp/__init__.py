"""surveyapp: self-hostable feedback surveys with behavioural analytics and offline NLP."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from surveyapp.config import Settings

__version__ = "0.1.0"


#: Feature packages with their own blueprint and ``cli.register`` hook.
AREAS = ("segments", "experiments", "insights", "research")


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build an app. ``config``: a Settings, a dict of setting overrides, or None (env only)."""
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env(**dict(config or {}))

    app = Flask(__name__)
    app.url_map.converters["int"] = _DatabaseInt
    app.config.from_mapping(settings.flask_config())
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    from surveyapp import errors, ratelimit
    from surveyapp.extensions import csrf, db, init_celery, login_manager, migrate

    db.init_app(app)
    app.teardown_appcontext(_close_session)  # runs before Flask-SQLAlchemy's own teardown
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    ratelimit.init_app(app)
    login_manager.init_app(app)
    init_celery(app)
    errors.init_app(app)

    from surveyapp import (
        api,
        auth,
        builder,
        collect,
        health,
        links,
        openapi,
        privacy,
        reports,
        templating,
        widget,
        workspaces,
    )

    templating.init_app(app)
    auth.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(links.bp)
    privacy.init_app(app)  # owners' pages, self-service page and link endpoint, CSP
    app.register_blueprint(auth.bp)
    app.register_blueprint(workspaces.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(builder.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the server API authenticates with keys, never with cookies
    app.register_blueprint(collect.bp)
    csrf.exempt(collect.bp)  # public, cookie-less collection endpoints
    import importlib

    for area in AREAS:  # each area package owns its blueprint (see AREAS)
        package = importlib.import_module(f"surveyapp.{area}")
        app.register_blueprint(package.bp)
        if hasattr(package, "client_bp"):  # public widget endpoints (collect.client_blueprint)
            app.register_blueprint(package.client_bp)
            csrf.exempt(package.client_bp)

    from surveyapp import tasks  # noqa: F401  (registers Celery tasks)

    return app


def _close_session(exc: BaseException | None) -> None:
    """End the request's session; if the database connection died under it (a restart),
    the rollback fails: log it and let the pool discard the connection, rather than turn
    an already-sent answer into a 500."""
    from sqlalchemy.exc import SQLAlchemyError

    from surveyapp.extensions import db

    try:
        db.session.remove()
    except SQLAlchemyError as error:
        logging.getLogger(__name__).warning("closing a session on a dead connection: %s",
                                            error.__class__.__name__)


class _DatabaseInt(IntegerConverter):
    """``<int:...>`` in URLs only matches ids our 32-bit id columns can hold, so a huge
    number in a URL is a 404, not a database overflow error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
