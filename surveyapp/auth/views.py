"""Sign-up of the first owner, login/logout, and accepting invitations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from surveyapp.auth.forms import AcceptInviteForm, LoginForm, SignupForm
from surveyapp.errors import error_response, wants_json
from surveyapp.extensions import db, login_manager
from surveyapp.models import User
from surveyapp.ratelimit import limit_posts
from surveyapp.workspaces import services
from surveyapp.workspaces.errors import WorkspaceError

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    return services.user_by_id(db.session, user_id)


def unauthorized() -> Any:
    if wants_json():
        return error_response(401, "unauthorized", "Sign in first.")
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target



@bp.route("/")
def index() -> Any:
    if not current_user.is_authenticated:
        if not services.has_users(db.session):
            return redirect(url_for("auth.signup"))
        return redirect(url_for("auth.login"))
    memberships = sorted(current_user.memberships, key=lambda m: m.workspace.name.lower())
    if len(memberships) == 1:
        return redirect(url_for("ws.dashboard", slug=memberships[0].workspace.slug))
    return render_template("auth/workspaces.html", memberships=memberships)


@bp.route("/signup", methods=["GET", "POST"])
@limit_posts("login_rate_limit")
def signup() -> Any:
    settings = current_app.config["SETTINGS"]
    if not services.signup_allowed(db.session, settings.open_signup):
        return render_template("auth/signup_closed.html"), 403
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user, workspace = services.sign_up(db.session, form.email.data, form.name.data,
                                               form.password.data, form.workspace.data)
        except WorkspaceError as exc:
            form.email.errors.append(exc.message)
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome! Your workspace “{workspace.name}” is ready.", "success")
            return redirect(url_for("ws.dashboard", slug=workspace.slug))
    return render_template("auth/signup.html", form=form, first=not services.has_users(db.session))


@bp.route("/login", methods=["GET", "POST"])
@limit_posts("login_rate_limit")
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("auth.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("Email or password is wrong.")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.index"))
    return render_template("auth/login.html", form=form, can_signup=not services.has_users(db.session))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limit_posts("login_rate_limit")
def accept_invite(token: str) -> Any:
    invitation = services.find_open_invitation(db.session, token)
    if invitation is None:
        return render_template(
            "error.html", status=404, title="Invitation not valid",
            message="This invitation link has expired, was revoked or was already used. "
                    "Ask a workspace owner for a new one.",
        ), 404
    g.invitation = invitation
    existing = services.user_by_email(db.session, invitation.email)
    if existing is not None:
        # The invitee already has an account: they join after signing in as themselves.
        if not current_user.is_authenticated:
            flash(f"Sign in as {invitation.email} to join {invitation.workspace.name}.", "info")
            return redirect(url_for("auth.login", next=request.path))
        if current_user.id != existing.id:
            abort(403)
        if request.method == "POST":
            services.accept_invitation(db.session, invitation, existing)
            db.session.commit()
            flash(f"You joined {invitation.workspace.name}.", "success")
            return redirect(url_for("ws.dashboard", slug=invitation.workspace.slug))
        return render_template("auth/accept_invite.html", invitation=invitation, form=None)

    form = AcceptInviteForm()
    if form.validate_on_submit():
        user = services.accept_with_new_account(db.session, invitation, form.name.data,
                                                form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        login_user(user)
        flash(f"Welcome to {invitation.workspace.name}.", "success")
        return redirect(url_for("ws.dashboard", slug=invitation.workspace.slug))
    return render_template("auth/accept_invite.html", invitation=invitation, form=form)
