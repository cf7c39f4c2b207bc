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

from surveyapp import ratelimit
from surveyapp.auth.forms import AcceptInviteForm, LoginForm, PasswordChangeForm, SignupForm
from surveyapp.errors import error_response, wants_json
from surveyapp.extensions import db, login_manager
from surveyapp.models import User
from surveyapp.ratelimit import limit_posts
from surveyapp.workspaces import services
from surveyapp.workspaces.errors import WorkspaceError

bp = Blueprint("auth", __name__)


def load_user(token: str) -> User | None:
    """Flask-Login's loader: the cookie holds a sign-in's token, valid while its
    ``UserSession`` row exists (sign-out and a password change delete it)."""
    return services.user_by_session(db.session, token)


def sign_in(user: User, remember: bool = False) -> None:
    """Open a server-side session for ``user``, commit, and sign this browser in."""
    services.open_session(db.session, user)
    db.session.commit()
    login_user(user, remember=remember)


def _account_wait(email: str) -> int | None:
    """Seconds until this account may be tried again, when its failed sign-ins from all
    addresses together used up ``login_account_rate_limit``."""
    limit = current_app.config["SETTINGS"].login_account_rate_limit
    return ratelimit.exhausted(limit, "login-account", services.normalise_email(email))


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
            sign_in(user)
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
        wait = _account_wait(form.email.data)
        if wait is not None:
            # The same answer whether or not the account exists: nothing to discover.
            form.password.errors.append(
                f"Too many failed sign-ins for this account. Try again in {wait} seconds.")
            return render_template("auth/login.html", form=form,
                                   can_signup=not services.has_users(db.session)), 429
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            ratelimit.hit(current_app.config["SETTINGS"].login_account_rate_limit,
                          "login-account", services.normalise_email(form.email.data))
            form.password.errors.append("Email or password is wrong.")
        else:
            sign_in(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.index"))
    return render_template("auth/login.html", form=form, can_signup=not services.has_users(db.session))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    services.close_session(db.session, current_user.session_token)
    db.session.commit()
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
        if current_user.is_authenticated:
            services.close_session(db.session, current_user.session_token)
            logout_user()
        sign_in(user)
        flash(f"Welcome to {invitation.workspace.name}.", "success")
        return redirect(url_for("ws.dashboard", slug=invitation.workspace.slug))
    return render_template("auth/accept_invite.html", invitation=invitation, form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limit_posts("login_rate_limit")
def change_password() -> Any:
    """A new password; every other browser signed in to the account is signed out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        if services.change_password(db.session, user, form.current.data, form.password.data):
            sign_in(user)
            flash("Your password is changed. Every other browser signed in to your account "
                  "has been signed out.", "success")
            return redirect(url_for("auth.index"))
        form.current.errors.append("This is not your current password.")
    return render_template("auth/password.html", form=form)
