"""What the worker runs to keep the Parquet copy of the events current (plain functions;
the experiments area makes them Celery tasks and schedules them on beat)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from surveyapp.events import store as st
from surveyapp.extensions import db

SYNC = "surveyapp.events.sync"
VERIFY = "surveyapp.events.verify"
SYNC_EVERY = 30.0  # seconds: new events reach the copy within about this long
VERIFY_EVERY = 900.0  # seconds: deletes and filled-in session ids within about this long


def sync_events() -> dict[str, Any]:
    """Append the new events to the copy (a busy copy is left to the next run)."""
    try:
        result = st.sync(db.session, st.store_of_app(), wait=False)
    except st.StoreBusy:
        return {"busy": True}
    finally:
        db.session.rollback()  # it only read
    return asdict(result)


def verify_events() -> dict[str, Any]:
    """Repair the buckets whose counts differ from the database's, then sync."""
    try:
        return asdict(st.verify(db.session, st.store_of_app()))
    finally:
        db.session.rollback()
