"""Data subject rights and retention: export everything stored about a contact, erase it
everywhere (derived data included), purge what is older than the workspace keeps, and
record each of these in the audit log; the self-service links people use for their own
data (tokens and what the page shows); the workspace's privacy settings and secrets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from surveyapp.errors import DomainError, NotFound
from surveyapp.models import (
    AnswerAnnotation,
    AuditEvent,
    Base,
    ConsentState,
    Contact,
    Display,
    Event,
    Response,
    Survey,
    User,
    Workspace,
    utcnow,
)
from surveyapp.models.consent import ConsentRecord, PrivacyKeys, new_secret
from surveyapp.platform.wiring import registry
from surveyapp.privacy import derived
from surveyapp.privacy.ids import keys_for, stored_external_id

RETENTION_KEYS = ("responses", "events")
LINK_DAYS = 30  # how long a self-service link works
SALT = "surveyapp.privacy.self-service"


class PrivacyError(DomainError):
    """Anything the privacy area refuses."""


class InvalidLink(PrivacyError, NotFound):
    """A self-service link that is malformed, expired or withdrawn; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid_link", message)


def audit(session: Session, workspace: Workspace, action: str, actor: User | None = None,
          target: str = "", **details: Any) -> AuditEvent:
    entry = AuditEvent(workspace_id=workspace.id, actor_id=actor.id if actor else None,
                       action=action, target=target[:200], details=details)
    session.add(entry)
    return entry


def audit_log(session: Session, workspace: Workspace, limit: int = 100) -> list[AuditEvent]:
    """The workspace's latest audit entries, newest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.workspace_id == workspace.id)
                                .order_by(AuditEvent.id.desc()).limit(limit)))


def find_contacts(session: Session, workspace: Workspace, external_id: str) -> list[Contact]:
    """The contact with this external id in each of the workspace's environments."""
    env_ids = [e.id for e in workspace.environments]
    stored = stored_external_id(session, workspace.id, external_id)
    return list(session.scalars(select(Contact).where(Contact.environment_id.in_(env_ids),
                                                      Contact.external_id == stored)
                                .order_by(Contact.environment_id)))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def export_contact(session: Session, workspace: Workspace, external_id: str) -> dict[str, Any]:
    """Everything stored about one person, as plain JSON-ready data."""
    return export_contacts(session, workspace, find_contacts(session, workspace, external_id),
                           external_id)


def export_contacts(session: Session, workspace: Workspace, contacts: list[Contact],
                    external_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"format": "surveyapp.subject-access/v1", "workspace": workspace.name,
                           "external_id": external_id, "exported_at": utcnow().isoformat(),
                           "environments": []}
    for contact in contacts:
        responses = session.scalars(select(Response).where(Response.contact_id == contact.id)
                                    .order_by(Response.id)).all()
        notes = session.scalars(select(AnswerAnnotation).where(
            AnswerAnnotation.response_id.in_([r.id for r in responses]))).all() if responses else []
        out["environments"].append({
            "environment": contact.environment.name,
            "contact": {"attributes": contact.attributes, "consent": contact.consent.value,
                        "consent_updated_at": _iso(contact.consent_updated_at),
                        "first_seen": _iso(contact.created_at)},
            "responses": [{"survey": r.survey.name, "version": r.version.number,
                           "finished": r.finished, "answers": r.answers, "meta": r.meta,
                           "created_at": _iso(r.created_at)} for r in responses],
            "analysis": [{"survey_id": n.survey_id, "question": n.question_id,
                          "sentiment": n.sentiment, "theme": n.theme} for n in notes],
            "displays": [{"survey_id": d.survey_id, "at": _iso(d.created_at)}
                         for d in session.scalars(select(Display).where(Display.contact_id == contact.id))],
            "events": [{"name": e.name, "properties": e.properties, "at": _iso(e.occurred_at),
                        "session": e.session_id}
                       for e in session.scalars(select(Event).where(Event.contact_id == contact.id)
                                                .order_by(Event.occurred_at))],
            "consent_records": [
                {"granted": c.granted, "source": c.source, "at": _iso(c.created_at),
                 "notice_version": c.notice.version if c.notice else None,
                 "notice_text": c.notice.text if c.notice else None}
                for c in session.scalars(select(ConsentRecord).where(
                    ConsentRecord.contact_id == contact.id).order_by(ConsentRecord.id))],
        })
    return out


# Erasers of derived data other areas keep about people are declared by each area with
# ``Wiring.eraser(name, fn)``: fn(session, the person's contacts) deletes its rows and
# returns how many; they run before the contacts and their responses are deleted (so they
# may join on them, or match ids kept in other forms, such as "u:<external id>" unit ids).

#: Tables erase_contacts deletes from itself; any *other* table with a ``contact_id`` or
#: ``response_id`` column is swept too, so a new table cannot keep an erased person.
_CORE_TABLES = {"contact", "response", "display", "event", "answer_annotation", "consent_record"}


def erase_consent_records(session: Session, contacts: list[Contact]) -> int:
    return session.execute(delete(ConsentRecord).where(
        ConsentRecord.contact_id.in_([c.id for c in contacts]))).rowcount or 0


def _sweep(session: Session, contact_ids: list[int], response_ids: list[int]) -> dict[str, int]:
    """Delete rows of every other table that point at these contacts or responses
    (segment memberships, experiment exposures, webhook deliveries, ...), by table."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in _CORE_TABLES:
            continue
        n = 0
        if "contact_id" in table.c and contact_ids:
            n += session.execute(delete(table).where(table.c.contact_id.in_(contact_ids))).rowcount or 0
        if "response_id" in table.c and response_ids:
            n += session.execute(delete(table).where(table.c.response_id.in_(response_ids))).rowcount or 0
        if n:
            counts[table.name.replace("_", " ") + " rows"] = n
    return counts


def erase_contact(session: Session, workspace: Workspace, external_id: str,
                  actor: User | None = None) -> dict[str, int]:
    """Delete a person's contact rows and everything that references them; returns counts.
    The caller commits. The audit entry keeps the count, never the id itself."""
    return erase_contacts(session, workspace, find_contacts(session, workspace, external_id),
                          actor, emails=[external_id])


def erase_contacts(session: Session, workspace: Workspace, contacts: list[Contact],
                   actor: User | None = None, via: str = "owner",
                   emails: Iterable[str] = ()) -> dict[str, int]:
    """Erase these contacts (of ``workspace``) and every row derived from them, and the
    contact-info answers holding their e-mail address (or one of ``emails``)."""
    from surveyapp.privacy.contact_answers import emails_of, erase_contact_answers

    addresses = emails_of(contacts, emails)  # (before the contacts are gone)
    erasers = registry().erasers  # what the areas declared with Wiring.eraser
    counts = {"contacts": 0, "responses": 0, "annotations": 0, "displays": 0, "events": 0,
              **{name: 0 for name in erasers}}
    ids = [c.id for c in contacts]
    if ids:
        for name, eraser in erasers.items():
            counts[name] += eraser(session, contacts)
        responses = list(session.scalars(select(Response.id).where(Response.contact_id.in_(ids))))
        counts.update(_sweep(session, ids, responses))
    for contact in contacts:
        response_ids = list(session.scalars(select(Response.id).where(Response.contact_id == contact.id)))
        if response_ids:
            counts["annotations"] += session.execute(delete(AnswerAnnotation).where(
                AnswerAnnotation.response_id.in_(response_ids))).rowcount or 0
        counts["responses"] += session.execute(
            delete(Response).where(Response.contact_id == contact.id)).rowcount or 0
        counts["displays"] += session.execute(
            delete(Display).where(Display.contact_id == contact.id)).rowcount or 0
        counts["events"] += session.execute(
            delete(Event).where(Event.contact_id == contact.id)).rowcount or 0
        session.delete(contact)
        counts["contacts"] += 1
    for name in erasers:  # other areas' erasers are reported only when they removed something
        if not counts.get(name):
            counts.pop(name, None)
    if answers := erase_contact_answers(session, workspace, addresses):
        counts["contact answers"] = answers
    audit(session, workspace, "contact.erased", actor, target="a contact (id not kept)",
          via=via, **counts)
    # Last, after the areas' follow-up work (which writes too): the write-ahead log's
    # copies of the deleted pages go into the (zeroed) database file and the log is emptied.
    engine = session.get_bind()
    derived.after_erasure(session, "checkpoint the SQLite log",
                          lambda: derived.sqlite_checkpoint(engine))
    return counts


def retention_days(workspace: Workspace) -> dict[str, int | None]:
    kept = (workspace.settings or {}).get("retention_days") or {}
    return {k: kept.get(k) for k in RETENTION_KEYS}


def set_retention(workspace: Workspace, responses: int | None, events: int | None) -> None:
    """Keep responses and events for so many days (None: until deleted); ``purge`` removes
    what is older."""
    # A new dict, so the JSON column sees the change.
    workspace.settings = {**(workspace.settings or {}),
                          "retention_days": {"responses": responses, "events": events}}


def purge(session: Session, workspace: Workspace, now: dt.datetime | None = None,
          actor: User | None = None) -> dict[str, int]:
    """Delete responses and events older than the workspace's retention periods."""
    now = now or utcnow()
    env_ids = [e.id for e in workspace.environments]
    days = retention_days(workspace)
    removed = {"responses": 0, "annotations": 0, "events": 0}
    if days["responses"] is not None and env_ids:
        cutoff = now - dt.timedelta(days=days["responses"])
        old = select(Response.id).where(Response.environment_id.in_(env_ids),
                                        Response.created_at < cutoff)
        removed["annotations"] = session.execute(delete(AnswerAnnotation).where(
            AnswerAnnotation.response_id.in_(old))).rowcount or 0
        from surveyapp.collect.uploads import delete_for_responses  # files of file questions

        files = delete_for_responses(session, [Response.environment_id.in_(env_ids),
                                               Response.created_at < cutoff])
        if files:
            removed["files"] = files
        removed["responses"] = session.execute(delete(Response).where(
            Response.environment_id.in_(env_ids), Response.created_at < cutoff)).rowcount or 0
    if days["events"] is not None and env_ids:
        cutoff = now - dt.timedelta(days=days["events"])
        removed["events"] = session.execute(delete(Event).where(
            Event.environment_id.in_(env_ids), Event.occurred_at < cutoff)).rowcount or 0
    if any(removed.values()):
        audit(session, workspace, "retention.purged", actor, **removed)
    return removed


def counts_for(session: Session, workspace: Workspace, external_id: str) -> dict[str, int]:
    ids = [c.id for c in find_contacts(session, workspace, external_id)]
    if not ids:
        return {}
    return {name: session.scalar(select(func.count()).select_from(model).where(
        model.contact_id.in_(ids))) or 0 for name, model in
        (("responses", Response), ("displays", Display), ("events", Event))}


# ----------------------------------------------------------------------------- settings, secrets
def surveys_of(session: Session, workspace: Workspace) -> list[Row[tuple[int, str]]]:
    """(id, name) of the workspace's surveys by name (what a bias audit can look at)."""
    return list(session.execute(select(Survey.id, Survey.name)
                                .where(Survey.workspace_id == workspace.id)
                                .order_by(Survey.name)).all())


def rotate_link_secret(session: Session, workspace: Workspace) -> None:
    """A new secret for self-service links: every link sent so far stops working."""
    keys = keys_for(session, workspace.id)
    keys.link_secret = new_secret()
    keys.rotated_at = utcnow()


def rotate_identity_secret(session: Session, workspace: Workspace) -> None:
    """A new secret for verifying the user ids (user_hash) the product's server signs."""
    keys = keys_for(session, workspace.id)
    keys.identity_secret = new_secret()
    keys.rotated_at = utcnow()


# ----------------------------------------------------------------------------- self-service
# The token (itsdangerous, signed with the workspace's ``link_secret``, expiring after
# LINK_DAYS) names one contact; holding it lets the person see, download and erase what is
# stored about them (surveyapp.privacy.selfservice).
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(session: Session, contact: Contact) -> str:
    workspace_id = contact.environment.workspace_id
    return _serializer(keys_for(session, workspace_id).link_secret).dumps([workspace_id, contact.id])


def read_token(session: Session, token: str) -> tuple[Workspace, list[Contact]]:
    """The workspace and the person's contacts (one per environment) the token names (none
    when the person was erased); InvalidLink when it is malformed, expired or withdrawn."""
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


def person_summary(session: Session, contacts: list[Contact]) -> dict[str, Any]:
    """What the self-service page shows of a person: attributes, responses, an events
    summary and whether they opted out (their consent records: privacy.consent)."""
    ids = [c.id for c in contacts]
    responses = session.scalars(select(Response).where(Response.contact_id.in_(ids))
                                .order_by(Response.created_at.desc())).all()
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
        "opted_out": all(c.consent == ConsentState.OPTED_OUT for c in contacts),
    }
