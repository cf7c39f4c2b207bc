"""Owners' privacy tools: a person's data (access export, erasure, self-service links),
consent notice, hashed ids and keys, retention, audit log; the bias audit (bias_views)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveyapp.extensions import db
from surveyapp.models import Role, Survey
from surveyapp.platform.access import get_or_404_in, workspace_view
from surveyapp.platform.web import arg_id, workspace_blueprint
from surveyapp.privacy import bias, consent, ids, service
from surveyapp.privacy.selfservice import link_for

bp = workspace_blueprint("privacy", __name__, "/privacy")


class PersonForm(FlaskForm):
    external_id = StringField("The person's user id", filters=[lambda v: v.strip() if v else v],
                              validators=[DataRequired(), Length(max=255)],
                              description="The id your product passes to identify().")


class EraseForm(PersonForm):
    confirm = StringField("Type the user id again to confirm",
                          filters=[lambda v: v.strip() if v else v], validators=[DataRequired()])


class NoticeForm(FlaskForm):
    text = TextAreaField("Consent notice", validators=[DataRequired(), Length(max=consent.MAX_NOTICE)],
                         description="What the widget's consent prompt says. Saving a changed text "
                                     "creates a new version; each decision records the version shown.")


class HashIdsForm(FlaskForm):
    confirm = BooleanField("Store user ids only as keyed hashes from now on (cannot be undone)",
                           validators=[DataRequired("Tick the box to confirm.")])


class RetentionForm(FlaskForm):
    responses = IntegerField("Keep responses for (days)", validators=[Optional(), NumberRange(1, 3650)],
                             description="Empty: keep until deleted.")
    events = IntegerField("Keep behavioural events for (days)",
                          validators=[Optional(), NumberRange(1, 3650)])


def _page(**forms: Any) -> str:
    days = service.retention_days(g.workspace)
    log = service.audit_log(db.session, g.workspace)
    current = consent.current_notice(db.session, g.workspace.id)
    keys = ids.keys_for(db.session, g.workspace.id)
    db.session.commit()  # the workspace's keys are created the first time they are needed
    return render_template(
        "privacy/index.html", lookup=forms.get("lookup") or PersonForm(prefix="find-"),
        erase=forms.get("erase") or EraseForm(prefix="erase-"),
        retention=forms.get("retention") or RetentionForm(prefix="keep-", data=days),
        notice=forms.get("notice") or NoticeForm(prefix="notice-",
                                                 data={"text": current.text if current else ""}),
        hashing=forms.get("hashing") or HashIdsForm(prefix="hash-"),
        notices=consent.notices(db.session, g.workspace.id), keys=keys,
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
    service.set_retention(ws, form.responses.data, form.events.data)
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


@bp.route("/link", methods=["POST"])
@workspace_view(Role.OWNER)
def link() -> Any:
    """A self-service link for a person who asked (to send them by email, say)."""
    form = PersonForm(prefix="find-")
    if not form.validate_on_submit():
        return _page(lookup=form), 422
    contacts = service.find_contacts(db.session, g.workspace, form.external_id.data)
    if not contacts:
        form.external_id.errors.append("Nobody with that user id is stored in this workspace.")
        return _page(lookup=form), 422
    url, expires = link_for(db.session, contacts[0])
    service.audit(db.session, g.workspace, "self_service_link.created", current_user,
                  target="a contact")
    db.session.commit()
    flash(f"Self-service link for this person (valid until {expires:%d %b %Y}); send it to them "
          "privately:", "success")
    flash(url, "link")
    return redirect(url_for("privacy.index"))


@bp.route("/notice", methods=["POST"])
@workspace_view(Role.OWNER)
def notice() -> Any:
    form = NoticeForm(prefix="notice-")
    if not form.validate_on_submit():
        return _page(notice=form), 422
    saved, created = consent.save_notice(db.session, g.workspace, form.text.data, current_user)
    db.session.commit()
    flash(f"Consent notice saved as version {saved.version}." if created and saved
          else "The notice text is unchanged; no new version.", "success")
    return redirect(url_for("privacy.index"))


@bp.route("/hash-ids", methods=["POST"])
@workspace_view(Role.OWNER)
def hash_ids() -> Any:
    form = HashIdsForm(prefix="hash-")
    if not form.validate_on_submit():
        return _page(hashing=form), 422
    hashed = ids.enable_hashing(db.session, g.workspace)
    service.audit(db.session, g.workspace, "ids.hashed", current_user, contacts=hashed)
    db.session.commit()
    flash(f"User ids are now stored as keyed hashes ({hashed:,} existing ids hashed).", "success")
    return redirect(url_for("privacy.index"))


@bp.route("/rotate-links", methods=["POST"])
@workspace_view(Role.OWNER)
def rotate_links() -> Any:
    if not FlaskForm().validate_on_submit():
        return _page(), 400
    service.rotate_link_secret(db.session, g.workspace)
    service.audit(db.session, g.workspace, "key.rotated", current_user,
                  target="self-service link secret")
    db.session.commit()
    flash("Every self-service link sent so far stopped working.", "success")
    return redirect(url_for("privacy.index"))


@bp.route("/rotate-identity", methods=["POST"])
@workspace_view(Role.OWNER)
def rotate_identity() -> Any:
    if not FlaskForm().validate_on_submit():
        return _page(), 400
    service.rotate_identity_secret(db.session, g.workspace)
    service.audit(db.session, g.workspace, "key.rotated", current_user,
                  target="identity verification secret")
    secret = ids.keys_for(db.session, g.workspace.id).identity_secret
    db.session.commit()
    flash("New identity secret: update your server's user_hash computation. It is shown "
          "this once; copy it now.", "success")
    flash(secret, "secret")
    return redirect(url_for("privacy.index"))


@bp.route("/reveal-identity", methods=["POST"])
@workspace_view(Role.OWNER)
def reveal_identity() -> Any:
    """Shows the identity secret once (the page masks it), and records who saw it."""
    if not FlaskForm().validate_on_submit():
        return _page(), 400
    secret = ids.keys_for(db.session, g.workspace.id).identity_secret
    service.audit(db.session, g.workspace, "key.revealed", current_user,
                  target="identity verification secret")
    db.session.commit()
    flash("The identity secret, shown this once:", "success")
    flash(secret, "secret")
    return redirect(url_for("privacy.index"))


@bp.route("/bias")
@workspace_view(Role.ANALYST)
def bias_report() -> Any:
    survey_id = arg_id("survey")
    if survey_id is not None:
        get_or_404_in(Survey, survey_id)
    surveys = service.surveys_of(db.session, g.workspace)
    report = bias.run(db.session, g.workspace, survey_id)
    return render_template("privacy/bias.html", report=report, surveys=surveys,
                           survey_id=survey_id)
