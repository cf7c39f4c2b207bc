"""Integrations (issue #25): the Segment / RudderStack tracking API into the event and
contact store, alerts and a weekly digest to Slack, e-mail and webhooks, outbound
Segment-spec events, and scheduled Parquet exports to a directory or an S3 bucket.

See docs/integrations.md.
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md)."""
    from surveyapp.integrations import cli, erasure, tasks, views

    wire = Wiring(app, "integrations")
    wire.blueprint(views.ingest_bp, csrf_exempt=True)  # write-key authenticated, no cookies
    wire.blueprint(views.bp)
    wire.task(tasks.tick, tasks.TICK)
    wire.task(tasks.weekly_digest, tasks.DIGEST)
    wire.beat("integrations-tick", tasks.TICK, tasks.TICK_EVERY)
    wire.beat("integrations-digest", tasks.DIGEST, tasks.DIGEST_EVERY)
    wire.task(tasks.export_due, tasks.EXPORT)
    wire.beat("integrations-export", tasks.EXPORT, tasks.EXPORT_EVERY)
    wire.cli(*cli.COMMANDS)
    wire.eraser("alert quotes and outbound events", erasure.erase_deliveries)
