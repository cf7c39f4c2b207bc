"""Owners' privacy tools: a person's data (access export, erasure), retention, audit log."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, Role
from surveyapp.privacy import service
from surveyapp.workspaces.access import workspace_view

bp = Blueprint("privacy", __name__, url_prefix="/w/<slug>/privacy")


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug


class PersonForm(FlaskForm):
    external_id = StringField("The person's user id", filters=[lambda v: v.strip() if v else v],
                              validators=[DataRequired(), Length(max=255)],
                              description="The id your product passes to identify().")


class EraseForm(PersonForm):
    confirm = StringField("Type the user id again to confirm",
                          filters=[lambda v: v.strip() if v else v], validators=[DataRequired()])


class RetentionForm(FlaskForm):
    responses = IntegerField("Keep responses for (days)", validators=[Optional(), NumberRange(1, 3650)],
                             description="Empty: keep until deleted.")
    events = IntegerField("Keep behavioural events for (days)",
                          validators=[Optional(), NumberRange(1, 3650)])


def _page(**forms: Any) -> str:
    days = service.retention_days(g.workspace)
    log = db.session.scalars(select(AuditEvent).where(AuditEvent.workspace_id == g.workspace.id)
                             .order_by(AuditEvent.id.desc()).limit(100)).all()
    return render_template(
        "privacy/index.html", lookup=forms.get("lookup") or PersonForm(prefix="find-"),
        erase=forms.get("erase") or EraseForm(prefix="erase-"),
        retention=forms.get("retention") or RetentionForm(prefix="keep-", data=days),
        found=forms.get("found"), log=log)


@bp.route("/")
@workspace_view(Role.OWNER)
def index() -> Any:
    return _page()


@bp.route("/lookup", methods=["POST"])
@workspace_view(Role.OWNER)
def lookup() -> Any:
    form = PersonForm(prefix="find-")
    if not form.validate_on_submit():
        return _page(lookup=form), 422
    counts = service.counts_for(db.session, g.workspace, form.external_id.data)
    return _page(lookup=form, found={"external_id": form.external_id.data, "counts": counts})


@bp.route("/export", methods=["POST"])
@workspace_view(Role.OWNER)
def export() -> Any:
    form = PersonForm(prefix="find-")
    if not form.validate_on_submit():
        return _page(lookup=form), 422
    data = service.export_contact(db.session, g.workspace, form.external_id.data)
    service.audit(db.session, g.workspace, "contact.exported", current_user,
                  target="a contact", environments=len(data["environments"]))
    db.session.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="subject-access.json"'})


@bp.route("/erase", methods=["POST"])
@workspace_view(Role.OWNER)
def erase() -> Any:
    form = EraseForm(prefix="erase-")
    if form.validate_on_submit() and form.confirm.data != form.external_id.data:
        form.confirm.errors.append("The two ids differ; nothing was erased.")
    if form.errors or form.confirm.errors:
        return _page(erase=form), 422
    counts = service.erase_contact(db.session, g.workspace, form.external_id.data, current_user)
    db.session.commit()
    if not counts["contacts"]:
        flash("Nobody with that user id is stored in this workspace; nothing was erased.", "error")
    else:
        flash("Erased: " + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + ".", "success")
    return redirect(url_for("privacy.index"))


@bp.route("/retention", methods=["POST"])
@workspace_view(Role.OWNER)
def retention() -> Any:
    form = RetentionForm(prefix="keep-")
    if not form.validate_on_submit():
        return _page(retention=form), 422
    ws = g.workspace
    ws.settings = {**(ws.settings or {}), "retention_days": {
        "responses": form.responses.data, "events": form.events.data}}
    service.audit(db.session, ws, "retention.changed", current_user,
                  responses=form.responses.data, events=form.events.data)
    db.session.commit()
    flash("Retention saved. `surveyapp purge` (or “Purge now”) removes what is older.", "success")
    return redirect(url_for("privacy.index"))


@bp.route("/purge", methods=["POST"])
@workspace_view(Role.OWNER)
def purge() -> Any:
    if not FlaskForm().validate_on_submit():
        return _page(), 400
    removed = service.purge(db.session, g.workspace, actor=current_user)
    db.session.commit()
    flash("Purged: " + ", ".join(f"{n:,} {k}" for k, n in removed.items()) + ".", "success")
    return redirect(url_for("privacy.index"))
