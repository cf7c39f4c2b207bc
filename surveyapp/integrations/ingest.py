"""Storing Segment-spec messages in the event and contact store. Callers own the transaction.

Every message goes through the same rules as the widget's own calls (collect.service):
the workspace's consent mode and a person's refusal decide whether tracking is stored,
contacts are created and found by the product's user id (in its stored form), events
land in ``event``. What this adds:

- ``messageId`` deduplication for every kind (``IngestedMessage``): a client retrying a
  batch after a timeout stores nothing twice;
- ``anonymousId``: a contact ``anon:<id>`` until the person is identified, then merged
  (``identity``);
- ``page``/``screen`` as ``$page``/``$screen`` events, ``identify`` traits as contact
  attributes, ``group`` as ``group_id`` and ``group.<trait>`` attributes.

A batch stores what is valid and answers, per message that is not, its index, its
``messageId`` and what is wrong: one bad message never costs the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveyapp.collect import service as collect
from surveyapp.collect.cache import EnvironmentInfo
from surveyapp.models import Contact, Event, utcnow
from surveyapp.models.integrations import IngestedMessage

from . import identity
from .errors import IntegrationInvalid
from .spec import Message, parse

#: Segment-spec messages come from the customer's servers or their Segment workspace:
#: no Do-Not-Track header applies; stored consent and the consent mode still do.
PRIVACY = collect.Privacy()
#: How long a messageId is remembered: a retry within this window is not stored again.
KEEP_MESSAGE_IDS_DAYS = 30
DUPLICATE = "duplicate"  # _store's answer for an event already stored


@dataclass
class Outcome:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    not_stored: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"success": True, "received": self.received, "stored": self.stored,
                "duplicates": self.duplicates, "not_stored": self.not_stored,
                "rejected": self.rejected}


def forget_message_ids(session: Session, days: int = KEEP_MESSAGE_IDS_DAYS) -> int:
    """Drop message ids older than ``days`` (the deduplication window): the table would
    otherwise grow with every message ever received."""
    cutoff = utcnow() - dt.timedelta(days=days)
    result = session.execute(delete(IngestedMessage).where(IngestedMessage.received_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def _insert_new(session: Session, table: Table, row: dict[str, Any], keys: list[str]) -> bool:
    """INSERT unless a row with the same ``keys`` exists; True when inserted. The
    statement is built once per table and its values passed as parameters, so its
    compiled form is reused (building it with the values compiled it every time)."""
    dialect = session.get_bind().dialect.name
    cache_key = (dialect, table.name, tuple(keys))
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _STATEMENTS[cache_key] = insert(table).on_conflict_do_nothing(
            index_elements=keys).returning(table.c.id)
    return session.connection().execute(stmt, row).first() is not None


def event_client_id(message_id: str) -> str:
    """The event's dedup key: derived from the messageId, so it never collides with the
    widget's own client ids and always fits the column."""
    return "seg_" + hashlib.sha256(message_id.encode()).hexdigest()[:48]


def _claim(session: Session, env: EnvironmentInfo, msg: Message) -> bool:
    """Record the messageId; False when it was seen before (the message is a retry)."""
    if msg.message_id is None:
        return True
    return _insert_new(session, IngestedMessage.__table__,  # type: ignore[arg-type]
                       {"environment_id": env.id, "message_id": msg.message_id,
                        "kind": msg.kind, "received_at": utcnow()},
                       ["environment_id", "message_id"])


def ingest(session: Session, env: EnvironmentInfo, items: list[Any],
           kind: str | None = None) -> Outcome:
    """Store ``items`` (messages in order: an identify before a track applies to it)."""
    out = Outcome(received=len(items))
    now = utcnow()
    batch = _Batch()
    for index, item in enumerate(items):
        try:
            msg = parse(item, kind, now)
        except IntegrationInvalid as exc:
            message_id = item.get("messageId") if isinstance(item, dict) else None
            out.rejected.append({"index": index, "messageId": message_id if isinstance(
                message_id, str) else None, "fields": exc.fields})
            continue
        if not _claim(session, env, msg):
            out.duplicates += 1
            continue
        reason = _store(session, env, msg, batch)
        if reason is None:
            out.stored += 1
        elif reason == DUPLICATE:
            out.duplicates += 1
        else:
            out.not_stored[reason] = out.not_stored.get(reason, 0) + 1
    batch.write_seen(session)
    return out


@dataclass
class _Batch:
    """What one request's messages share: who their ids mean (a batch is often a few
    people), and when each contact was last seen (written once, at the end: an UPDATE
    per message would be flushed before every next look-up)."""

    contacts: dict[tuple[str | None, str | None], Contact] = field(default_factory=dict)
    seen: dict[int, tuple[Contact, dt.datetime]] = field(default_factory=dict)

    def touch(self, contact: Contact, when: dt.datetime) -> None:
        previous = self.seen.get(id(contact))
        self.seen[id(contact)] = (contact, max(previous[1], when) if previous else when)

    def write_seen(self, session: Session) -> None:
        for contact, when in self.seen.values():
            if contact in session and (contact.last_seen_at is None or when > contact.last_seen_at):
                contact.last_seen_at = when


def _store(session: Session, env: EnvironmentInfo, msg: Message, batch: _Batch) -> str | None:
    """Store one message; None, DUPLICATE, or why it may not be stored (consent)."""
    contacts = batch.contacts
    key = (msg.user_id, msg.anonymous_id)
    contact = contacts.get(key)
    if contact is None:
        existing = identity.find_for(session, env, msg.user_id, msg.anonymous_id)
        reason = collect.may_store(env, "tracking", PRIVACY, existing)
        if reason is not None:
            return reason
        if msg.user_id is not None and msg.anonymous_id is not None:
            contacts.clear()  # a merge may remove a contact remembered under another key
            contact = identity.resolve(session, env, msg.user_id, msg.anonymous_id)
        else:  # one id: the contact found is the one (created when there is none)
            contact = existing or identity.resolve(session, env, msg.user_id, msg.anonymous_id)
        contacts[key] = contact
    else:
        reason = collect.may_store(env, "tracking", PRIVACY, contact)
        if reason is not None:
            return reason
    if msg.kind == "alias":
        assert msg.previous_id is not None
        contacts.clear()
        identity.link(session, env, msg.previous_id, contact)
        identity.link(session, env, identity.anonymous_key(msg.previous_id), contact)
    elif msg.kind in ("track", "page", "screen"):
        if not _event(session, env, msg, contact):
            return DUPLICATE
    elif msg.kind == "identify":
        contact.attributes = {**(contact.attributes or {}), **msg.traits}
    elif msg.kind == "group":
        group = {"group_id": msg.group_id, **{f"group.{k}"[:64]: v for k, v in msg.traits.items()}}
        contact.attributes = {**(contact.attributes or {}), **group}
    batch.touch(contact, msg.timestamp)
    return None


def _event(session: Session, env: EnvironmentInfo, msg: Message, contact: Contact) -> bool:
    """Insert the event; False when it is already there (its messageId's event id)."""
    if contact.id is None:
        session.flush()  # a new contact needs its id
    assert msg.event is not None
    row = {"environment_id": env.id, "contact_id": contact.id, "name": msg.event,
           "properties": msg.properties, "occurred_at": msg.timestamp,
           "session_id": msg.session_id, "received_at": utcnow(),
           "client_id": event_client_id(msg.message_id) if msg.message_id else None}
    table: Table = Event.__table__  # type: ignore[assignment]
    if row["client_id"] is None:
        session.connection().execute(table.insert(), row)
        return True
    return _insert_new(session, table, row, ["environment_id", "client_id"])
