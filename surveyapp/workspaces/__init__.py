"""Workspaces: the dashboard, members and invitations, settings, environments and keys.

Pages under ``/w/<slug>/`` (``views.bp``); accounts, workspaces and keys are made by
``services`` (used by the CLI, the demo and the tests too).
"""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    from surveyapp.workspaces import views

    wire = Wiring(app, "workspaces")
    wire.blueprint(views.bp)
