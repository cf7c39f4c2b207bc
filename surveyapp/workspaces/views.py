"""Workspace pages: dashboard, members and invitations, environments and keys."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, jsonify, redirect, render_template, url_for
from flask_login import current_user

from surveyapp.extensions import db
from surveyapp.insights.service import dashboard_insights
from surveyapp.models import ApiKey, ConsentMode, Environment, Invitation, Job, Membership, Role
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import workspace_blueprint
from surveyapp.privacy.service import audit
from surveyapp.workspaces import services
from surveyapp.workspaces.errors import WorkspaceError
from surveyapp.workspaces.forms import (
    ApiKeyForm,
    EmptyForm,
    InviteForm,
    OriginsForm,
    RoleForm,
    WorkspaceSettingsForm,
    parse_origins,
)

bp = workspace_blueprint("ws", __name__)


@bp.route("/")
@workspace_view(Role.VIEWER)
def dashboard() -> Any:
    ws = g.workspace
    return render_template("workspaces/dashboard.html", **services.overview(db.session, ws),
                           **dashboard_insights(db.session, ws))


@bp.route("/members")
@workspace_view(Role.VIEWER)
def members() -> Any:
    ws = g.workspace
    return render_template(
        "workspaces/members.html", memberships=services.members(db.session, ws),
        invitations=services.open_invitations(db.session, ws),
        invite_form=InviteForm(), role_form=RoleForm(), empty_form=EmptyForm(),
        is_owner=g.membership.role == Role.OWNER, invite_link=None,
    )


@bp.route("/members/invite", methods=["POST"])
@workspace_view(Role.OWNER)
def invite() -> Any:
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("ws.members"))
    try:
        invitation, token = services.invite(
            db.session, g.workspace, form.email.data, Role(form.role.data), current_user,
            current_app.config["SETTINGS"].invitation_days,
        )
    except WorkspaceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ws.members"))
    db.session.commit()
    link = url_for("auth.accept_invite", token=token, _external=True)
    flash(f"Invitation created for {invitation.email} as {invitation.role.label}. "
          "Send them this link (shown once):", "success")
    flash(link, "link")
    return redirect(url_for("ws.members"))


@bp.route("/members/<int:membership_id>/role", methods=["POST"])
@workspace_view(Role.OWNER)
def change_role(membership_id: int) -> Any:
    membership = get_or_404_in(Membership, membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(db.session, membership, Role(form.role.data))
        except WorkspaceError as exc:
            flash(exc.message, "error")
        else:
            audit(db.session, g.workspace, "member.role_changed", current_user,
                  target=membership.user.email, role=membership.role.value)
            db.session.commit()
            flash(f"{membership.user.name} is now {membership.role.label}.", "success")
    return redirect(url_for("ws.members"))


@bp.route("/members/<int:membership_id>/remove", methods=["POST"])
@workspace_view(Role.OWNER)
def remove_member(membership_id: int) -> Any:
    membership = get_or_404_in(Membership, membership_id)
    if EmptyForm().validate_on_submit():
        name = membership.user.name
        try:
            services.remove_member(db.session, membership, by=current_user)
        except WorkspaceError as exc:
            flash(exc.message, "error")
        else:
            audit(db.session, g.workspace, "member.removed", current_user, target=name)
            db.session.commit()
            flash(f"{name} was removed from the workspace.", "success")
    return redirect(url_for("ws.members"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@workspace_view(Role.OWNER)
def revoke_invitation(invitation_id: int) -> Any:
    invitation = get_or_404_in(Invitation, invitation_id)
    if EmptyForm().validate_on_submit() and services.revoke_invitation(invitation):
        db.session.commit()
        flash(f"Invitation for {invitation.email} revoked.", "success")
    return redirect(url_for("ws.members"))


@bp.route("/surveys/asks")
@workspace_view(Role.VIEWER)
def asks() -> Any:
    """Survey fatigue: how often each person is asked, across surveys (#24 item 5)."""
    from flask import request

    from surveyapp.collect import fatigue

    days = request.args.get("days", type=int)
    days = days if days in ASK_WINDOWS else 90  # anything else: the default window
    return render_template("workspaces/asks.html", windows=ASK_WINDOWS,
                           report=fatigue.asks_report(db.session, g.workspace.id, days))


ASK_WINDOWS = (30, 90, 365)


@bp.route("/settings", methods=["GET", "POST"])
@workspace_view(Role.OWNER)
def settings() -> Any:
    ws = g.workspace
    form = WorkspaceSettingsForm(obj=ws, consent_mode=ws.consent_mode.value)
    if form.validate_on_submit():
        services.update_settings(ws, form.name.data, form.recontact_days.data,
                                 ConsentMode(form.consent_mode.data))
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("ws.settings"))
    keys = services.api_keys(db.session, ws)
    origin_forms = {
        e.id: OriginsForm(prefix=f"env{e.id}", origins="\n".join(e.allowed_origins))
        for e in ws.environments
    }
    return render_template(
        "workspaces/settings.html", form=form, keys=keys, key_form=ApiKeyForm(),
        empty_form=EmptyForm(), origin_forms=origin_forms,
    )


@bp.route("/environments/<int:environment_id>/origins", methods=["POST"])
@workspace_view(Role.OWNER)
def set_origins(environment_id: int) -> Any:
    environment = get_or_404_in(Environment, environment_id)
    form = OriginsForm(prefix=f"env{environment.id}")
    if form.validate_on_submit():
        services.set_allowed_origins(environment, parse_origins(form.origins.data))
        db.session.commit()
        flash(f"Allowed origins for {environment.name} saved.", "success")
    else:
        flash(_form_errors(form), "error")
    return redirect(url_for("ws.settings"))


@bp.route("/environments/<int:environment_id>/rotate", methods=["POST"])
@workspace_view(Role.OWNER)
def rotate_client_key(environment_id: int) -> Any:
    environment = get_or_404_in(Environment, environment_id)
    if EmptyForm().validate_on_submit():
        services.rotate_client_key(environment)
        audit(db.session, g.workspace, "key.rotated", current_user, target=environment.name)
        db.session.commit()
        flash(f"New widget key for {environment.name}. Update the snippet on your site.", "success")
    return redirect(url_for("ws.settings"))


@bp.route("/api-keys", methods=["POST"])
@workspace_view(Role.OWNER)
def create_api_key() -> Any:
    form = ApiKeyForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("ws.settings"))
    secret = services.create_api_key(db.session, g.workspace, form.name.data, current_user)
    db.session.commit()
    flash("API key created. Copy it now: it is shown only once.", "success")
    flash(secret, "secret")
    return redirect(url_for("ws.settings"))


@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@workspace_view(Role.OWNER)
def revoke_api_key(key_id: int) -> Any:
    key = get_or_404_in(ApiKey, key_id)
    if EmptyForm().validate_on_submit() and services.revoke_api_key(key):
        db.session.commit()
        flash(f"API key “{key.name}” revoked.", "success")
    return redirect(url_for("ws.settings"))


@bp.route("/jobs/<int:job_id>")
@workspace_view(Role.VIEWER)
def job_status(job_id: int) -> Any:
    """Polled by pages that show a progress bar."""
    return jsonify(get_or_404_in(Job, job_id).as_dict())


def _form_errors(form: Any) -> str:
    parts = [f"{form[name].label.text}: {'; '.join(errs)}" for name, errs in form.errors.items()
             if name in form]
    return " ".join(parts) or "The form could not be read; reload the page and try again."
