"""Server API (``/api/v1``), authenticated with a workspace's secret API key.

The key check and JSON parsing are ``surveyapp.platform.apikeys``; the public,
widget-facing collection API is ``surveyapp.collect``.
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    from surveyapp.api import views

    wire = Wiring(app, "api")
    wire.blueprint(views.bp, csrf_exempt=True)  # authenticates with keys, never with cookies
