"""`surveyapp` commands of this area."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


def register(main: click.Group) -> None:
    """Add this area's commands to the `surveyapp` command group."""

    @main.command("refresh-report-rollups")
    @with_appcontext
    @click.option("--min-responses", type=int, default=0, show_default=True,
                  help="Only surveys with at least this many responses.")
    def refresh_report_rollups(min_responses: int) -> None:
        """Cache the report aggregates of settled responses (what the hourly job does)."""
        from surveyapp.extensions import db
        from surveyapp.reports.rollup import refresh_all

        done = refresh_all(db.session, min_responses)
        db.session.commit()
        for survey_id, rows in done.items():
            click.echo(f"survey {survey_id}: {rows:,} cached rows")
        click.echo(f"Refreshed {len(done)} survey(s).")

    @main.command("dispatch-webhooks")
    @with_appcontext
    def dispatch_webhooks() -> None:
        """Turn new and finished responses into webhook deliveries and send them now."""
        from surveyapp.extensions import db
        from surveyapp.insights.hooks import attempt, dispatch
        from surveyapp.models.insights import WebhookDelivery

        ids = dispatch(db.session)
        db.session.commit()
        ok = 0
        for delivery_id in ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            ok += attempt(db.session, delivery)
            db.session.commit()
        click.echo(f"{len(ids)} deliveries, {ok} delivered; failed ones are retried by the worker.")
