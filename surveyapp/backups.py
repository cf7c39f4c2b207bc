"""``surveyapp backup`` / ``restore``: SQLite via its online backup API (consistent while
the app runs), PostgreSQL via ``pg_dump``/``pg_restore`` (custom format)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url

from surveyapp.extensions import db


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
            "-d", u.database or ""]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                   reverse=True)), None)
    if not found:
        raise click.ClickException(f"{name} was not found: install the PostgreSQL client tools.")
    return str(found)


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """SQLite's online backup: a consistent copy even while the app writes."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


def backup(path: Path) -> str:
    settings = current_app.config["SETTINGS"]
    if settings.is_sqlite:
        _sqlite_copy(settings.data_dir / "surveyapp.sqlite", path)
        return f"Backed up the SQLite database to {path} ({path.stat().st_size:,} bytes)."
    args, env = _pg_args(settings.database_url)
    done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(path), *args],
                          env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return f"Backed up the PostgreSQL database to {path} ({path.stat().st_size:,} bytes)."


def restore(path: Path) -> str:
    settings = current_app.config["SETTINGS"]
    db.session.remove()
    db.engine.dispose()
    if settings.is_sqlite:
        try:
            with sqlite3.connect(path) as check:
                healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                healthy = healthy and check.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
        except sqlite3.DatabaseError:
            healthy = False
        if not healthy:
            raise click.ClickException(f"{path} is not a surveyapp SQLite backup; nothing changed.")
        _sqlite_copy(path, settings.data_dir / "surveyapp.sqlite")
        return f"Restored the SQLite database from {path}."
    args, env = _pg_args(settings.database_url)
    done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                           "--single-transaction", *args, str(path)],
                          env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"pg_restore failed: {done.stderr.strip()[:500]}")
    return f"Restored the PostgreSQL database from {path}."
