"""Researcher pages: create surveys (from templates or JSON), edit them in the visual
editor (``editor``: its forms), publish, and manage their lifecycle (``service``)."""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    from surveyapp.builder import views

    wire = Wiring(app, "builder")
    wire.blueprint(views.bp)
