"""`surveyapp nlp ...` and `surveyapp analyse`: the offline NLP from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from surveyapp.analysis.job import analyse
from surveyapp.analysis.model import model_dir, model_status, start_background_build
from surveyapp.extensions import db
from surveyapp.jobs import JobFailed
from surveyapp.models import Survey


@click.group("nlp")
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
    """Fine-tune the packaged MiniLM into the sentiment model (25 minutes on 2 idle cores).

    The result goes to SURVEYAPP_SENTIMENT_MODEL (default: DATA_DIR/models/sentiment) with a
    manifest of its training data, parameters and held-out metrics; a second run reuses it."""
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
@click.option("--question", default=None, help="The question's text: 'What could we improve?' makes "
              "“nothing” answers a theme of their own instead of filler.")
@with_appcontext
def nlp_themes(input_csv: str, text_column: str, output: str, question: str | None) -> None:
    """Add theme_id, theme_label, subtheme_id and subtheme_label columns to a CSV and write
    OUTPUT.themes.csv beside it."""
    from nlp.cli import themes_csv

    settings = current_app.config["SETTINGS"]
    try:
        df = themes_csv(input_csv, text_column, output, cache_dir=settings.nlp_cache_dir, question=question)
    except (KeyError, ValueError) as exc:
        raise _nlp_error(exc) from None
    click.echo(f"Wrote {len(df):,} rows to {output}", err=True)


@click.command("analyse")
@click.argument("survey_id", type=int)
@click.option("--refit", is_flag=True, help="Find the themes again from all answers.")
@with_appcontext
def analyse_command(survey_id: int, refit: bool) -> None:
    """Run the open-text analysis of a survey now (sentiment and themes), with progress."""
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


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (nlp_group, analyse_command,)
