"""Builders for personalization tests: a published slot, an API key."""

from __future__ import annotations

from typing import Any

from surveyapp.personalization import service
from surveyapp.workspaces import services as ws

SCHEMA = {"type": "object", "required": ["title"], "additionalProperties": False,
          "properties": {"title": {"type": "string", "maxLength": 60},
                         "link": {"type": "string"}}}


def tip_definition(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "schema": SCHEMA,
        "variants": {"basic": {"title": "Start with a survey"},
                     "export": {"title": "Export to your warehouse", "link": "/exports"},
                     "pricing": {"title": "Compare plans"}},
        "default": "basic",
        "rules": [{"if": [{"page": "/pricing"}], "then": "pricing"},
                  {"if": [{"event": "export", "days": 7}], "then": "export"},
                  {"if": [{"attribute": "plan", "op": "eq", "value": "pro"}], "then": "export"}],
        "holdout_percent": 0, "goal_event": "activated", "goal_window_hours": 168}
    d.update(over)
    return d


def published_slot(db: Any, workspace: Any, key: str = "onboarding_tip", **over: Any) -> Any:
    slot = service.create_slot(db.session, workspace, key=key, name="Onboarding tip")
    service.save_draft(db.session, slot, tip_definition(**over))
    service.publish(db.session, slot, None)
    db.session.commit()
    return slot


def api_headers(db: Any, team: Any) -> dict[str, str]:
    secret = ws.create_api_key(db.session, team.workspace, "tests", team.owner)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def written(seconds: float = 2.0) -> None:
    """Wait until the server API's queued exposures are in the database (the writer
    promises about 0.25 s; a test waits at most ``seconds``)."""
    import time

    from surveyapp.personalization import hot

    deadline = time.monotonic() + seconds
    while not hot.EXPOSURES.idle():
        assert time.monotonic() < deadline, "queued exposures were not written in time"
        time.sleep(0.02)
