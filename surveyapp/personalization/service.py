"""Slots: create, edit the draft, publish an immutable version. Takes a session, never commits."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.errors import Conflict, Invalid, NotFound
from surveyapp.models import User, Workspace
from surveyapp.models.personalization import Slot, SlotExposure, SlotVersion
from surveyapp.models.segments import Persona, Segment, SegmentRun
from surveyapp.personalization import prediction, rules


class SlotInvalid(Invalid):
    pass


class SlotConflict(Conflict):
    pass


class SlotNotFound(NotFound):
    pass


STARTER = {
    "schema": {"type": "object", "required": ["title"], "additionalProperties": False,
               "properties": {"title": {"type": "string", "maxLength": 120},
                              "body": {"type": "string", "maxLength": 1000},
                              "link": {"type": "string", "maxLength": 500}}},
    "variants": {"default": {"title": "Welcome!", "body": "Here is where to start."}},
    "default": "default",
    "rules": [],
    "holdout_percent": rules.DEFAULT_HOLDOUT,
    "goal_event": None,
    "goal_window_hours": rules.DEFAULT_GOAL_WINDOW,
}


def create_slot(session: Session, workspace: Workspace, *, key: str, name: str,
                description: str = "") -> Slot:
    key = key.strip().lower()
    if not rules.KEY_RE.fullmatch(key):
        raise SlotInvalid("invalid", "The key is lowercase letters, digits, - and _.",
                          {"key": "lowercase letters, digits, - and _ (up to 64)"})
    if session.scalar(select(Slot.id).where(Slot.workspace_id == workspace.id, Slot.key == key)):
        raise SlotConflict("key_taken", f"A slot with the key “{key}” exists already.",
                           {"key": "taken"})
    slot = Slot(workspace_id=workspace.id, key=key, name=name.strip(), description=description,
                draft=copy.deepcopy(STARTER))
    session.add(slot)
    session.flush()
    return slot


def _names(session: Session, workspace_id: int, definition: dict[str, Any]) -> dict[str, str]:
    """Fill in segment and persona names, and what a prediction model predicts, for the
    reasons; errors for unknown ones."""
    errors: dict[str, str] = {}
    segments: dict[str, str] = {str(k): str(n) for k, n in session.execute(
        select(Segment.key, Segment.name).join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == workspace_id, SegmentRun.status == "saved")).all()}
    personas: dict[int, str] = {int(k): str(n) for k, n in session.execute(
        select(Persona.id, Persona.name).where(Persona.workspace_id == workspace_id)).all()}
    for i, rule in enumerate(definition["rules"]):
        for j, cond in enumerate(rule["if"]):
            if "segment" in cond:
                if cond["segment"] not in segments:
                    errors[f"rules[{i}].if[{j}]"] = f"no current segment has the key " \
                                                    f"“{cond['segment']}”"
                else:
                    cond["name"] = segments[cond["segment"]]
            elif "persona" in cond:
                if cond["persona"] not in personas:
                    errors[f"rules[{i}].if[{j}]"] = f"no persona {cond['persona']} in this workspace"
                else:
                    cond["name"] = personas[cond["persona"]]
            elif "prediction" in cond:
                job = prediction.model_of(session, workspace_id, cond["prediction"])
                if job is None:
                    errors[f"rules[{i}].if[{j}]"] = (
                        f"no trained churn or conversion model {cond['prediction']} in this "
                        "workspace (Segments → Triggers trains one)")
                else:
                    cond["name"] = prediction.outcome_words(job)
    return errors


def check_definition(session: Session, workspace_id: int, definition: Any) -> dict[str, Any]:
    """The definition checked and normalised, or SlotInvalid naming every problem."""
    try:
        checked = rules.check(definition)
    except rules.DefinitionError as exc:
        raise SlotInvalid("invalid_definition", "The slot's definition has problems.",
                          exc.fields) from None
    errors = _names(session, workspace_id, checked)
    if errors:
        raise SlotInvalid("invalid_definition", "The slot's definition has problems.", errors)
    return checked


def save_draft(session: Session, slot: Slot, definition: Any) -> dict[str, Any]:
    """Replace the draft (checked first: a bad draft is refused, the old one stays)."""
    checked = check_definition(session, slot.workspace_id, definition)
    slot.draft = checked
    return checked


def publish(session: Session, slot: Slot, by: User | None) -> SlotVersion:
    """The draft as the next immutable version, live from now on."""
    checked = check_definition(session, slot.workspace_id, slot.draft)
    last = session.scalar(select(func.max(SlotVersion.version)).where(SlotVersion.slot_id == slot.id))
    live = live_version(session, slot)
    if live is not None and live.definition == checked:
        raise SlotConflict("unchanged", "The draft is the same as the live version; "
                                        "change something before publishing.")
    version = SlotVersion(slot_id=slot.id, version=(last or 0) + 1, definition=checked,
                          published_by_id=by.id if by else None)
    session.add(version)
    session.flush()
    slot.live_version = version.version
    slot.draft = copy.deepcopy(checked)
    return version


def pause(slot: Slot) -> None:
    """Everyone gets nothing personalised (the product shows its own default)."""
    if slot.live_version is None:
        raise SlotConflict("not_live", "The slot is not live.")
    slot.live_version = None


def live_version(session: Session, slot: Slot) -> SlotVersion | None:
    if slot.live_version is None:
        return None
    return session.scalar(select(SlotVersion).where(SlotVersion.slot_id == slot.id,
                                                    SlotVersion.version == slot.live_version))


def slots_of(session: Session, workspace: Workspace) -> list[tuple[Slot, int]]:
    """The workspace's slots with their exposure counts."""
    counts: dict[int, int] = {int(k): int(n) for k, n in session.execute(
        select(SlotExposure.slot_id, func.count()).join(Slot, Slot.id == SlotExposure.slot_id)
        .where(Slot.workspace_id == workspace.id).group_by(SlotExposure.slot_id)).all()}
    slots = session.scalars(select(Slot).where(Slot.workspace_id == workspace.id)
                            .order_by(Slot.key)).all()
    return [(s, int(counts.get(s.id, 0))) for s in slots]


def versions_of(session: Session, slot: Slot) -> list[SlotVersion]:
    return list(session.scalars(select(SlotVersion).where(SlotVersion.slot_id == slot.id)
                                .order_by(SlotVersion.version.desc())))
