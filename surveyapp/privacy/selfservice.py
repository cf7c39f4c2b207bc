"""End users' own privacy page: ``/privacy/me/<token>``, reached with a signed link.

The token (itsdangerous, signed with the workspace's ``link_secret``, expiring after
``LINK_DAYS``) names one contact. Holding it lets the person see what is stored about
them, download it, turn tracking and personalisation off, and erase it all. Links come
from the owner's privacy page, ``surveyapp privacy link`` or, for a verified user id,
the public ``privacy-link`` endpoint (privacy/client.py). Rotating the workspace's link
secret (owner's privacy page) invalidates every link at once. Tokens are made and read,
and the person's data gathered, by ``surveyapp.privacy.service``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField
from wtforms.validators import DataRequired

from surveyapp.extensions import db
from surveyapp.models import ConsentState, Contact, Workspace, utcnow
from surveyapp.privacy import consent, service
from surveyapp.privacy.service import LINK_DAYS, InvalidLink
from surveyapp.privacy.service import SALT as SALT  # re-exported: callers read selfservice.SALT

bp = Blueprint("privacy_me", __name__, url_prefix="/privacy/me")


def link_for(session: Session, contact: Contact) -> tuple[str, dt.datetime]:
    """The absolute self-service URL for this contact, and when it stops working."""
    url = url_for("privacy_me.page", token=service.make_token(session, contact), _external=True)
    return url, utcnow() + dt.timedelta(days=LINK_DAYS)


def opt_out(session: Session, workspace: Workspace, contacts: list[Contact]) -> None:
    """Tracking and personalisation off: the collection API stores no more events or
    attributes for this person (consent state ``opted_out``), and stored attributes,
    which drive targeting and personas, are removed. (Not in privacy.service: the decision
    is recorded by privacy.consent, which itself imports privacy.service.)"""
    now = utcnow()
    for c in contacts:
        c.consent = ConsentState.OPTED_OUT
        c.consent_updated_at = now
        c.attributes = {}
        consent.record(session, c, False, "self_service")
    service.audit(session, workspace, "contact.opted_out", None,
                  target="a contact (self-service)", via="self-service")


# ----------------------------------------------------------------------------- views
class EraseForm(FlaskForm):
    confirm = BooleanField("I understand my answers and activity will be deleted for good",
                           validators=[DataRequired("Tick the box to confirm.")])


def _no_store(resp: Any) -> Any:
    # The token is in the URL: keep it out of caches, logs of other sites and search engines.
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _render(token: str, status: int = 200, **context: Any) -> Any:
    from flask import make_response

    return _no_store(make_response(render_template("privacy/me.html", token=token, **context),
                                   status))


def _load(token: str) -> tuple[Workspace | None, list[Contact], str | None]:
    try:
        workspace, contacts = service.read_token(db.session, token)
    except InvalidLink as exc:
        return None, [], exc.message
    return workspace, contacts, None


def _summary(contacts: list[Contact]) -> dict[str, Any]:
    """What the page shows: the person's data and their consent decisions."""
    return {**service.person_summary(db.session, contacts),
            "consent": consent.records_for(db.session, [c.id for c in contacts])}


@bp.route("/<token>")
def page(token: str) -> Any:
    workspace, contacts, problem = _load(token)
    if problem:
        return _render(token, 404, problem=problem)
    if not contacts:
        return _render(token, workspace=workspace, gone=True)
    return _render(token, workspace=workspace, data=_summary(contacts),
                   form=EraseForm())


@bp.route("/<token>/download")
def download(token: str) -> Any:
    workspace, contacts, problem = _load(token)
    if problem or not contacts:
        return _render(token, 404, problem=problem or "Nothing is stored about you any more.")
    data = service.export_contacts(db.session, workspace, contacts, external_id="(you)")
    service.audit(db.session, workspace, "contact.exported", None,
                  target="a contact (self-service)", via="self-service")
    db.session.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return _no_store(Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"'}))


@bp.route("/<token>/opt-out", methods=["POST"])
def stop_tracking(token: str) -> Any:
    workspace, contacts, problem = _load(token)
    if problem or not contacts:
        return _render(token, 404, problem=problem or "Nothing is stored about you any more.")
    if not FlaskForm().validate_on_submit():
        return _render(token, 400, workspace=workspace, form=EraseForm(),
                       data=_summary(contacts),
                       problem="The form expired; please try again.")
    opt_out(db.session, workspace, contacts)
    db.session.commit()
    return _render(token, workspace=workspace, form=EraseForm(),
                   data=_summary(contacts),
                   notice="Tracking and personalisation are off. Your activity is no longer "
                          "recorded and your stored attributes were removed.")


@bp.route("/<token>/erase", methods=["POST"])
def erase(token: str) -> Any:
    workspace, contacts, problem = _load(token)
    if problem or not contacts:
        return _render(token, 404, problem=problem or "Nothing is stored about you any more.")
    form = EraseForm()
    if not form.validate_on_submit():
        return _render(token, 422, workspace=workspace, form=form,
                       data=_summary(contacts))
    counts = service.erase_contacts(db.session, workspace, contacts, None, via="self-service")
    db.session.commit()
    return _render(token, workspace=workspace, gone=True, erased=counts)
