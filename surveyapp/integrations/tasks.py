"""What the worker runs for this area (registered by ``integrations.init_app``; beat
schedules them): check alert rules, queue outbound events, send what is due; the weekly
digest; the warehouse exports."""

from __future__ import annotations

from typing import Any

from surveyapp.extensions import db

from . import alerts, channels, ingest, outbound, warehouse

TICK = "surveyapp.integrations_tick"
DIGEST = "surveyapp.integrations_digest"
TICK_EVERY = 60.0  # seconds between rule checks and sends
DIGEST_EVERY = 3600.0  # an hourly look; each channel gets one digest per ISO week
EXPORT = "surveyapp.integrations_export"
EXPORT_EVERY = 600.0  # a look every 10 minutes; each export runs every its every_hours


def tick() -> dict[str, Any]:
    """Check the rules, queue the outbound events, then try every due delivery."""
    queued = alerts.evaluate_all(db.session)
    events = outbound.queue_all(db.session)
    db.session.commit()
    sent = channels.send_due(db.session)
    db.session.commit()
    return {"alerts": len(queued), "events": events, "sent": sent}


def weekly_digest() -> dict[str, Any]:
    """Hourly: queue the digests that are due (once per ISO week each) and send them; and
    forget Segment message ids past the deduplication window."""
    forgotten = ingest.forget_message_ids(db.session)
    queued = alerts.digest_all(db.session)
    db.session.commit()
    sent = channels.send_due(db.session)
    db.session.commit()
    return {"digests": len(queued), "sent": sent, "message_ids_forgotten": forgotten}


def export_due() -> dict[str, str]:
    """Run every warehouse export that is due; each commits on its own."""
    out = {}
    for export in warehouse.due(db.session):
        record = warehouse.run(db.session, export)
        db.session.commit()
        out[str(export.id)] = record.status
    return out
