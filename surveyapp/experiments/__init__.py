"""Experiments, funnels, journeys and click maps (issue #9).

Pages under ``/w/<slug>/`` (``views.bp``); the widget's assignment and click endpoints
(``client.client_bp``); the server API's assignment endpoint and the click chunk
(``client.server_bp``); the heatmap toolbar's data and script (``heatmap.bp``).

Funnels, paths and sequences run on DuckDB over the Parquet copy of the events
(``surveyapp.events``) when it is current, on SQL otherwise; this area keeps the copy
current: the worker syncs it every 30 s and checks it against the database every 15 min.
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.events import cli as events_cli
    from surveyapp.events import store as events_store
    from surveyapp.events import tasks as events_tasks
    from surveyapp.experiments import assignment, client, demo, heatmap, views

    wire = Wiring(app, "experiments")
    wire.blueprint(views.bp)
    wire.blueprint(client.client_bp, csrf_exempt=True)  # public, cookie-less
    wire.blueprint(client.server_bp, csrf_exempt=True)  # authenticated by API key
    wire.blueprint(heatmap.bp, csrf_exempt=True)  # the heatmap toolbar's data, by signed token
    wire.eraser("experiment exposures by user id", assignment.erase_exposures_by_user_id)
    wire.eraser("events in the columnar copy", events_store.erase_events)
    wire.task(events_tasks.sync_events, events_tasks.SYNC)
    wire.task(events_tasks.verify_events, events_tasks.VERIFY)
    wire.beat("sync-event-copy", events_tasks.SYNC, events_tasks.SYNC_EVERY)
    wire.beat("verify-event-copy", events_tasks.VERIFY, events_tasks.VERIFY_EVERY)
    wire.cli(*events_cli.COMMANDS)
    wire.demo(demo.seed_demo)
