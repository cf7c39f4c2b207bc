"""Sticky, deterministic assignment and idempotent exposures. Callers own the transaction.

The variant of a unit is a pure function of (experiment key, unit id): SHA-256 of both,
reduced to a bucket in 0..9999, mapped onto the cumulative allocation weights. Nothing
has to be stored for the assignment to be sticky; the server API, the widget and any
later re-computation agree. Changing weights while running moves people, so weights are
frozen once an experiment starts.

An experiment limited to a segment assigns only the segment's members (see
``surveyapp.experiments.audience``): anyone else, anonymous visitors included, gets no
variant and no exposure, with the reason ``not_in_segment``. A member who was exposed
keeps their variant even if a later segment run leaves them out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp.experiments.audience import is_member
from surveyapp.models import Contact, Environment, utcnow
from surveyapp.models.experiments import Experiment, ExperimentExposure, ExperimentStatus

BUCKETS = 10_000
NOT_IN_SEGMENT = "not_in_segment"


def unit_for(external_id: str | None, anonymous_id: str | None) -> str | None:
    """The unit an assignment is made for: the host's user id, else the widget's
    anonymous id (an anonymous visitor who later signs in may change variant)."""
    if external_id:
        return f"u:{external_id}"
    if anonymous_id:
        return f"a:{anonymous_id}"
    return None


def bucket(experiment_key: str, unit: str) -> int:
    digest = hashlib.sha256(f"{experiment_key}\x1f{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def variant_for(variants: list[dict[str, Any]], experiment_key: str, unit: str) -> str:
    """The variant key at the unit's bucket on the cumulative weights."""
    total = sum(float(v["weight"]) for v in variants)
    point = bucket(experiment_key, unit) / BUCKETS * total
    edge = 0.0
    for v in variants:
        edge += float(v["weight"])
        if point < edge:
            return str(v["key"])
    return str(variants[-1]["key"])


@dataclass(frozen=True)
class Assignment:
    experiment: str
    variant: str | None  # None: not running, or not in its segment (show the default experience)
    running: bool
    exposed: bool  # an exposure is stored (now or earlier)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"experiment": self.experiment, "variant": self.variant, "running": self.running,
                "exposed": self.exposed, **({"reason": self.reason} if self.reason else {})}


def find_running(session: Session, workspace_id: int, key: str) -> Experiment | None:
    return session.scalar(select(Experiment).where(Experiment.workspace_id == workspace_id,
                                                   Experiment.key == key))


def outside_segment(session: Session, experiment: Experiment, unit: str,
                    contact_ids: list[int]) -> Assignment | None:
    """The "not in this experiment" answer for someone outside its segment (``unit`` as
    stored; ``contact_ids``: the person's contacts, none when anonymous or unknown), or
    None when the experiment takes them: no segment limit, a member, or already exposed."""
    if experiment.status != ExperimentStatus.RUNNING or not experiment.segment_key:
        return None

    if is_member(session, experiment.workspace_id, experiment.segment_key, contact_ids):
        return None
    if _exposed(session, experiment, unit):
        return None
    return Assignment(experiment.key, None, True, False, NOT_IN_SEGMENT)


def assign(session: Session, experiment: Experiment, unit: str, contact: Contact | None,
           *, expose: bool, may_store: bool = True, reason: str | None = None,
           stored_unit: str | None = None, contact_ids: list[int] | None = None) -> Assignment:
    """The unit's variant; with ``expose`` the first exposure is stored (once: a unique
    key on (experiment, unit) makes retries and races harmless). A draft or stopped
    experiment assigns nobody: callers show the control experience. The variant comes
    from ``unit`` (the id as the product knows it); ``stored_unit`` is what is written
    (the keyed hash of the user id when the workspace stores ids hashed). A segment-limited
    experiment checks ``contact_ids`` (default: ``contact``) for membership first."""
    if experiment.status != ExperimentStatus.RUNNING:
        return Assignment(experiment.key, None, False, False, experiment.status.value)
    variant = variant_for(experiment.variants, experiment.key, unit)
    unit = stored_unit or unit
    if contact_ids is None:
        contact_ids = [contact.id] if contact is not None and contact.id else []
    refused = outside_segment(session, experiment, unit, contact_ids)
    if refused is not None:
        return refused
    if not expose:
        return Assignment(experiment.key, variant, True, _exposed(session, experiment, unit))
    if not may_store:
        return Assignment(experiment.key, variant, True, False, reason)
    if _exposed(session, experiment, unit):
        return Assignment(experiment.key, variant, True, True)
    try:
        with session.begin_nested():
            session.add(ExperimentExposure(experiment_id=experiment.id, unit_id=unit[:300],
                                           contact_id=contact.id if contact else None,
                                           variant=variant, exposed_at=utcnow()))
    except IntegrityError:  # stored concurrently by another request: still once
        pass
    return Assignment(experiment.key, variant, True, True)


def _exposed(session: Session, experiment: Experiment, unit: str) -> bool:
    return session.scalar(select(ExperimentExposure.id).where(
        ExperimentExposure.experiment_id == experiment.id,
        ExperimentExposure.unit_id == unit[:300])) is not None


def erase_exposures_by_user_id(session: Session, contacts: list[Contact]) -> int:
    """Erasure reaches exposures recorded before the person was a contact (the server API
    with an unknown user), which point at them only through ``unit_id``."""
    removed = 0
    for contact in contacts:
        workspace_id = session.scalar(select(Environment.workspace_id)
                                      .where(Environment.id == contact.environment_id))
        experiments = select(Experiment.id).where(Experiment.workspace_id == workspace_id)
        removed += session.execute(delete(ExperimentExposure).where(
            ExperimentExposure.experiment_id.in_(experiments),
            ExperimentExposure.unit_id == f"u:{contact.external_id}"[:300])).rowcount or 0
    return removed
