"""Privacy pages name no new objects in their URLs; snapshot their tables for test_access."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.consent import ConsentNotice, ConsentRecord, PrivacyKeys

ID_ARGS: set[str] = set()


def make_objects(db, team, ids) -> dict[str, Any]:
    return {}


def snapshot(db) -> dict[str, Any]:
    return {
        "consent_notices": sorted((n.workspace_id, n.version, n.text)
                                  for n in db.session.scalars(select(ConsentNotice))),
        "consent_records": len(db.session.scalars(select(ConsentRecord.id)).all()),
        "privacy_keys": sorted((k.workspace_id, k.link_secret, k.identity_secret, str(k.id_hash_key))
                               for k in db.session.scalars(select(PrivacyKeys))),
    }
