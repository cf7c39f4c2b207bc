"""Collection operations behind the public widget API. Callers own the transaction.

Every write is idempotent: displays and responses are keyed by the client's UUID per
environment, events by their optional client id. A retried request finds its row and
answers as the first one did; a lost race on the unique key is retried as an update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveyapp import widget_strings
from surveyapp.collect import cache, closing, fatigue
from surveyapp.collect import payloads as p
from surveyapp.collect.cache import EnvironmentInfo, SurveyInfo, VersionInfo
from surveyapp.collect.errors import CollectConflict, CollectError, CollectInvalid, CollectNotFound
from surveyapp.experiments import clicks
from surveyapp.models import (
    ConsentMode,
    ConsentState,
    Contact,
    Display,
    Event,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
    SurveyVersion,
    utcnow,
)
from surveyapp.privacy import consent as privacy_consent
from surveyapp.privacy.ids import stored_external_id
from surveyapp.segments.service import segment_keys
from surveyapp.surveys.definition import InvalidResponse, validate_response


@dataclass(frozen=True)
class Privacy:
    """What the request says about the person's privacy choices."""

    do_not_track: bool = False  # DNT: 1 or Sec-GPC: 1
    consent: bool | None = None  # consent given in this request (widget setConsent)


def environment_for_key(session: Session, key: str) -> EnvironmentInfo:
    env = cache.environment(session, key)
    if env is None:
        raise CollectNotFound("unknown_key", "No environment has this public key. Check the "
                              "data-key of your snippet (keys change when an owner rotates them).")
    return env


# ----------------------------------------------------------------------------- consent
def may_store(env: EnvironmentInfo, kind: str, privacy: Privacy, contact: Contact | None) -> str | None:
    """None if ``kind`` ("answer" or "tracking") may be stored, else the reason it may not."""
    consented = privacy.consent is True or (
        contact is not None and contact.consent == ConsentState.GRANTED
    )
    refused = privacy.consent is False or (
        contact is not None and contact.consent in (ConsentState.DENIED, ConsentState.OPTED_OUT)
    )
    mode = env.workspace.consent_mode
    if kind == "tracking":
        if privacy.do_not_track:
            return "do_not_track"
        if refused:
            return "opted_out"
        if mode in (ConsentMode.REQUIRED, ConsentMode.TRACKING_ONLY) and not consented:
            return "consent_required"
        return None
    if mode == ConsentMode.REQUIRED and not consented:
        return "consent_required"
    return None


def find_contact(session: Session, env: EnvironmentInfo, external_id: str | None) -> Contact | None:
    """The contact for a product user id (stored as a keyed hash if the workspace says so)."""
    if external_id is None:
        return None
    return _find_stored(session, env, stored_external_id(session, env.workspace.id, external_id))


def _find_stored(session: Session, env: EnvironmentInfo, stored_id: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.environment_id == env.id,
                                                Contact.external_id == stored_id))


def get_or_create_contact(session: Session, env: EnvironmentInfo, external_id: str) -> Contact:
    stored_id = stored_external_id(session, env.workspace.id, external_id)
    contact = _find_stored(session, env, stored_id)
    if contact is not None:
        return contact
    try:
        with session.begin_nested():
            contact = Contact(environment_id=env.id, external_id=stored_id, attributes={})
            session.add(contact)
    except IntegrityError:  # created concurrently by another request
        contact = _find_stored(session, env, stored_id)
        assert contact is not None
    return contact


# ----------------------------------------------------------------------------- config
WIDGET_KEYS = ("title", "questions", "logic", "pages", "variables", "targeting", "appearance",
               "thank_you", "locales", "default_locale")


def widget_survey(survey_id: int, version: int, definition: dict[str, Any]) -> dict[str, Any]:
    """The public part of a published definition: what the widget needs, nothing internal."""
    doc = {k: definition[k] for k in WIDGET_KEYS if k in definition}
    doc.setdefault("questions", [])
    doc.setdefault("logic", [])
    doc.setdefault("targeting", {})
    # The widget's own words in each of the survey's languages, with the survey's overrides.
    locales = [*(definition.get("locales") or []), definition.get("default_locale") or "en"]
    doc["strings"] = widget_strings.for_survey(
        locales, definition.get("strings"),
        {q.get("type", "") for q in definition.get("questions", [])})
    return {"id": survey_id, "version": version, **doc}


def clicks_enabled(workspace: Any) -> bool:
    return clicks.enabled(workspace)


def widget_config(session: Session, env: EnvironmentInfo) -> dict[str, Any]:
    """What the loader needs to decide what to show, in one cacheable document: each live
    survey's id, version and targeting only (the renderer fetches the questions of the one
    it shows, ``survey_definition``), and the consent notice only when it can be asked.
    Every byte counts: an idle page downloads this and the loader, nothing else."""
    surveys = session.scalars(
        select(Survey).where(Survey.environment_id == env.id, Survey.status == SurveyStatus.LIVE,
                             Survey.current_version_id.is_not(None))
        .order_by(Survey.id)
    ).all()
    doc: dict[str, Any] = {
        "consent_mode": env.workspace.consent_mode.value,
        "recontact_days": env.workspace.recontact_days,
        # Click maps on: the loader fetches its click recorder (with tracking consent only).
        "clicks": clicks_enabled(env.workspace),
        "surveys": _offered(session, surveys),
    }
    if env.workspace.consent_mode != ConsentMode.NOT_REQUIRED:
        # The notice a consent prompt shows; the widget sends its version back with the decision.
        doc["consent_notice"] = _with_prompt_strings(
            privacy_consent.notice_document(session, env.workspace.id))
    return doc


def _offered(session: Session, surveys: Sequence[Survey]) -> list[dict[str, Any]]:
    """Live surveys that no closing rule has closed, highest priority first (the widget
    shows the first eligible one), with full segment quotas left out of their targeting."""
    live = [(s, s.current_version.definition) for s in surveys if s.current_version is not None]
    out = []
    for s, definition in live:
        targeting = definition.get("targeting") or {}
        version_id = s.current_version.id
        if closing.closed_on_date(definition) or targeting.get("response_cap") and closing.memo(
                session, "closed", s.id, version_id,
                lambda s=s, d=definition: closing.closed_reason(session, s.id, d)):
            continue
        full = closing.memo(session, "full", s.id, version_id,
                            lambda s=s, d=definition: closing.full_segments(session, s.id, d)
                            ) if targeting.get("quotas") else set()
        served = closing.served_targeting(targeting, full)
        if s.kind == SurveyKind.LINK and served is not None:  # (a full quota still closes it)
            # Its link page shows it by id (the loader's data-survey); the widget on the
            # product's pages never does: no trigger of this type ever fires.
            served = {"trigger": {"type": "link"}}
        if served is not None:
            out.append({"id": s.id, "version": s.current_version.number, "targeting": served})
    prio = {s.id: fatigue.priority(d.get("targeting") or {}) for s, d in live}
    return sorted(out, key=lambda doc: -prio[doc["id"]])  # stable: by id within a priority


def _with_prompt_strings(notice: dict[str, Any] | None) -> dict[str, Any] | None:
    """The consent prompt's own words (title, button, thanks) in every catalogue language."""
    if notice is None:
        return None
    keys = ("privacy", "submit", "thanks")
    return {**notice, "strings": {loc: {k: widget_strings.strings(loc)[k] for k in keys}
                                  for loc in widget_strings.CATALOGUE}}


def survey_definition(session: Session, env: EnvironmentInfo, survey_id: int,
                      number: int) -> dict[str, Any]:
    """One version of a live survey as the renderer draws it (a version never changes)."""
    survey = cache.live_survey(session, env, p.positive_int(survey_id, "survey_id"))
    version = _version(session, survey, number)
    return widget_survey(survey.id, version.number, version.definition)


def etag_of(document: dict[str, Any]) -> str:
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


# ----------------------------------------------------------------------------- displays
def _version(session: Session, survey: SurveyInfo, number: Any) -> VersionInfo:
    current = survey.current_version
    assert current is not None
    if number is None or number == current.number and not isinstance(number, bool):
        return current  # (True == 1 in Python; a boolean is not a version number)
    number = p.positive_int(number, "version")
    version = cache.version(session, survey.id, number)
    if version is None:
        raise CollectNotFound("not_found", f"Survey {survey.id} has no version {number}.",
                              {"version": "unknown"})
    return version


def record_display(session: Session, env: EnvironmentInfo, data: dict[str, Any],
                   privacy: Privacy) -> tuple[dict[str, Any], bool]:
    """Returns the display and whether it was created (False for a retry or not stored)."""
    client_id = p.client_id(data.get("id"))
    existing = session.scalar(select(Display).where(Display.environment_id == env.id,
                                                    Display.client_id == client_id))
    if existing is not None:
        return {"id": client_id, "stored": True}, False
    survey = cache.live_survey(session, env, p.positive_int(data.get("survey_id"), "survey_id"))
    version = _version(session, survey, data.get("version"))
    external_id = p.optional_external_id(data.get("user_id"))
    contact = find_contact(session, env, external_id)
    targeting = version.definition.get("targeting") or {}
    reason = may_store(env, "answer", privacy, contact) or _display_limit_reached(
        session, survey.id, contact, _display_limit(version)) or closing.reason_for(
        session, survey.id, _current_definition(survey, version),
        contact.id if contact else None) or fatigue.recontact_reason(
        session, env.id, survey.id, contact.id if contact else None,
        fatigue.wait_days(targeting, env.workspace.recontact_days))
    if reason:
        return {"id": client_id, "stored": False, "reason": reason}, False
    if external_id and not privacy.do_not_track:
        contact = get_or_create_contact(session, env, external_id)
    try:
        with session.begin_nested():
            session.add(Display(environment_id=env.id, client_id=client_id, survey_id=survey.id,
                                version_id=version.id,
                                contact_id=contact.id if contact and not privacy.do_not_track else None))
    except IntegrityError:
        return {"id": client_id, "stored": True}, False
    return {"id": client_id, "stored": True}, True


def _display_limit(version: SurveyVersion | VersionInfo) -> dict[str, Any]:
    return (version.definition.get("targeting") or {}).get("display_limit") or {
        "mode": "until_answered"}


def _display_limit_reached(session: Session, survey_id: int, contact: Contact | None,
                           limit: dict[str, Any]) -> str | None:
    """The server's re-check of the widget's display limit, for people it knows."""
    if contact is None or limit.get("mode") not in ("once", "times"):
        return None
    allowed = 1 if limit["mode"] == "once" else int(limit.get("times", 1))
    shown = session.scalar(select(func.count()).select_from(Display).where(
        Display.survey_id == survey_id, Display.contact_id == contact.id)) or 0
    return "display_limit" if shown >= allowed else None


# ----------------------------------------------------------------------------- responses
def _validate_answers(version: SurveyVersion | VersionInfo, answers: dict[str, Any], finished: bool) -> dict[str, Any]:
    try:
        return validate_response(version.definition, answers, finished)
    except InvalidResponse as exc:
        raise CollectInvalid("invalid_answers", str(exc), exc.fields) from None


def _response_json(r: Response) -> dict[str, Any]:
    return {"id": r.client_id, "survey_id": r.survey_id, "finished": r.finished,
            "answers": r.answers, "stored": True}


class _AlreadyStored(Exception):
    """The response id exists: the write is an update (or a retry) after all."""


def save_response(session: Session, env: EnvironmentInfo, client_id: str, data: dict[str, Any],
                  privacy: Privacy) -> tuple[dict[str, Any], bool]:
    """Create or update a response by the client's UUID. Returns the body and whether the
    response was created (False for an update, a retry, or an answer not stored).

    The common case, a new response, costs one INSERT: it is tried first and only a
    conflict or an error leads to looking the id up (and then to an update, a retry's
    answer, or the error)."""
    client_id = p.client_id(client_id)
    answers_in = data.get("answers", {})
    if not isinstance(answers_in, dict):
        raise p.invalid({"answers": "an object of question id to answer"})
    finished = p.boolean(data.get("finished"), "finished")
    if data.get("survey_id") is not None:
        try:
            return _create_response(session, env, client_id, answers_in, finished, data, privacy)
        except (CollectError, _AlreadyStored):
            pass  # decided below, with the stored row in view
    existing = session.scalar(select(Response).where(Response.environment_id == env.id,
                                                     Response.client_id == client_id))
    if existing is not None:
        return _update_response(session, env, existing, answers_in, finished, data)
    try:
        return _create_response(session, env, client_id, answers_in, finished, data, privacy)
    except _AlreadyStored:  # a concurrent request stored it in the meantime
        existing = session.scalar(select(Response).where(Response.environment_id == env.id,
                                                         Response.client_id == client_id))
        if existing is None:  # another constraint failed; the widget retries later
            raise CollectConflict("conflict", "The response could not be stored; retry.") from None
        return _update_response(session, env, existing, answers_in, finished, data)


def _create_response(session: Session, env: EnvironmentInfo, client_id: str,
                     answers_in: dict[str, Any], finished: bool, data: dict[str, Any],
                     privacy: Privacy) -> tuple[dict[str, Any], bool]:
    survey = cache.live_survey(session, env, p.positive_int(data.get("survey_id"), "survey_id"))
    version = _version(session, survey, data.get("version"))
    meta = p.meta(data.get("meta"))
    external_id = p.optional_external_id(data.get("user_id"))
    contact = find_contact(session, env, external_id)
    reason = may_store(env, "answer", privacy, contact)
    if reason:
        return {"id": client_id, "stored": False, "reason": reason}, False
    if contact is not None and _display_limit(version).get("mode") in ("once", "until_answered") \
            and session.scalar(select(Response.id).where(
                Response.survey_id == survey.id, Response.contact_id == contact.id,
                Response.finished.is_(True)).limit(1)) is not None:
        raise CollectConflict("already_answered", "This person has already answered this survey.")
    answers = _validate_answers(version, answers_in, finished)
    # A closed survey's late answer is kept, marked with the rule that had closed it.
    late = closing.reason_for(session, survey.id, _current_definition(survey, version),
                              contact.id if contact else None)
    if late:
        meta["late"] = closing.LATE[late]
    if external_id and not privacy.do_not_track:
        contact = get_or_create_contact(session, env, external_id)
    display = None
    if data.get("display_id") is not None:
        display = session.scalar(select(Display).where(
            Display.environment_id == env.id,
            Display.client_id == p.client_id(data["display_id"], "display_id")))
    now = utcnow()
    row = {"environment_id": env.id, "client_id": client_id, "survey_id": survey.id,
           "version_id": version.id,
           "contact_id": contact.id if contact and not privacy.do_not_track else None,
           "display_id": display.id if display else None, "finished": finished,
           "answers": answers, "meta": meta, "finished_at": now if finished else None,
           "created_at": now, "updated_at": now}
    # One plain INSERT, which SQLAlchemy caches (it cannot cache ON CONFLICT forms); a
    # duplicate id rolls back what this request did and is handled as an update.
    try:
        session.connection().execute(_INSERT_RESPONSE, row)
    except IntegrityError:
        session.rollback()
        raise _AlreadyStored from None
    if finished:
        closing.forget(survey.id)
    return {"id": client_id, "survey_id": survey.id, "finished": finished, "answers": answers,
            "stored": True}, True


_INSERT_RESPONSE = insert(Response.__table__)


def _current_definition(survey: SurveyInfo, version: SurveyVersion | VersionInfo) -> dict[str, Any]:
    """The closing rules that hold now are the published version's, whatever version the
    answer was started on."""
    return survey.current_version.definition if survey.current_version else version.definition


def _update_response(session: Session, env: EnvironmentInfo, response: Response,
                     answers_in: dict[str, Any], finished: bool,
                     data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if data.get("survey_id") is not None and data.get("survey_id") != response.survey_id:
        raise CollectConflict("conflict", "This response id belongs to another survey.",
                              {"survey_id": "does not match the response"})
    merged = {**response.answers, **answers_in}
    if response.finished:
        if merged == response.answers:
            return _response_json(response), False  # a retry of the final write
        raise CollectConflict("response_finished",
                              "This response is finished; its answers can no longer change.")
    survey = cache.survey(session, response.survey_id)
    if survey is None or survey.status != SurveyStatus.LIVE:
        raise CollectConflict("survey_not_live", "The survey stopped taking answers.")
    version: SurveyVersion | VersionInfo | None = survey.current_version
    if version is None or version.id != response.version_id:
        version = session.get(SurveyVersion, response.version_id)
    assert version is not None
    response.answers = _validate_answers(version, merged, finished)
    if finished and not response.meta.get("late"):
        late = closing.reason_for(session, survey.id, _current_definition(survey, version),
                                  response.contact_id)
        if late:
            response.meta = {**response.meta, "late": closing.LATE[late]}
    if finished:
        closing.forget(survey.id)
        response.finished = True
        response.finished_at = utcnow()
    if data.get("meta") is not None:
        response.meta = {**response.meta, **p.meta(data.get("meta"))}
    return _response_json(response), False


# ----------------------------------------------------------------------------- events
def _insert_ignoring_duplicates(session: Session, model: type[Event] | type[Response],
                                rows: list[dict[str, Any]]) -> int:
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    # Parameters passed separately keep the compiled statement cached across requests.
    stmt = dialect_insert(table).on_conflict_do_nothing(
        index_elements=["environment_id", "client_id"]).returning(table.c.id)
    conn = session.connection()  # Core, not the ORM's bulk path: the statement stays cached
    return len(conn.execute(stmt, rows[0] if len(rows) == 1 else rows).all())


def record_events(session: Session, env: EnvironmentInfo, data: dict[str, Any],
                  privacy: Privacy) -> dict[str, Any]:
    items = data.get("events")
    if not isinstance(items, list) or not items:
        raise p.invalid({"events": "a non-empty list of events"})
    if len(items) > p.MAX_EVENTS:
        raise p.invalid({"events": f"at most {p.MAX_EVENTS} events per request"})
    now = utcnow()
    batch_user = p.optional_external_id(data.get("user_id"))  # each event may override it
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise p.invalid({f"events.{i}": "an object"})
        parsed.append({
            "client_id": p.client_id(item["id"], f"events.{i}.id") if item.get("id") is not None else None,
            "name": p.event_name(item.get("name"), f"events.{i}.name"),
            "properties": p.properties(item.get("properties"), f"events.{i}.properties"),
            "occurred_at": p.timestamp(item.get("timestamp"), f"events.{i}.timestamp", now),
            "session_id": p.short_text(item.get("session_id"), f"events.{i}.session_id", 64),
            "external_id": (p.optional_external_id(item["user_id"], f"events.{i}.user_id")
                            if item.get("user_id") is not None else batch_user),
        })
    contacts: dict[str, Contact | None] = {}
    for e in parsed:
        ext = e["external_id"]
        if ext is not None and ext not in contacts:
            contacts[ext] = find_contact(session, env, ext)
    reasons = {may_store(env, "tracking", privacy, contacts.get(e["external_id"])) for e in parsed}
    reasons.discard(None)
    if reasons:
        return {"received": len(parsed), "stored": 0, "reason": sorted(reasons)[0]}
    for ext in contacts:
        contacts[ext] = get_or_create_contact(session, env, ext)
    rows = []
    for e in parsed:
        contact = contacts.get(e.pop("external_id")) if e.get("external_id") else None
        e.pop("external_id", None)
        rows.append({**e, "environment_id": env.id, "contact_id": contact.id if contact else None,
                     "received_at": now})
    with_ids = [r for r in rows if r["client_id"] is not None]
    without_ids = [r for r in rows if r["client_id"] is None]
    stored = _insert_ignoring_duplicates(session, Event, with_ids) if with_ids else 0
    if without_ids:
        session.execute(Event.__table__.insert(), without_ids)
        stored += len(without_ids)
    return {"received": len(parsed), "stored": stored}


# ----------------------------------------------------------------------------- identify
def identify(session: Session, env: EnvironmentInfo, data: dict[str, Any],
             privacy: Privacy) -> dict[str, Any]:
    external_id = p.optional_external_id(data.get("user_id"))
    if external_id is None:
        raise p.invalid({"user_id": "required"})
    attrs = p.attributes(data.get("attributes"))
    consent = p.boolean(data.get("consent"), "consent", default=None)  # type: ignore[arg-type]
    notice = _notice(session, env, data.get("notice_version"))
    contact = find_contact(session, env, external_id)
    privacy = Privacy(privacy.do_not_track, consent if consent is not None else privacy.consent)
    if consent is False and contact is not None:
        # Withdrawing consent is always recorded, whatever else is allowed.
        contact.consent = ConsentState.DENIED
        contact.consent_updated_at = utcnow()
        privacy_consent.record(session, contact, False, "widget", notice)
        return {"user_id": external_id, "stored": True, "consent": "denied"}
    reason = may_store(env, "tracking", privacy, contact)
    if reason and not (consent is True and not privacy.do_not_track):
        return {"user_id": external_id, "stored": False, "reason": reason}
    contact = get_or_create_contact(session, env, external_id)
    if consent is not None:
        contact.consent = ConsentState.GRANTED if consent else ConsentState.DENIED
        contact.consent_updated_at = utcnow()
        session.flush()  # the record needs the contact's id
        privacy_consent.record(session, contact, consent, "widget", notice)
    if attrs:
        contact.attributes = {**contact.attributes, **attrs}
    contact.last_seen_at = utcnow()

    return {"user_id": external_id, "stored": True, "consent": contact.consent.value,
            "segments": segment_keys(session, contact.id) if contact.id else []}


def _notice(session: Session, env: EnvironmentInfo, version: Any) -> Any:
    """The consent notice version the widget says it showed (None if it sent none)."""
    if version is None:
        return None
    notice = privacy_consent.notice_by_version(session, env.workspace.id,
                                               p.positive_int(version, "notice_version"))
    if notice is None:
        raise CollectNotFound("not_found", "This workspace has no such consent notice version.",
                              {"notice_version": "no such notice version in this workspace"})
    return notice
