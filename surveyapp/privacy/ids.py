"""Contact ids: keyed hashes in storage (an option), pseudonyms in exports (the default).

Once an owner turns on hashing, ``contact.external_id`` holds ``h:`` + HMAC-SHA256 of the
product's user id under a per-workspace key, so a leaked database does not name people.
Every place that looks a person up by id -- the collection API, the owner's privacy
tools, the CLI -- goes through :func:`stored_external_id`, so the same id always finds
the same row. Pseudonyms (:func:`pseudonymiser`) are shorter keyed hashes for exports and
analysis datasets: stable within a workspace, useless for joining with other data.

The collection API calls this on every write, so the workspace's key is kept in a small
per-process cache (like ``collect.cache``), cleared whenever a ``PrivacyKeys`` row changes.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Workspace, utcnow
from surveyapp.models.consent import PrivacyKeys, new_secret

HASH_PREFIX = "h:"
PSEUDONYM_PREFIX = "p_"
TTL = 5.0

_lock = threading.Lock()
_keys: dict[tuple[object, int], tuple[float, str | None]] = {}


def keys_for(session: Session, workspace_id: int) -> PrivacyKeys:
    """The workspace's privacy keys, created on first use."""
    keys = session.scalar(select(PrivacyKeys).where(PrivacyKeys.workspace_id == workspace_id))
    if keys is None:
        keys = PrivacyKeys(workspace_id=workspace_id, link_secret=new_secret(),
                           identity_secret=new_secret())
        session.add(keys)
        session.flush()
    return keys


def _hash_key(session: Session, workspace_id: int) -> str | None:
    cache_key = (session.get_bind().url, workspace_id)
    now = time.monotonic()
    hit = _keys.get(cache_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    key = session.scalar(select(PrivacyKeys.id_hash_key)
                         .where(PrivacyKeys.workspace_id == workspace_id))
    with _lock:
        if len(_keys) > 10_000:
            _keys.clear()
        _keys[cache_key] = (now + TTL, key)
    return key


def hash_with(key: str, external_id: str) -> str:
    return HASH_PREFIX + hmac.new(key.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def stored_external_id(session: Session, workspace_id: int, external_id: str) -> str:
    """What ``contact.external_id`` holds for this product user id in this workspace."""
    key = _hash_key(session, workspace_id)
    return hash_with(key, external_id) if key else external_id


def hashing_enabled(session: Session, workspace_id: int) -> bool:
    return _hash_key(session, workspace_id) is not None


def enable_hashing(session: Session, workspace: Workspace) -> int:
    """Turn on hashed ids and hash the ids already stored; returns how many were hashed.
    One way: the originals are gone afterwards, so it cannot be turned off."""
    keys = keys_for(session, workspace.id)
    if keys.id_hash_key:
        return 0
    keys.id_hash_key = new_secret()
    env_ids = [e.id for e in workspace.environments]
    rows = session.execute(select(Contact.id, Contact.external_id).where(
        Contact.environment_id.in_(env_ids),
        Contact.external_id.not_like(HASH_PREFIX + "%"))).all() if env_ids else []
    if rows:
        session.execute(update(Contact), [
            {"id": cid, "external_id": hash_with(keys.id_hash_key, ext)} for cid, ext in rows])
    keys.rotated_at = utcnow()
    session.flush()
    clear_cache()
    return len(rows)


def pseudonymiser(workspace_id: int) -> Callable[[str | None], str]:
    """A function mapping a stored external id to a stable pseudonym for exports and
    analysis datasets (``p_`` + 16 hex digits), keyed per workspace (derived from the
    app's secret key, so pseudonyms change if that key is rotated)."""
    from flask import current_app

    secret = hmac.new(current_app.config["SECRET_KEY"].encode(),
                      f"pseudonyms:{workspace_id}".encode(), hashlib.sha256).digest()

    def pseudonym(external_id: str | None) -> str:
        if not external_id:
            return ""
        digest = hmac.new(secret, b"pseudonym:" + external_id.encode(), hashlib.sha256)
        return PSEUDONYM_PREFIX + digest.hexdigest()[:16]

    return pseudonym


def clear_cache() -> None:
    with _lock:
        _keys.clear()


def invalidate(session: Session, _context: object) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PrivacyKeys):
            clear_cache()
            session.info["privacy_keys_dirty"] = True
            return


def invalidate_committed(session: Session) -> None:
    if session.info.pop("privacy_keys_dirty", False):
        clear_cache()
