"""The application factory: settings, extensions, then every area's ``init_app``.

``surveyapp.create_app`` is this module's, exported lazily by the package so that
importing one module (``surveyapp.models``, say) does not load every area.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from surveyapp import (
    analysis,
    api,
    auth,
    builder,
    collect,
    errors,
    experiments,
    extensions,
    health,
    insights,
    integrations,
    jobs,
    links,
    openapi,
    personalization,
    privacy,
    ratelimit,
    reports,
    research,
    segments,
    templating,
    widget,
    workspaces,
)
from surveyapp.config import Settings
from surveyapp.platform.wiring import init_registry

#: Every part of the app, in the order ``create_app`` initialises them. Each is a module
#: or package with ``init_app(app)``; a test fails if an area is missing from this list.
#: The platform comes first (error pages, rate limits, templates, the job runner), then
#: the pages and APIs; erasers run, and demo data is seeded, in this order.
AREAS = (
    errors,
    ratelimit,
    templating,
    jobs,
    health,
    widget,
    openapi,
    links,
    privacy,  # also: the CSP on every page, its self-service and widget endpoints
    auth,
    workspaces,
    reports,
    analysis,
    builder,
    api,
    collect,
    segments,
    experiments,
    insights,
    research,
    integrations,
    personalization,
)


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build an app. ``config``: a Settings, a dict of setting overrides, or None (env only).

    Settings, then the extensions, then every area's ``init_app`` in the order of
    ``AREAS`` (see docs/architecture.md): nothing else registers anything.
    """
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

    extensions.init_app(app, migrations=_migrations_dir())
    app.teardown_appcontext(_close_session)  # runs before Flask-SQLAlchemy's own teardown
    init_registry(app)
    for area in AREAS:
        area.init_app(app)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app


def _close_session(exc: BaseException | None) -> None:
    """End the request's session; if the database connection died under it (a restart),
    the rollback fails: log it and let the pool discard the connection, rather than turn
    an already-sent answer into a 500."""
    try:
        extensions.db.session.remove()
    except SQLAlchemyError as error:
        logging.getLogger(__name__).warning("closing a session on a dead connection: %s",
                                            error.__class__.__name__)


class _DatabaseInt(IntegerConverter):
    """``<int:...>`` in URLs only matches ids our 32-bit id columns can hold, so a huge
    number in a URL is a 404, not a database overflow error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
