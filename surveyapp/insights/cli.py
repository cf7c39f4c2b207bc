"""`surveyapp` commands of this area."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveyapp.extensions import db
from surveyapp.insights.hooks import attempt, dispatch
from surveyapp.models.insights import WebhookDelivery


@click.command("dispatch-webhooks")
@with_appcontext
def dispatch_webhooks() -> None:
    """Turn new and finished responses into webhook deliveries and send them now."""
    ids = dispatch(db.session)
    db.session.commit()
    ok = 0
    for delivery_id in ids:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        ok += attempt(db.session, delivery)
        db.session.commit()
    click.echo(f"{len(ids)} deliveries, {ok} delivered; failed ones are retried by the worker.")


#: What this area adds to the `surveyapp` command line (see init_app).
COMMANDS = (dispatch_webhooks,)
