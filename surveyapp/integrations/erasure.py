"""Erasing a person from this area's copies (run by privacy's erasure, through Wiring).

Alerts quote detractors' answers and outbound events carry a response's answers and the
person's id: when a person is erased, the alerts that quoted them lose those quotes (the
log entry stays, saying so), and the outbound events about their responses are deleted
(a pending one is never sent). Aliases go with the contact (a foreign key cascade)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response
from surveyapp.models.integrations import Delivery

ERASED = "(removed: the person who answered was erased)"


def erase_deliveries(session: Session, contacts: list[Contact]) -> int:
    ids = set(session.scalars(select(Response.id).where(
        Response.contact_id.in_([c.id for c in contacts]))))
    if not ids:
        return 0
    result = session.execute(delete(Delivery).where(
        Delivery.event == "response.finished",
        Delivery.dedup_key.in_([f"response:{i}" for i in ids])))
    removed = int(getattr(result, "rowcount", 0) or 0)
    for delivery in session.scalars(select(Delivery).where(Delivery.event == "alert.detractor")):
        quoted = set(delivery.payload.get("response_ids") or ())
        if quoted & ids:
            delivery.payload = {**delivery.payload, "fields": [["", ERASED]],
                                "response_ids": sorted(quoted - ids)}
            removed += 1
    return removed
