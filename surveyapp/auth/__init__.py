"""Accounts: sign-up (the first account), sign-in, sign-out and accepting invitations."""

from __future__ import annotations

from flask import Flask

from surveyapp.platform.wiring import Wiring


def init_app(app: Flask) -> None:
    from surveyapp.auth import views
    from surveyapp.extensions import login_manager

    wire = Wiring(app, "auth")
    wire.blueprint(views.bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"
    login_manager.user_loader(views.load_user)
    login_manager.unauthorized_handler(views.unauthorized)
