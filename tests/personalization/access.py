"""Access-test hooks (tests/test_access.py): one personalization slot per workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.personalization import Slot, SlotVersion
from surveyapp.personalization import service

ID_ARGS = {"slot_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    slot = service.create_slot(db.session, team.workspace, key=f"tip_{team.workspace.slug}",
                               name="Onboarding tip")
    db.session.flush()
    return {"slot_id": slot.id}


def snapshot(db) -> dict[str, Any]:
    return {
        "slots": sorted((s.id, s.name, str(s.draft), str(s.live_version))
                        for s in db.session.scalars(select(Slot))),
        "slot_versions": sorted(v.id for v in db.session.scalars(select(SlotVersion))),
    }
