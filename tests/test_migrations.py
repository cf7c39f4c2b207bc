"""Alembic migrations: the only way the schema changes, on both databases."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from surveyapp import create_app
from surveyapp.extensions import db
from tests import services


@pytest.fixture
def empty_app(backend, tmp_path, request):
    """An app on a brand-new, empty database (not the shared test schema)."""
    config = {"env": "testing", "secret_key": "s" * 40, "data_dir": tmp_path}
    name = None
    if backend == "postgres":
        admin = request.getfixturevalue("postgres_admin_url")
        name = f"surveyapp_migrations_{os.getpid()}"
        config["database_url"] = services.create_database(admin, name)
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if name:
        services.drop_database(admin, name)


#: The research search's SQLite FTS5 tables live outside the ORM (migration 0013).
FTS_PREFIX = "research_search_fts"


def table_names() -> set[str]:
    return {t for t in inspect(db.engine).get_table_names()
            if not t.startswith(FTS_PREFIX)} - {"alembic_version"}


def test_upgrade_from_empty_builds_exactly_the_models_schema(empty_app):
    assert table_names() == set()
    upgrade()
    assert table_names() == {t.name for t in db.metadata.sorted_tables}
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, type_, parent: not (name or "").startswith(FTS_PREFIX)}),
                                db.metadata)
    assert diff == [], f"models and migrations disagree; run surveyapp db migrate: {diff}"


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def columns(table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_downgrade_one_step_and_upgrade_again(empty_app):
    upgrade()
    head, tables = current_revision(), table_names()
    downgrade(revision="0004")
    assert current_revision() == "0004" and "audit_event" not in table_names()
    upgrade()
    assert current_revision() == head and table_names() == tables
    downgrade(revision="base")
    assert table_names() == set()


def test_upgrading_keeps_existing_rows_and_fills_new_columns(empty_app):
    upgrade(revision="0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO workspace (slug, name, recontact_days, settings, created_at)"
                          " VALUES ('old', 'Old', 7, '{}', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO environment (workspace_id, name, client_key, created_at)"
                          " VALUES (1, 'production', 'pk_old', CURRENT_TIMESTAMP)"))
        for name in ("a", "b"):
            conn.execute(text("INSERT INTO survey (workspace_id, environment_id, name, kind, status,"
                              " draft, created_at, updated_at) VALUES (1, 1, :n, 'app', 'draft',"
                              " '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"n": name})
    upgrade()
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT w.consent_mode, e.allowed_origins FROM workspace w "
                                "JOIN environment e ON e.workspace_id = w.id")).one()
    assert row[0] == "not_required"
    assert row[1] in ([], "[]")
    with db.engine.connect() as conn:
        slugs = [r[0] for r in conn.execute(text("SELECT public_slug FROM survey"))]
    assert len(set(slugs)) == 2 and all(len(s) >= 12 for s in slugs)


def test_usability_results_from_before_tasks_get_their_tasks(empty_app):
    upgrade(revision="0013")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO workspace (slug, name, recontact_days, settings, created_at)"
                          " VALUES ('old', 'Old', 7, '{}', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO study (workspace_id, title, kind, research_question, analysis,"
                          " created_at, updated_at) VALUES (1, 'Test', 'usability', '', '{}',"
                          " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        for label in ("P1", "P2"):
            conn.execute(text("INSERT INTO study_participant (workspace_id, study_id, label, consent_note,"
                              " created_at) VALUES (1, 1, :l, '', CURRENT_TIMESTAMP)"), {"l": label})
        for participant, task in ((1, "Sign up"), (1, "Export"), (2, "Sign up"), (2, "Export")):
            conn.execute(text("INSERT INTO usability_result (study_id, participant_id, task, success)"
                              " VALUES (1, :p, :t, true)"), {"p": participant, "t": task})
    upgrade()
    with db.engine.connect() as conn:
        tasks = [r[0] for r in conn.execute(text("SELECT name FROM research_task ORDER BY position"))]
    assert tasks == ["Sign up", "Export"]
