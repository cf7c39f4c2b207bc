"""The ``surveyapp`` command: the Flask CLI plus our own commands.

``surveyapp db upgrade`` (Alembic via Flask-Migrate), ``surveyapp demo``,
``surveyapp worker``, ``surveyapp serve``, ``surveyapp create-owner``, and Flask's
``run``/``shell``/``routes``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from surveyapp import create_app


def _create_app() -> Flask:
    from surveyapp.config import ConfigError

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
              help="Also run the scheduler (daily retention purge). Run it in one worker only.")
@with_appcontext
def worker(concurrency: int, loglevel: str, beat: bool) -> None:
    """Start a Celery worker that runs background jobs (exports, analyses)."""
    celery = current_app.extensions["celery"]
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


def run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

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
    from surveyapp.errors import ApiError
    from surveyapp.extensions import db
    from surveyapp.workspaces import services

    try:
        user = services.create_user(db.session, email, name, password)
    except ApiError as exc:
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

    from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD, client_key, seed
    from surveyapp.demo.host import start_host

    click.echo("Applying database migrations…")
    upgrade()
    report = seed(responses=responses, echo=lambda msg: click.echo(f"  {msg}"))
    click.echo(report)
    click.secho(f"\n  Demo login:  {DEMO_EMAIL}  /  {DEMO_PASSWORD}", fg="green", bold=True)
    if seed_only:
        return
    from surveyapp.analysis import start_background_build

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
        run_gunicorn(host, port, 2)
    finally:
        worker_proc.terminate()
        try:
            worker_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker_proc.kill()


# ----------------------------------------------------------------------------- NLP
@main.group("nlp")
def nlp_group() -> None:
    """Offline NLP: build the sentiment model, analyse any CSV of answers."""


def _nlp_error(exc: Exception) -> click.ClickException:
    return click.ClickException(f"{exc}")


@nlp_group.command("build-model")
@click.option("--quick", is_flag=True, help="A small build for trying things out (about a minute).")
@click.option("--background", is_flag=True, help="Start the build and return; progress in build.log.")
@click.option("--force", is_flag=True, help="Rebuild even if a matching build exists.")
@with_appcontext
def nlp_build_model(quick: bool, background: bool, force: bool) -> None:
    """Fine-tune the packaged MiniLM into the sentiment model (about 15 minutes on 2 cores).

    The result goes to SURVEYAPP_SENTIMENT_MODEL (default: DATA_DIR/models/sentiment) with a
    manifest of its training data, parameters and held-out metrics; a second run reuses it."""
    from surveyapp.analysis import model_dir, start_background_build

    out = model_dir()
    if background:
        status = start_background_build(out, quick=quick)
        click.echo(status.message)
        return
    from nlp.build_sentiment import main as build_main

    args = ["--out", str(out), *(["--quick"] if quick else []), *(["--force"] if force else [])]
    raise SystemExit(build_main(args))


@nlp_group.command("status")
@with_appcontext
def nlp_status() -> None:
    """Whether the sentiment model is ready, building (with progress) or missing."""
    from surveyapp.analysis import model_status

    click.echo(model_status().message)


@nlp_group.command("sentiment")
@click.argument("input_csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-column", required=True, help="The column holding the answers.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--model", "model_path", default=None, help="A local model directory (default: the built one).")
@with_appcontext
def nlp_sentiment(input_csv: str, text_column: str, output: str, model_path: str | None) -> None:
    """Add sentiment (negative/neutral/positive) and sentiment_score columns to a CSV."""
    from nlp.cli import sentiment_csv
    from surveyapp.analysis import model_dir, model_status

    path = Path(model_path) if model_path else model_dir()
    if model_status(path).state != "ready":
        raise click.ClickException(model_status(path).message)
    try:
        df = sentiment_csv(input_csv, text_column, output, path)
    except (KeyError, ValueError) as exc:
        raise _nlp_error(exc) from None
    click.echo(f"Wrote {len(df):,} rows to {output}", err=True)


@nlp_group.command("themes")
@click.argument("input_csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-column", required=True, help="The column holding the answers.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def nlp_themes(input_csv: str, text_column: str, output: str) -> None:
    """Add theme_id and theme_label columns to a CSV and write OUTPUT.themes.csv beside it."""
    from nlp.cli import themes_csv

    settings = current_app.config["SETTINGS"]
    try:
        df = themes_csv(input_csv, text_column, output, cache_dir=settings.nlp_cache_dir)
    except (KeyError, ValueError) as exc:
        raise _nlp_error(exc) from None
    click.echo(f"Wrote {len(df):,} rows to {output}", err=True)


@main.command("analyse")
@click.argument("survey_id", type=int)
@click.option("--refit", is_flag=True, help="Find the themes again from all answers.")
@with_appcontext
def analyse_command(survey_id: int, refit: bool) -> None:
    """Run the open-text analysis of a survey now (sentiment and themes), with progress."""
    from surveyapp.analysis.job import analyse
    from surveyapp.extensions import db
    from surveyapp.jobs import JobFailed
    from surveyapp.models import Survey

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"There is no survey {survey_id}.")
    click.echo(f"Analysing “{survey.name}”…", err=True)

    def progress(fraction: float, message: str = "") -> None:
        click.echo(f"  [{100 * fraction:3.0f}%] {message}", err=True)

    try:
        result = analyse(survey, progress, refit=refit)
    except JobFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result["message"])
    for qid, figures in result["questions"].items():
        click.echo(f"  {qid}: {figures['themes']} themes from {figures['answers']:,} answers "
                   f"({figures['method']}, {100 * figures['unthemed']:.0f}% unthemed)")


# ----------------------------------------------------------------------------- privacy
def _workspace(slug: str) -> Any:
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import Workspace

    ws = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if ws is None:
        raise click.ClickException(f"There is no workspace '{slug}'.")
    return ws


@main.group("privacy")
def privacy_group() -> None:
    """Data subject requests: export or erase what is stored about a person."""


@privacy_group.command("export")
@click.option("--workspace", "slug", required=True, help="The workspace's slug (from its URL).")
@click.argument("user_id")
@click.option("-o", "--output", type=click.File("w"), default="-", help="File to write (default: stdout).")
@with_appcontext
def privacy_export(slug: str, user_id: str, output: Any) -> None:
    """Write everything stored about USER_ID as JSON."""
    import json

    from surveyapp.extensions import db
    from surveyapp.privacy import service

    ws = _workspace(slug)
    data = service.export_contact(db.session, ws, user_id)
    service.audit(db.session, ws, "contact.exported", None, target="a contact (CLI)",
                  environments=len(data["environments"]))
    db.session.commit()
    json.dump(data, output, indent=2, ensure_ascii=False, default=str)
    output.write("\n")


@privacy_group.command("erase")
@click.option("--workspace", "slug", required=True, help="The workspace's slug (from its URL).")
@click.argument("user_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase(slug: str, user_id: str, yes: bool) -> None:
    """Erase USER_ID everywhere in the workspace (responses, analysis, displays, events)."""
    from surveyapp.extensions import db
    from surveyapp.privacy import service

    ws = _workspace(slug)
    if not yes:
        click.confirm(f"Erase everything about {user_id!r} in {ws.name}? This cannot be undone",
                      abort=True)
    counts = service.erase_contact(db.session, ws, user_id)
    db.session.commit()
    click.echo("Erased: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()))


@main.command("purge")
@click.option("--workspace", "slug", default=None, help="Only this workspace (default: all).")
@with_appcontext
def purge_command(slug: str | None) -> None:
    """Delete responses and events older than each workspace's retention period."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import Workspace
    from surveyapp.privacy import service

    workspaces = [_workspace(slug)] if slug else list(db.session.scalars(select(Workspace)))
    for ws in workspaces:
        removed = service.purge(db.session, ws)
        db.session.commit()
        click.echo(f"{ws.slug}: " + ", ".join(f"{n:,} {k}" for k, n in removed.items()))


# ----------------------------------------------------------------------------- operations
@main.command("check")
@with_appcontext
def check_command() -> None:
    """Check a configuration before starting: settings, database and schema, job queue,
    rate-limit storage, data directory, sentiment model. Exits 1 if anything must be fixed."""
    from surveyapp.analysis import model_status
    from surveyapp.health import _database, _queue

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
    from surveyapp.backups import backup

    click.echo(backup(Path(path)))


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with a backup made by `surveyapp backup`."""
    from surveyapp.backups import restore

    if not yes:
        click.confirm("Replace ALL data in the configured database with this backup?", abort=True)
    click.echo(restore(Path(path)))


def _register_areas() -> None:
    import importlib

    from surveyapp import AREAS

    for area in AREAS:
        importlib.import_module(f"surveyapp.{area}.cli").register(main)


_register_areas()
