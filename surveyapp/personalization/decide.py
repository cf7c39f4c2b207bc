"""Decisions: which variant of a slot a person gets, why, and the exposure, once.

Order of a decision (callers own the transaction):

1. the slot's live version (a paused or unpublished slot decides nothing: the product
   shows its own default);
2. the person in control: Do Not Track / Global Privacy Control, the self-service
   switch (consent ``opted_out``), a refused consent or the workspace's consent mode
   (``surveyapp.collect.service.may_store``, the rule the collection API and the
   experiments follow) give the *default variant*, with no profile read and nothing
   recorded;
3. the holdout: a deterministic share of units (``holdout_percent``, by a hash of the
   slot key and the unit, like experiment assignment) is shown the default, and what the
   rules would have chosen is recorded beside it, so lift compares like with like;
4. the rules, first match wins (``surveyapp.personalization.rules``), else the default;
5. the exposure: stored once per (slot, version, unit) -- retries and races are harmless.

A short per-visitor cache (:class:`DecisionCache`, in each process) keeps steps 3-5 of a
(slot, version, unit, page, attributes) for ``CACHE_SECONDS``: the product asks for the same
slot on every page view, and the answer, with its exposure stored already, is the same. It
is looked up only after steps 1-2, so a new version, a pause or the person's opt-out take
effect at once; segment and event changes show within ``CACHE_SECONDS``.

The decision itself is computed afresh on every call (a person who moves to another page
may match another rule); the exposure keeps the first decision of each version, which is
what the lift is measured on.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from surveyapp.errors import NotFound
from surveyapp.experiments.assignment import BUCKETS, bucket
from surveyapp.models import Contact, Environment, utcnow
from surveyapp.models.personalization import Slot, SlotExposure, SlotVersion
from surveyapp.models.segments import Persona, SegmentMember
from surveyapp.personalization import hot, ranking, rules
from surveyapp.personalization.hot import PersonContact, SlotState


class UnknownSlot(NotFound):
    pass


HOLDOUT_REASON = ("This is what everyone sees: you are in a small group, picked at random, "
                  "that is shown no personalisation, so we can measure whether it helps.")
PRIVACY_REASONS = {
    "do_not_track": "This is what everyone sees: your browser asks not to be tracked (Do Not "
                    "Track or Global Privacy Control), so nothing about you was used or recorded.",
    "opted_out": "This is what everyone sees: you turned personalisation off, so nothing "
                 "about you was used or recorded.",
    "consent_required": "This is what everyone sees: you have not agreed to personalisation, "
                        "so nothing about you was used or recorded.",
}
NOT_LIVE_REASON = "Nothing is personalised here at the moment."
RELEVANCE_WORDS = {"low": "Not relevant", "high": "Very relevant", "thanks": "Thank you!"}
CACHE_SECONDS = 30.0
CACHE_UNITS = 50_000


@dataclass(frozen=True)
class Decision:
    slot: str
    version: int | None
    variant: str | None  # None: the slot is not live (show the product's own default)
    payload: Any
    reason: str  # "Why am I seeing this?", in plain words
    why: str  # rule | default | holdout | do_not_track | opted_out | consent_required | not_live
    personalized: bool
    holdout: bool
    exposed: bool  # an exposure of this version is stored (now or earlier)
    # The slot's relevance micro-survey, when it has one and this decision was recorded:
    # {"question", "low", "high", "thanks", "answered"}.
    relevance: dict[str, Any] | None = None
    items: list[str] | None = None  # a model-ranked slot's top items, best first

    def as_dict(self) -> dict[str, Any]:
        return {"slot": self.slot, "version": self.version, "variant": self.variant,
                "payload": self.payload, "reason": self.reason, "why": self.why,
                "personalized": self.personalized, "holdout": self.holdout,
                "exposed": self.exposed, "relevance": self.relevance, "items": self.items}


class DecisionCache:
    """Recent decisions per (slot, version, unit), each under its (page, attributes,
    expose): bounded (least recently used units go first) and timed (``CACHE_SECONDS``).
    Thread-safe; one per process."""

    def __init__(self, seconds: float = CACHE_SECONDS, units: int = CACHE_UNITS) -> None:
        self.seconds, self.units = seconds, units
        self._lock = threading.Lock()
        self._data: OrderedDict[tuple[int, str, int, str], dict[str, tuple[float, Decision]]] = \
            OrderedDict()

    @staticmethod
    def variant_key(page: str | None, attributes: dict[str, Any], expose: bool) -> str:
        return json.dumps([page, expose, attributes], sort_keys=True, default=str)

    def get(self, unit: tuple[int, str, int, str], key: str) -> Decision | None:
        with self._lock:
            entry = self._data.get(unit, {}).get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self._data.move_to_end(unit)
            return entry[1]

    def put(self, unit: tuple[int, str, int, str], key: str, decision: Decision) -> None:
        with self._lock:
            self._data.setdefault(unit, {})[key] = (time.monotonic() + self.seconds, decision)
            self._data.move_to_end(unit)
            while len(self._data) > self.units:
                self._data.popitem(last=False)

    def forget(self, unit: tuple[int, str, int, str]) -> None:
        with self._lock:
            self._data.pop(unit, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = DecisionCache()


def cache_unit_of(slot: Slot | SlotState, version: int,
                  stored_unit: str) -> tuple[int, str, int, str]:
    """The slot's creation time beside its id: a database created afresh (tests, a reset
    demo) reuses ids, never both."""
    return (slot.id, str(slot.created_at), version, stored_unit)


def find_slot(session: Session, workspace_id: int, key: str) -> SlotState:
    """The slot as decisions read it (kept ``hot.SLOT_SECONDS``; publishing or pausing in
    this process forgets it at once)."""
    slot = hot.live_slot(session, workspace_id, key)
    if slot is None:
        raise UnknownSlot("unknown_slot", f"No slot with key “{key[:64]}”.", {"slot": "unknown"})
    return slot


_definitions: OrderedDict[tuple[int, str, int], dict[str, Any]] = OrderedDict()
_definitions_lock = threading.Lock()


def definition(session: Session, slot: Slot | SlotState) -> dict[str, Any] | None:
    """The live version's definition (None: the slot is not live). Published versions
    never change, so each is read once per process (the slot itself, which says which
    version is live, is read on every call)."""
    if slot.live_version is None:
        return None
    key = (slot.id, str(slot.created_at), slot.live_version)
    with _definitions_lock:
        cached = _definitions.get(key)
    if cached is not None:
        return cached
    found: dict[str, Any] | None = session.scalar(select(SlotVersion.definition).where(
        SlotVersion.slot_id == slot.id, SlotVersion.version == slot.live_version))
    if found is not None:
        with _definitions_lock:
            _definitions[key] = found
            while len(_definitions) > 1000:
                _definitions.popitem(last=False)
    return found


def in_holdout(slot_key: str, unit: str, percent: float) -> bool:
    """The same hash as experiment assignment, on its own key so the holdout is independent
    of any experiment's split."""
    return bucket(f"{slot_key}\x1fholdout", unit) < percent / 100 * BUCKETS


class DbProfile:
    """The person as the database knows them, read only for the conditions asked."""

    def __init__(self, session: Session, workspace_id: int, contact_ids: list[int],
                 attributes: dict[str, Any], page: str | None, now: dt.datetime) -> None:
        self.session, self.workspace_id, self.contact_ids = session, workspace_id, contact_ids
        self.attributes, self.page, self.now = attributes, page, now
        self._events: dict[tuple[str, int], int] = {}

    def _answer(self, question: tuple[Any, ...], load: Any) -> Any:
        """Answers are kept ``hot.PROFILE_SECONDS`` per person (the product asks on every
        page view; membership and counts change far slower)."""
        if not self.contact_ids:
            return load()
        return hot.answer(self.session, self.contact_ids, question, load)

    def in_segment(self, key: str) -> bool:
        return bool(self._answer(("segment", self.workspace_id, key), lambda: hot.in_segment(
            self.session, self.workspace_id, key, self.contact_ids)))

    def in_persona(self, persona_id: int) -> bool:
        return bool(self._answer(("persona", self.workspace_id, persona_id),
                                 lambda: self._in_persona(persona_id)))

    def _in_persona(self, persona_id: int) -> bool:
        if not self.contact_ids:
            return False
        segment_id = self.session.scalar(select(Persona.segment_id).where(
            Persona.id == persona_id, Persona.workspace_id == self.workspace_id))
        if segment_id is None:
            return False
        return self.session.scalar(select(SegmentMember.id).where(
            SegmentMember.segment_id == segment_id,
            SegmentMember.contact_id.in_(self.contact_ids)).limit(1)) is not None

    def prediction_score(self, job_id: int) -> float | None:
        from surveyapp.personalization import prediction

        score: float | None = self._answer(("prediction", self.workspace_id, job_id),
                                           lambda: prediction.person_score(
                                               self.session, self.workspace_id, job_id,
                                               self.contact_ids))
        return score

    def event_count(self, name: str, days: int) -> int:
        if not self.contact_ids:
            return 0
        if (name, days) not in self._events:
            self._events[(name, days)] = int(self._answer(("event", name, days), lambda: (
                hot.event_count(self.session, self.contact_ids, name,
                                self.now - dt.timedelta(days=days)))))
        return self._events[(name, days)]


def profile_attributes(contacts: list[Contact] | list[PersonContact],
                       sent: dict[str, Any]) -> dict[str, Any]:
    """Stored attributes of the person's contacts, with what the request sent on top."""
    merged: dict[str, Any] = {}
    for contact in contacts:
        merged.update(contact.attributes or {})
    merged.update(sent)
    return merged


def decide(session: Session, slot: Slot | SlotState, *, unit: str, stored_unit: str,
           contacts: list[Contact] | list[PersonContact], attributes: dict[str, Any],
           page: str | None, privacy_reason: str | None, expose: bool,
           batched: bool = False) -> Decision:
    """The decision for one unit ("u:<user id>" or "a:<anonymous id>"; ``stored_unit`` is
    what is written, the keyed hash of the user id when the workspace stores ids hashed).
    ``privacy_reason``: why nothing may be used or stored (None: it may). ``batched``:
    the exposure goes to ``hot.EXPOSURES`` (written within about 0.25 s, no transaction
    in the request) instead of the caller's transaction."""
    defn = definition(session, slot)
    if defn is None:
        return Decision(slot.key, None, None, None, NOT_LIVE_REASON, "not_live", False, False,
                        False)
    version = slot.live_version
    assert version is not None
    default = defn["default"]
    if privacy_reason is not None:
        return Decision(slot.key, version, default, defn["variants"][default],
                        PRIVACY_REASONS.get(privacy_reason, PRIVACY_REASONS["opted_out"]),
                        privacy_reason, False, False, False)
    cache_unit = cache_unit_of(slot, version, stored_unit)
    cache_key = CACHE.variant_key(page, attributes, expose)
    cached = CACHE.get(cache_unit, cache_key)
    if cached is not None:
        return cached
    profile = DbProfile(session, slot.workspace_id, [c.id for c in contacts],
                        profile_attributes(contacts, attributes), page, utcnow())
    choice = rules.evaluate(defn, profile)
    ranked = ranking.rank(session, slot, defn, choice, profile.contact_ids)  # a slot's model
    choice = ranked.choice if ranked is not None else choice
    holdout = in_holdout(slot.key, unit, float(defn.get("holdout_percent", 0)))
    shown = default if holdout else choice.variant
    reason = HOLDOUT_REASON if holdout else choice.reason
    why = "holdout" if holdout else ("rule" if choice.rule is not None else
                                     "model" if ranked is not None and ranked.picked else "default")
    exposed = False
    if expose:
        exposed = True
        seen = (cache_unit, "exposed")
        values = hot.exposure_values(slot, version, stored_unit,
                                     contacts[0].id if contacts and contacts[0].id else None,
                                     shown, choice.variant, holdout, choice.rule, utcnow())
        if batched:
            hot.EXPOSURES.add(session.get_bind().engine, seen, values)
        elif not hot.EXPOSURES.seen(seen):
            _expose(session, values)
            hot.EXPOSURES.mark(seen)
    relevance = None
    if exposed and defn.get("relevance_question"):
        answered = session.scalar(select(SlotExposure.relevance).where(
            SlotExposure.slot_id == slot.id, SlotExposure.version == version,
            SlotExposure.unit_id == stored_unit[:300])) is not None
        relevance = {"question": defn["relevance_question"], **RELEVANCE_WORDS,
                     "answered": answered}
    decision = Decision(slot.key, version, shown, defn["variants"][shown], reason, why,
                        why in ("rule", "model"), holdout, exposed, relevance,
                        items=ranked.items if ranked is not None and not holdout else None)
    CACHE.put(cache_unit, cache_key, decision)
    return decision


class NoDecision(NotFound):
    pass


def record_relevance(session: Session, slot: Slot | SlotState, version: int, stored_unit: str,
                     score: int) -> None:
    """The answer to the slot's relevance question, kept on the exposure it is about (the
    visitor's decision of that version); a later answer replaces it, so a retry is harmless.
    NoDecision when no decision of that version was recorded for the unit."""
    hot.EXPOSURES.flush(session.get_bind().engine)  # a server-API decision still queued
    result = cast(CursorResult[Any], session.execute(
        update(SlotExposure).where(SlotExposure.slot_id == slot.id,
                                   SlotExposure.version == version,
                                   SlotExposure.unit_id == stored_unit[:300])
        .values(relevance=score, relevance_at=utcnow())))
    if not result.rowcount:
        raise NoDecision("no_decision", "No decision of this slot version was recorded for "
                         "this visitor.", {"version": "no decision recorded"})
    CACHE.forget(cache_unit_of(slot, version, stored_unit))


def _expose(session: Session, values: dict[str, Any]) -> None:
    """Store the exposure unless one of this version is stored for the unit: a single
    INSERT ... ON CONFLICT DO NOTHING on the unique (slot, version, unit), so retries and
    concurrent requests are harmless and a repeat costs one statement."""
    session.connection().execute(hot.insert_ignoring(), values)


def erase_exposures_by_user_id(session: Session, contacts: list[Contact]) -> int:
    """Erasure reaches exposures stored before the person was a contact (the server API
    with an unknown user id), which name them only in ``unit_id``; those with a
    ``contact_id`` are swept by the privacy area. Their exposures still queued in this
    process are dropped, and the process forgets who was exposed and its cached profiles
    (another process's queue is written within ``hot.FLUSH_SECONDS``, before an erasure
    request can normally follow a decision; its rows carry the contact and are swept)."""
    ids = {c.id for c in contacts}
    units = {f"u:{c.external_id}"[:300] for c in contacts}
    hot.EXPOSURES.discard(lambda row: row["contact_id"] in ids or row["unit_id"] in units)
    hot.EXPOSURES.forget_seen()
    hot.forget_people()
    CACHE.clear()
    removed = 0
    for contact in contacts:
        workspace_id = session.scalar(select(Environment.workspace_id)
                                      .where(Environment.id == contact.environment_id))
        slots = select(Slot.id).where(Slot.workspace_id == workspace_id)
        result = cast(CursorResult[Any], session.execute(delete(SlotExposure).where(
            SlotExposure.slot_id.in_(slots),
            SlotExposure.unit_id == f"u:{contact.external_id}"[:300])))
        removed += result.rowcount or 0
    return removed
