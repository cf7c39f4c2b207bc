"""The ``surveyapp`` command: the Flask CLI plus our own commands.

``surveyapp db upgrade`` (Alembic via Flask-Migrate), ``surveyapp demo``,
``surveyapp worker``, ``surveyapp serve``, ``surveyapp create-owner``, and Flask's
``run``/``shell``/``routes``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from surveyapp import create_app
from surveyapp.analysis.model import model_status, start_background_build
from surveyapp.backups import backup, restore
from surveyapp.config import ConfigError
from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, client_key, seed
from surveyapp.demo.host import start_host
from surveyapp.extensions import db
from surveyapp.health import _database, _queue
from surveyapp.workspaces import services
from surveyapp.workspaces.errors import WorkspaceError


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(2)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="Self-hostable feedback surveys with behavioural analytics and offline NLP.\n\n"
    "Configuration comes from SURVEYAPP_* environment variables (see README).",
)
@click.version_option(package_name="surveyapp")
def main() -> None:
    pass


@main.command("worker")
@click.option("--concurrency", "-c", default=1, show_default=True, help="Parallel jobs.")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--beat", is_flag=True,
              help="Also run the scheduler (retention purge, webhook dispatch, report rollups, "
                   "search catch-up: what the areas schedule). Run it in one worker only.")
@with_appcontext
def worker(concurrency: int, loglevel: str, beat: bool) -> None:
    """Start a Celery worker that runs background jobs (exports, analyses)."""
    from surveyapp.platform.worklog import quiet_periodic

    celery = current_app.extensions["celery"]
    quiet_periodic(celery)  # scheduled runs that find nothing to do log at DEBUG
    pool = "solo" if concurrency == 1 else "prefork"
    celery.worker_main(["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}",
                        f"--pool={pool}", "--without-gossip", "--without-mingle",
                        *(["--beat"] if beat else [])])


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", "-w", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (the production server)."""
    run_gunicorn(host, port, workers)


def run_gunicorn(host: str, port: int, workers: int,
                 ready: Callable[[], None] | None = None) -> None:
    """Serve with gunicorn; ``ready`` runs once the server listens."""
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            if ready is not None:
                self.cfg.set("when_ready", lambda server: ready())

        def load(self) -> Any:
            return create_app()

    App().run()


@main.command("create-owner")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--workspace", "workspace_name", required=True)
@click.password_option()
@with_appcontext
def create_owner(email: str, name: str, workspace_name: str, password: str) -> None:
    """Create a user who owns a new workspace (for scripted installs)."""
    try:
        user = services.create_user(db.session, email, name, password)
    except WorkspaceError as exc:
        raise click.ClickException(exc.message) from None
    ws = services.create_workspace(db.session, workspace_name, user)
    db.session.commit()
    click.echo(f"Created {user.email}, owner of workspace '{ws.name}' (/w/{ws.slug}/).")


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--host-port", default=None, type=int,
              help="Port of the demo customer page embedding the widget [default: port + 1].")
@click.option("--seed-only", is_flag=True, help="Create the demo data, then exit.")
@click.option("--responses", default=3000, show_default=True, type=int,
              help="Number of survey responses to generate.")
@with_appcontext
def demo(host: str, port: int, host_port: int | None, seed_only: bool, responses: int) -> None:
    """Create the demo workspace (idempotent), then run the web server and a worker."""
    from flask_migrate import upgrade


    click.echo("Applying database migrations…")
    upgrade()
    report = seed(responses=responses, echo=lambda msg: click.echo(f"  {msg}"))
    click.echo(report)
    click.secho(f"\n  Demo login:  {DEMO_EMAIL}  /  {DEMO_PASSWORD}", fg="green", bold=True)
    if seed_only:
        return

    model = start_background_build()  # the demo is usable now; sentiment arrives later
    click.echo(f"  {model.message}" + (" Progress shows on each survey's page and in "
                                       f"{current_app.config['SETTINGS'].sentiment_model_dir / 'build.log'}."
                                       if model.state == "building" else ""))
    host_port = host_port or port + 1
    key = client_key()
    assert key is not None
    start_host(host, host_port, f"http://{host}:{port}", key)
    click.secho(f"  Open:        http://{host}:{port}/", fg="green", bold=True)
    click.secho(f"  Widget demo: http://{host}:{host_port}/onboarding/done  (a customer page on "
                "another origin, embedding the survey widget)\n", fg="green", bold=True)
    env = dict(os.environ)
    settings = current_app.config["SETTINGS"]
    env.setdefault("SURVEYAPP_DATA_DIR", str(settings.data_dir))
    worker_proc = subprocess.Popen([sys.executable, "-m", "surveyapp", "worker", "--beat"], env=env)
    try:
        run_gunicorn(host, port, 2, ready=lambda: click.echo(
            demo_banner(f"http://{host}:{port}/", f"http://{host}:{host_port}/onboarding/done")))
    finally:
        worker_proc.terminate()
        try:
            worker_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker_proc.kill()


def demo_banner(url: str, widget_url: str) -> str:
    """What the demo prints again once the server is ready, so the worker's start-up lines
    do not bury it."""
    return click.style(f"\n  surveyapp is ready at {url}\n"
                       f"  Demo login:  {DEMO_EMAIL}  /  {DEMO_PASSWORD}\n"
                       f"  Widget demo: {widget_url}\n", fg="green", bold=True)


# ----------------------------------------------------------------------------- operations
@main.command("check")
@with_appcontext
def check_command() -> None:
    """Check a configuration before starting: settings, database and schema, job queue,
    rate-limit storage, data directory, sentiment model. Exits 1 if anything must be fixed."""
    settings = current_app.config["SETTINGS"]
    problems = 0

    def line(ok: bool | None, what: str, detail: str = "") -> None:
        nonlocal problems
        mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
        problems += ok is False
        click.echo(f"  [{mark}] {what}" + (f": {detail}" if detail else ""))

    click.echo(f"surveyapp configuration ({settings.env}):")
    database = _database()
    line(database["ok"], f"database ({database['backend']})",
         database.get("schema") or database.get("error", ""))
    if database.get("hint"):
        click.echo(f"         {database['hint']}")
    queue = _queue()
    line(queue["ok"], f"job queue ({queue['broker']})", queue.get("error", ""))
    storage = settings.limiter_storage_url
    per_process = storage.startswith(("memory", "lazy-memory"))
    line(None if per_process and settings.env == "production" else True, "rate-limit storage",
         "in each process (set SURVEYAPP_REDIS_URL to share limits between workers)"
         if per_process else storage.split("@")[-1])
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".write-check"
        probe.write_text("ok")
        probe.unlink()
        line(True, "data directory", str(settings.data_dir))
    except OSError as exc:
        line(False, "data directory", f"{settings.data_dir} is not writable ({exc})")
    model = model_status()
    line(True if model.state == "ready" else None, "sentiment model", model.message)
    if settings.env == "production" and settings.is_sqlite:
        line(None, "database", "SQLite in production: fine for one node; use PostgreSQL to scale")
    if problems:
        raise SystemExit(1)


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path: str) -> None:
    """Write a consistent copy of the database to PATH (SQLite file or pg_dump archive)."""
    click.echo(backup(Path(path)))


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with a backup made by `surveyapp backup`."""
    if not yes:
        click.confirm("Replace ALL data in the configured database with this backup?", abort=True)
    click.echo(restore(Path(path)))

