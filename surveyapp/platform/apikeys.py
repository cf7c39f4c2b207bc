"""The server API's authentication (a workspace's secret key) and JSON body parsing,
shared by every area with key-authenticated endpoints.

A verified key is kept for ``KEY_CACHE_SECONDS`` in the process (by its hash), so a busy
server does not look it up on every request, and its last use is written at most once a
``LAST_USE_EVERY`` (not on every request). Revoking or deleting a key through the ORM
forgets it in that process at once; other processes stop taking it within
``KEY_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from flask import g, request
from sqlalchemy import event, update
from sqlalchemy.orm import Session, scoped_session

from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.models import ApiKey, Workspace, hash_token, utcnow
from surveyapp.platform.inputs import strict_loads
from surveyapp.workspaces.services import authenticate_api_key

KEY_CACHE_SECONDS = 10.0
KEY_CACHE_SIZE = 10_000
LAST_USE_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class VerifiedKey:
    """What a view may know of the key that authenticated the request (``g.api_key``)."""

    id: int
    name: str
    prefix: str
    workspace_id: int


_lock = threading.Lock()
# key hash -> (valid until (monotonic), the key, when its last use was written (monotonic))
_verified: dict[str, tuple[float, VerifiedKey, float]] = {}


def forget_key(key_hash: str) -> None:
    with _lock:
        _verified.pop(key_hash, None)


@event.listens_for(ApiKey.revoked_at, "set")
def _revoked(target: ApiKey, value: Any, _old: Any, _initiator: Any) -> None:
    if value is not None and target.key_hash:
        forget_key(target.key_hash)


@event.listens_for(ApiKey, "after_delete")
def _deleted(_mapper: Any, _connection: Any, target: ApiKey) -> None:
    forget_key(target.key_hash)


def _verify(secret: str, load_workspace: bool = True) -> tuple[VerifiedKey, Workspace | None] | None:
    """The key and its workspace: from the cache, else the database (and remembered).
    ``load_workspace=False``: the workspace row is not read on a cache hit (None)."""
    digest, now = hash_token(secret), time.monotonic()
    with _lock:
        entry = _verified.get(digest)
    if entry is not None and entry[0] > now:
        workspace = db.session.get(Workspace, entry[1].workspace_id) if load_workspace else None
        if workspace is None and load_workspace:  # deleted with its keys
            forget_key(digest)
            return None
        if now - entry[2] >= LAST_USE_EVERY.total_seconds():
            db.session.execute(update(ApiKey).where(ApiKey.id == entry[1].id)
                               .values(last_used_at=utcnow()))
            with _lock:
                _verified[digest] = (entry[0], entry[1], now)
        return entry[1], workspace
    row = authenticate_api_key(db.session, secret)
    if row is None:
        forget_key(digest)
        return None
    last, every = row.last_used_at, LAST_USE_EVERY.total_seconds()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    age = every if last is None else (utcnow() - last).total_seconds()
    if age >= every:
        row.last_used_at, age = utcnow(), 0.0
    written = now - age
    key = VerifiedKey(row.id, row.name, row.prefix, row.workspace_id)
    with _lock:
        if len(_verified) >= KEY_CACHE_SIZE:
            _verified.clear()
        _verified[digest] = (now + KEY_CACHE_SECONDS, key, written)
    return key, (row.workspace if load_workspace else None)


def api_key_required(view: Any, *, load_workspace: bool = True) -> Any:
    """The view runs with ``g.api_key`` and ``g.workspace`` (the ORM row) set.
    ``load_workspace=False`` (a hot path that needs only the id): ``g.workspace`` is None
    while the key is cached, and ``g.workspace_id`` is always set; a workspace deleted
    meanwhile is noticed when the key's cache entry runs out (``KEY_CACHE_SECONDS``)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "unauthorized",
                           "Send your API key as 'Authorization: Bearer sk_...'.",
                           headers={"WWW-Authenticate": "Bearer"})
        verified = _verify(secret.strip(), load_workspace)
        if verified is None:
            raise ApiError(401, "invalid_api_key", "This API key is unknown or revoked.",
                           headers={"WWW-Authenticate": "Bearer"})
        g.api_key, g.workspace = verified
        g.workspace_id = verified[0].workspace_id
        response = view(*args, **kwargs)
        # The key's last use, when due (reading views write nothing else). A request that
        # never touched the session (every answer from the caches) has nothing to commit:
        # the session begins a transaction on its first statement or added object.
        if cast("scoped_session[Session]", db.session)().in_transaction():
            db.session.commit()
        return response

    return wrapper


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body with "
                       "'Content-Type: application/json'.")
    try:
        data = strict_loads(request.get_data(cache=True))
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}.",
                       {"": str(exc)}) from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", "The JSON body must be an object.")
    return data
