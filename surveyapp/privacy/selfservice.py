"""End users' own privacy page: ``/privacy/me/<token>``, reached with a signed link.

The token (itsdangerous, signed with the workspace's ``link_secret``, expiring after
``LINK_DAYS``) names one contact. Holding it lets the person see what is stored about
them, download it, turn tracking and personalisation off, and erase it all. Links come
from the owner's privacy page, ``surveyapp privacy link`` or, for a verified user id,
the public ``privacy-link`` endpoint (privacy/client.py). Rotating the workspace's link
secret (owner's privacy page) invalidates every link at once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, render_template, url_for
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import BooleanField
from wtforms.validators import DataRequired

from surveyapp.extensions import db
from surveyapp.models import ConsentState, Contact, Event, Workspace, utcnow
from surveyapp.models import Response as SurveyResponse
from surveyapp.models.consent import PrivacyKeys
from surveyapp.privacy import consent, service
from surveyapp.privacy.ids import keys_for

LINK_DAYS = 30
SALT = "surveyapp.privacy.self-service"

bp = Blueprint("privacy_me", __name__, url_prefix="/privacy/me")


# ----------------------------------------------------------------------------- tokens
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(session: Session, contact: Contact) -> str:
    workspace_id = contact.environment.workspace_id
    return _serializer(keys_for(session, workspace_id).link_secret).dumps([workspace_id, contact.id])


def link_for(session: Session, contact: Contact) -> tuple[str, dt.datetime]:
    """The absolute self-service URL for this contact, and when it stops working."""
    url = url_for("privacy_me.page", token=make_token(session, contact), _external=True)
    return url, utcnow() + dt.timedelta(days=LINK_DAYS)


class InvalidLink(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_token(session: Session, token: str) -> tuple[Workspace, list[Contact]]:
    """The workspace and the person's contacts (one per environment) the token names."""
    try:
        _, payload = _serializer("unverified").loads_unsafe(token)
        workspace_id, contact_id = int(payload[0]), int(payload[1])
    except (TypeError, ValueError, IndexError, KeyError):
        raise InvalidLink("This link is not valid. Ask for a new one.") from None
    secret = session.scalar(select(PrivacyKeys.link_secret)
                            .where(PrivacyKeys.workspace_id == workspace_id))
    try:
        if secret is None:
            raise BadSignature("no key")
        _serializer(secret).loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise InvalidLink("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidLink("This link is not valid (or was withdrawn). Ask for a new one.") from None
    workspace = session.get(Workspace, workspace_id)
    contact = session.get(Contact, contact_id)
    if workspace is None or contact is None or contact.environment.workspace_id != workspace_id:
        return workspace, []  # type: ignore[return-value]
    env_ids = [e.id for e in workspace.environments]
    same_person = session.scalars(select(Contact).where(
        Contact.environment_id.in_(env_ids), Contact.external_id == contact.external_id)
        .order_by(Contact.environment_id)).all()
    return workspace, list(same_person)


# ----------------------------------------------------------------------------- what we show
def summary(session: Session, workspace: Workspace, contacts: list[Contact]) -> dict[str, Any]:
    """What the page shows: attributes, responses, an events summary, consent records."""
    ids = [c.id for c in contacts]
    responses = session.scalars(select(SurveyResponse).where(SurveyResponse.contact_id.in_(ids))
                                .order_by(SurveyResponse.created_at.desc())).all()
    answered = []
    for r in responses:
        titles = {q["id"]: q.get("title") or q["id"] for q in r.version.questions}
        answered.append({"survey": r.survey.name, "at": r.created_at, "finished": r.finished,
                         "answers": [(titles.get(k, k), v) for k, v in r.answers.items()]})
    events = session.execute(
        select(Event.name, func.count(), func.min(Event.occurred_at), func.max(Event.occurred_at))
        .where(Event.contact_id.in_(ids)).group_by(Event.name)
        .order_by(func.count().desc(), Event.name)).all()
    attributes: dict[str, Any] = {}
    for c in contacts:
        attributes.update(c.attributes or {})
    return {
        "contacts": contacts, "attributes": attributes, "responses": answered,
        "events": [{"name": n, "count": c, "first": f, "last": last} for n, c, f, last in events],
        "event_total": sum(e[1] for e in events),
        "consent": consent.records_for(session, ids),
        "opted_out": all(c.consent == ConsentState.OPTED_OUT for c in contacts),
    }


def opt_out(session: Session, workspace: Workspace, contacts: list[Contact]) -> None:
    """Tracking and personalisation off: the collection API stores no more events or
    attributes for this person (consent state ``opted_out``), and stored attributes,
    which drive targeting and personas, are removed."""
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
        workspace, contacts = read_token(db.session, token)
    except InvalidLink as exc:
        return None, [], exc.message
    return workspace, contacts, None


@bp.route("/<token>")
def page(token: str) -> Any:
    workspace, contacts, problem = _load(token)
    if problem:
        return _render(token, 404, problem=problem)
    if not contacts:
        return _render(token, workspace=workspace, gone=True)
    return _render(token, workspace=workspace, data=summary(db.session, workspace, contacts),
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
                       data=summary(db.session, workspace, contacts),
                       problem="The form expired; please try again.")
    opt_out(db.session, workspace, contacts)
    db.session.commit()
    return _render(token, workspace=workspace, form=EraseForm(),
                   data=summary(db.session, workspace, contacts),
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
                       data=summary(db.session, workspace, contacts))
    counts = service.erase_contacts(db.session, workspace, contacts, None, via="self-service")
    db.session.commit()
    return _render(token, workspace=workspace, gone=True, erased=counts)
