"""Consent notices (versioned text) and consent records (each decision, as a row).

The collection API calls :func:`record` when the widget reports a decision, the
self-service page when a person turns tracking off. Callers own the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, User, Workspace
from surveyapp.models.consent import ConsentNotice, ConsentRecord
from surveyapp.privacy.service import audit

SOURCES = ("widget", "self_service", "api")
MAX_NOTICE = 4000


def current_notice(session: Session, workspace_id: int) -> ConsentNotice | None:
    return session.scalar(select(ConsentNotice).where(ConsentNotice.workspace_id == workspace_id)
                          .order_by(ConsentNotice.version.desc()).limit(1))


def notice_document(session: Session, workspace_id: int) -> dict[str, Any] | None:
    """What the widget's config carries: the text to show and its version (or None)."""
    notice = current_notice(session, workspace_id)
    return {"version": notice.version, "text": notice.text} if notice else None


def save_notice(session: Session, workspace: Workspace, text: str,
                actor: User | None = None) -> tuple[ConsentNotice | None, bool]:
    """Store ``text`` as the workspace's notice. A new version is created only when the
    text differs from the current one (records keep pointing at what people saw).
    Returns (current notice, whether a version was created)."""
    text = text.strip()
    current = current_notice(session, workspace.id)
    if current is not None and current.text == text:
        return current, False
    if not text:
        return current, False
    number = (session.scalar(select(func.max(ConsentNotice.version))
                             .where(ConsentNotice.workspace_id == workspace.id)) or 0) + 1
    notice = ConsentNotice(workspace_id=workspace.id, version=number, text=text,
                           created_by_id=actor.id if actor else None)
    session.add(notice)
    session.flush()

    audit(session, workspace, "consent_notice.changed", actor, target=f"version {number}",
          version=number)
    return notice, True


def notice_by_version(session: Session, workspace_id: int, version: int) -> ConsentNotice | None:
    return session.scalar(select(ConsentNotice).where(ConsentNotice.workspace_id == workspace_id,
                                                      ConsentNotice.version == version))


def record(session: Session, contact: Contact, granted: bool, source: str,
           notice: ConsentNotice | None = None) -> ConsentRecord:
    """Keep one consent decision. ``notice``: the version the person was shown, if known."""
    assert source in SOURCES
    row = ConsentRecord(environment_id=contact.environment_id, contact_id=contact.id,
                        notice_id=notice.id if notice else None, granted=granted, source=source)
    session.add(row)
    return row


def records_for(session: Session, contact_ids: list[int]) -> list[ConsentRecord]:
    if not contact_ids:
        return []
    return list(session.scalars(select(ConsentRecord).where(
        ConsentRecord.contact_id.in_(contact_ids)).order_by(ConsentRecord.id)))


def notices(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """Every version with how many decisions were recorded against it (newest first)."""
    rows = session.execute(
        select(ConsentNotice, func.count(ConsentRecord.id),
               func.count(ConsentRecord.id).filter(ConsentRecord.granted.is_(True)))
        .outerjoin(ConsentRecord, ConsentRecord.notice_id == ConsentNotice.id)
        .where(ConsentNotice.workspace_id == workspace_id)
        .group_by(ConsentNotice.id).order_by(ConsentNotice.version.desc())).all()
    return [{"notice": n, "decisions": d, "granted": g} for n, d, g in rows]
