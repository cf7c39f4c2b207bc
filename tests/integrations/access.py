"""Access-test hooks (tests/test_access.py): one channel, alert rule, delivery and warehouse
export per workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.integrations import AlertRule, Channel, Delivery, WarehouseExport

# /integrations/<any(channel, rule, export):kind>/<int:object_id>/<any(pause, resume):action>
# is tested on the channel.
ID_ARGS = {"channel_id", "rule_id", "delivery_id", "export_id", "kind", "object_id", "action"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    ws = team.workspace
    channel = Channel(workspace_id=ws.id, kind="webhook", name=f"Hook {ws.slug}",
                      config={"url": "https://hooks.example/x"})
    db.session.add(channel)
    db.session.flush()
    rule = AlertRule(workspace_id=ws.id, channel_id=channel.id, kind="detractor",
                     name=f"Detractors {ws.slug}", params={})
    db.session.add(rule)
    db.session.flush()
    delivery = Delivery(workspace_id=ws.id, channel_id=channel.id, rule_id=rule.id,
                        event="alert.detractor", dedup_key=f"k-{ws.slug}", payload={},
                        status="failed")
    export = WarehouseExport(workspace_id=ws.id, destination="directory",
                             location=f"/tmp/never-written-{ws.slug}", config={})
    db.session.add_all([delivery, export])
    db.session.flush()
    return {"channel_id": channel.id, "rule_id": rule.id, "delivery_id": delivery.id,
            "export_id": export.id, "kind": "channel", "object_id": channel.id, "action": "pause"}


def snapshot(db) -> dict[str, Any]:
    return {
        "channels": sorted((c.id, c.name, c.active) for c in db.session.scalars(select(Channel))),
        "rules": sorted((r.id, r.name, r.active) for r in db.session.scalars(select(AlertRule))),
        "deliveries": sorted((d.id, d.status, d.attempts)
                             for d in db.session.scalars(select(Delivery))),
        "exports": sorted((e.id, e.active, str(e.last_run_at))
                          for e in db.session.scalars(select(WarehouseExport))),
    }
