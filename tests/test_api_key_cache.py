"""The verified-key cache of the server API (surveyapp.platform.apikeys): a key's last use
is written at most once a minute, a revocation through the app stops the key at once, one
made elsewhere (another process, SQL) within the cache's bounded lifetime."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from surveyapp.models import ApiKey, utcnow
from surveyapp.platform import apikeys
from surveyapp.workspaces import services


def new_key(db, team) -> dict[str, str]:
    secret = services.create_api_key(db.session, team.workspace, "tests", team.owner)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def last_used(db) -> dt.datetime | None:
    db.session.expire_all()
    return db.session.scalar(select(ApiKey.last_used_at))


def test_last_use_is_written_at_most_once_a_minute(db, client, team, monkeypatch):
    auth = new_key(db, team)
    assert last_used(db) is None
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    first = last_used(db)
    assert first is not None
    for _ in range(3):
        assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    assert last_used(db) == first  # not rewritten on every request
    monkeypatch.setattr(apikeys, "LAST_USE_EVERY", dt.timedelta(seconds=0.2))
    time.sleep(0.3)
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    assert last_used(db) > first


def test_a_key_revoked_in_the_app_stops_at_once(db, client, team):
    auth = new_key(db, team)
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    key = db.session.scalar(select(ApiKey))
    assert services.revoke_api_key(key)
    db.session.commit()
    resp = client.get("/api/v1/workspace", headers=auth)
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (401, "invalid_api_key")


def test_a_key_revoked_elsewhere_stops_within_the_cache_lifetime(db, client, team, monkeypatch):
    monkeypatch.setattr(apikeys, "KEY_CACHE_SECONDS", 0.5)
    auth = new_key(db, team)
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    # Another server process revokes it: this process's cache does not hear of it...
    db.session.execute(update(ApiKey).values(revoked_at=utcnow()))
    db.session.commit()
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    time.sleep(0.6)  # ...until its entry expires
    assert client.get("/api/v1/workspace", headers=auth).status_code == 401
    # Deleting the workspace (its keys go with it) stops the key too.
    auth = new_key(db, team)
    assert client.get("/api/v1/workspace", headers=auth).status_code == 200
    db.session.delete(team.workspace)
    db.session.commit()
    assert client.get("/api/v1/workspace", headers=auth).status_code == 401
