"""Who a Segment-spec message is about: ``userId``, ``anonymousId`` and ``alias``.

A visitor who is not signed in has a contact of their own, ``anon:<anonymousId>``; events
and answers are kept on it. When a message carries both ids (an ``identify`` after
sign-in, typically) or an ``alias`` links an earlier id to a user id, that contact is
**merged** into the user's: its events, responses, displays, consent records and the rest
move over (every table with a foreign key to ``contact``, found from the models), its
attributes fill the gaps in the user's, and a ``ContactAlias`` row remembers the old id,
so a late message still carrying only the anonymous id lands on the user. Ids are looked
up in their stored form (a keyed hash when the workspace hashes ids).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, UniqueConstraint, and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp.collect import service as collect
from surveyapp.collect.cache import EnvironmentInfo
from surveyapp.models import Base, ConsentState, Contact
from surveyapp.models.integrations import ContactAlias
from surveyapp.privacy.ids import stored_external_id

from .spec import ANONYMOUS_PREFIX


def anonymous_key(anonymous_id: str) -> str:
    return ANONYMOUS_PREFIX + anonymous_id


def _aliased(session: Session, env: EnvironmentInfo, external_id: str) -> Contact | None:
    stored = stored_external_id(session, env.workspace.id, external_id)
    contact_id = session.scalar(select(ContactAlias.contact_id).where(
        ContactAlias.environment_id == env.id, ContactAlias.alias == stored))
    return session.get(Contact, contact_id) if contact_id is not None else None


def find(session: Session, env: EnvironmentInfo, external_id: str) -> Contact | None:
    """The contact an id means now: its own, or the one it was merged into."""
    return collect.find_contact(session, env, external_id) or _aliased(session, env, external_id)


def find_for(session: Session, env: EnvironmentInfo, user_id: str | None,
             anonymous_id: str | None) -> Contact | None:
    if user_id is not None:
        return find(session, env, user_id)
    if anonymous_id is not None:
        return find(session, env, anonymous_key(anonymous_id))
    return None


def resolve(session: Session, env: EnvironmentInfo, user_id: str | None,
            anonymous_id: str | None) -> Contact:
    """The contact to store a message on, created if new; merges the anonymous contact
    into the user's when the message names both."""
    if user_id is None:
        assert anonymous_id is not None
        key = anonymous_key(anonymous_id)
        return find(session, env, key) or collect.get_or_create_contact(session, env, key)
    contact = find(session, env, user_id) or collect.get_or_create_contact(session, env, user_id)
    if anonymous_id is not None:
        link(session, env, anonymous_key(anonymous_id), contact)
    return contact


def link(session: Session, env: EnvironmentInfo, other_id: str, contact: Contact) -> int:
    """``other_id`` means ``contact`` from now on; its own contact, if any, is merged in.
    Returns the rows moved."""
    moved = 0
    other = collect.find_contact(session, env, other_id)
    if other is not None and other.id != contact.id:
        moved = merge(session, other, contact)
    stored = stored_external_id(session, env.workspace.id, other_id)
    if stored == contact.external_id:
        return moved
    existing = session.scalar(select(ContactAlias).where(
        ContactAlias.environment_id == env.id, ContactAlias.alias == stored))
    if existing is None:
        try:
            with session.begin_nested():
                session.add(ContactAlias(environment_id=env.id, alias=stored, contact_id=contact.id))
        except IntegrityError:  # linked concurrently: the first link stands
            pass
    return moved


def _conflicts(table: Table, column: str) -> list[list[str]]:
    """The other columns of each unique constraint ``column`` is part of."""
    groups = [[c.name for c in u.columns] for u in table.constraints
              if isinstance(u, UniqueConstraint) and column in u.columns]
    groups += [[c.name for c in i.columns] for i in table.indexes
               if i.unique and column in i.columns]
    return [[name for name in g if name != column] for g in groups]


def merge(session: Session, source: Contact, target: Contact) -> int:
    """Move everything of ``source`` onto ``target`` and delete ``source``. Rows that
    would break a unique rule (a segment membership both have) stay with ``source`` and
    go with it."""
    target.attributes = {**(source.attributes or {}), **(target.attributes or {})}
    if target.consent == ConsentState.UNKNOWN and source.consent != ConsentState.UNKNOWN:
        target.consent, target.consent_updated_at = source.consent, source.consent_updated_at
    if source.last_seen_at and (target.last_seen_at is None or source.last_seen_at > target.last_seen_at):
        target.last_seen_at = source.last_seen_at
    stored, environment_id, source_id = source.external_id, source.environment_id, source.id
    session.flush()
    moved = 0
    for table in Base.metadata.sorted_tables:
        if table.name == "contact":
            continue
        for column in table.columns:
            if not any(fk.column.table.name == "contact" and fk.column.name == "id"
                       for fk in column.foreign_keys):
                continue
            for others in _conflicts(table, column.name):
                twin = table.alias()
                same: list[ColumnElement[bool]] = [twin.c[o] == table.c[o] for o in others]
                session.execute(delete(table).where(
                    column == source_id,
                    exists().where(and_(twin.c[column.name] == target.id, *same))))
            result = session.execute(update(table).where(column == source_id)
                                     .values({column.name: target.id}))
            moved += int(getattr(result, "rowcount", 0) or 0)
    session.expunge(source)
    session.execute(delete(Contact).where(Contact.id == source_id))
    session.expire_all()  # loaded rows may still name the merged contact
    session.add(ContactAlias(environment_id=environment_id, alias=stored, contact_id=target.id))
    session.flush()
    return moved
