"""`surveyapp integrations ...` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveyapp.integrations import tasks


@click.group("integrations")
def integrations() -> None:
    """Alerts, digests, outbound events and warehouse exports (the worker with --beat
    runs them on schedule)."""


@integrations.command("tick")
@with_appcontext
def tick() -> None:
    """Check alert rules, queue outbound events and send every due delivery now."""
    result = tasks.tick()
    click.echo(f"{result['alerts']} alerts and {result['events']} events queued; sent: "
               f"{result['sent'] or 'nothing due'}")


@integrations.command("digest")
@with_appcontext
def digest() -> None:
    """Queue and send this week's digest to every channel that gets one (once a week)."""
    result = tasks.weekly_digest()
    click.echo(f"{result['digests']} digests queued; sent: {result['sent'] or 'nothing due'}")


@integrations.command("export")
@click.option("--all", "run_all", is_flag=True, help="Run every export now, not only the due ones.")
@with_appcontext
def export(run_all: bool) -> None:
    """Run the warehouse exports (incremental Parquet) that are due, or all of them."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.integrations import warehouse
    from surveyapp.models.integrations import WarehouseExport

    todo = (list(db.session.scalars(select(WarehouseExport))) if run_all
            else warehouse.due(db.session))
    for item in todo:
        record = warehouse.run(db.session, item)
        db.session.commit()
        click.echo(f"export {item.id} -> {item.location}: {record.status} "
                   f"{record.rows or ''} {record.error}".rstrip())
    if not todo:
        click.echo("No export is due.")


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (integrations,)
