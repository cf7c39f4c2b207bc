"""Data subject rights and retention: export everything stored about a contact, erase it
everywhere (derived data included), purge what is older than the workspace keeps, and
record each of these in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from surveyapp.models import (
    AnswerAnnotation,
    AuditEvent,
    Contact,
    Display,
    Event,
    Response,
    User,
    Workspace,
    utcnow,
)

RETENTION_KEYS = ("responses", "events")


def audit(session: Session, workspace: Workspace, action: str, actor: User | None = None,
          target: str = "", **details: Any) -> AuditEvent:
    entry = AuditEvent(workspace_id=workspace.id, actor_id=actor.id if actor else None,
                       action=action, target=target[:200], details=details)
    session.add(entry)
    return entry


def find_contacts(session: Session, workspace: Workspace, external_id: str) -> list[Contact]:
    """The contact with this external id in each of the workspace's environments."""
    env_ids = [e.id for e in workspace.environments]
    return list(session.scalars(select(Contact).where(Contact.environment_id.in_(env_ids),
                                                      Contact.external_id == external_id)))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def export_contact(session: Session, workspace: Workspace, external_id: str) -> dict[str, Any]:
    """Everything stored about one person, as plain JSON-ready data."""
    contacts = find_contacts(session, workspace, external_id)
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
        })
    return out


def erase_contact(session: Session, workspace: Workspace, external_id: str,
                  actor: User | None = None) -> dict[str, int]:
    """Delete a person's contact rows and everything that references them; returns counts.
    The caller commits. The audit entry keeps the count, never the id itself."""
    counts = {"contacts": 0, "responses": 0, "annotations": 0, "displays": 0, "events": 0}
    for contact in find_contacts(session, workspace, external_id):
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
    audit(session, workspace, "contact.erased", actor, target="a contact (id not kept)", **counts)
    return counts


def retention_days(workspace: Workspace) -> dict[str, int | None]:
    kept = (workspace.settings or {}).get("retention_days") or {}
    return {k: kept.get(k) for k in RETENTION_KEYS}


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
