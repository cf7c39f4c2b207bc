"""Experiments, funnels, journeys and click maps (issue #9).

Pages under ``/w/<slug>/`` (``views.bp``); the widget's assignment and click endpoints
(``client.client_bp``); the server API's assignment endpoint and the click chunk
(``client.server_bp``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md). Its modules are imported
    here, so importing one of them elsewhere (a service, say) never loads the views."""
    from surveyapp.experiments import assignment, client, demo, views

    wire = Wiring(app, "experiments")
    wire.blueprint(views.bp)
    wire.blueprint(client.client_bp, csrf_exempt=True)  # public, cookie-less
    wire.blueprint(client.server_bp, csrf_exempt=True)  # authenticated by API key
    wire.eraser("experiment exposures by user id", assignment.erase_exposures_by_user_id)
    wire.demo(demo.seed_demo)
