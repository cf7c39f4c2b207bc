"""Shared fixtures: an app per test on SQLite and on PostgreSQL, a signed-in browser, data.

Every test that takes ``app`` (or anything built on it) runs twice: on SQLite, the
embedded default, and on PostgreSQL, the production database. Each test is isolated: a
fresh SQLite file, or a PostgreSQL database migrated once per run and truncated after
every test.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from surveyapp import create_app
from surveyapp.extensions import db as _db
from surveyapp.models import Role, User, Workspace
from surveyapp.workspaces import services
from tests import services as test_services

PASSWORD = "correct horse battery"
SECRET = "test-secret-key-" + "x" * 40


# ----------------------------------------------------------------------------- servers
@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with test_services.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for this test run, migrated to head with the real Alembic migrations."""
    name = f"surveyapp_test_{os.getpid()}"
    url = test_services.create_database(postgres_admin_url, name)
    app = create_app(_base_config(tmp_path_factory.mktemp("pgmigrate"), database_url=url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()
    yield url
    test_services.drop_database(postgres_admin_url, name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with test_services.redis_server() as url:
        yield url


# ----------------------------------------------------------------------------- app
def _base_config(data_dir: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "env": "testing",
        "secret_key": SECRET,
        "data_dir": data_dir,
        "login_rate_limit": "1000 per minute",
        "login_account_rate_limit": "1000 per minute",
        **overrides,
    }


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app_config(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for this test's app; tests may add to it before ``app`` is first used."""
    overrides: dict[str, Any] = {}
    if backend == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    return _base_config(tmp_path, **overrides)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production.

    The ``app`` fixture keeps an app context pushed so tests can use ``db.session``; Flask
    would reuse that context (and its ``g`` and database session) for every request made
    by the test client. Running the request in an empty ``contextvars.Context`` gives it
    its own app context, ``g`` and session, so tests see only what was committed.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config: dict[str, Any], backend: str) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "sqlite":
            # create_all + stamp is much faster than migrating every test's fresh file; the
            # migrations themselves are tested (and compared to the models) in test_migrations.
            from flask_migrate import stamp

            _db.create_all()
            stamp()
        yield app
        _db.session.remove()
        if backend == "postgres":
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # The next test reuses this database and its ids: per-process caches keyed by
            # database and workspace id (hash keys, survey configs) must not outlive it.
            from surveyapp.collect import cache
            from surveyapp.privacy import ids

            ids.clear_cache()
            cache.clear()
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# ----------------------------------------------------------------------------- people
@dataclass
class Team:
    """A workspace with one member per role, all with password ``PASSWORD``."""

    workspace: Workspace
    users: dict[Role, User]

    @property
    def owner(self) -> User:
        return self.users[Role.OWNER]


def make_team(name: str, prefix: str) -> Team:
    owner = services.create_user(_db.session, f"{prefix}-owner@example.com", f"{prefix} owner",
                                 PASSWORD)
    workspace = services.create_workspace(_db.session, name, owner)
    users = {Role.OWNER: owner}
    for role in (Role.RESEARCHER, Role.ANALYST, Role.VIEWER):
        user = services.create_user(_db.session, f"{prefix}-{role.value}@example.com",
                                    f"{prefix} {role.value}", PASSWORD)
        from surveyapp.models import Membership

        _db.session.add(Membership(workspace=workspace, user=user, role=role))
        users[role] = user
    _db.session.commit()
    return Team(workspace=workspace, users=users)


@pytest.fixture
def team(app: Flask) -> Team:
    return make_team("Acme", "acme")


@pytest.fixture
def other_team(app: Flask) -> Team:
    return make_team("Globex", "globex")


# ----------------------------------------------------------------------------- browsing
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
              token_from: str | None = None, **kwargs: Any) -> Any:
    """POST a form the way a browser would: with the CSRF token from a page."""
    token = csrf_token(client, token_from or "/")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def owner_client(client: FlaskClient, team: Team) -> FlaskClient:
    assert login(client, team.owner.email).status_code == 302
    return client

