"""`surveyapp` commands of the reports area."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveyapp.extensions import db
from surveyapp.reports.rollup import refresh_all


@click.command("refresh-report-rollups")
@with_appcontext
@click.option("--min-responses", type=int, default=0, show_default=True,
              help="Only surveys with at least this many responses.")
def refresh_report_rollups(min_responses: int) -> None:
    """Cache the report aggregates of settled responses (what the hourly job does)."""
    done = refresh_all(db.session, min_responses)
    db.session.commit()
    for survey_id, rows in done.items():
        click.echo(f"survey {survey_id}: {rows:,} cached rows")
    click.echo(f"Refreshed {len(done)} survey(s).")


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (refresh_report_rollups,)
