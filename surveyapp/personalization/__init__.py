"""Personalization (issue #23): slots whose ordered rules pick a variant per person.

Pages under ``/w/<slug>/personalization`` (``views.bp``); the widget's endpoint under the
environment's public key (``client.client_bp``) and the server API's ``GET
/api/v1/personalize`` with a secret key (``client.server_bp``). Exposures name their
slot version; erasure reaches those stored under a user id only (``decide``).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    """Wire this area into ``app`` (see docs/architecture.md)."""
    from surveyapp.personalization import client, decide, demo, model_views, ranking, views

    wire = Wiring(app, "personalization")
    wire.blueprint(views.bp)
    wire.blueprint(model_views.bp)  # a slot's Model tab
    wire.blueprint(client.client_bp, csrf_exempt=True)  # public, cookie-less
    wire.blueprint(client.server_bp, csrf_exempt=True)  # authenticated by API key
    wire.eraser("personalization exposures by user id", decide.erase_exposures_by_user_id)
    wire.job(ranking.JOB, ranking.train_job)  # a slot's recommendation model
    wire.eraser("personalization models retrained", ranking.retrain_after_erasure)
    wire.demo(demo.seed_demo)
