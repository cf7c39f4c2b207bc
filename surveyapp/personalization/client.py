"""Delivery: the widget's public endpoint (``/api/v1/client/<key>/personalize/<slot>``,
under the environment's public key) and the server API (``GET /api/v1/personalize``,
a secret key). Both answer with the decision, its payload and a reason in plain words."""

from __future__ import annotations

import time
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select

from surveyapp.collect import payloads
from surveyapp.collect import service as collect_service
from surveyapp.collect.cache import EnvironmentInfo
from surveyapp.collect.client import client_blueprint
from surveyapp.experiments.assignment import unit_for
from surveyapp.extensions import db
from surveyapp.models import Contact
from surveyapp.models.personalization import SlotVersion
from surveyapp.personalization import decide, hot
from surveyapp.personalization.service import SlotInvalid
from surveyapp.platform.apikeys import api_key_required
from surveyapp.privacy.ids import stored_external_id

client_bp = client_blueprint("personalization_client", __name__)
server_bp = Blueprint("personalization_api", __name__)

MAX_ATTRIBUTES = 50
MAX_TEXT = 500


def _invalid(field: str, why: str) -> SlotInvalid:
    return SlotInvalid("invalid", "Some fields are invalid.", {field: why})


def _attributes(value: Any) -> dict[str, Any]:
    """Attributes the request sends (an anonymous visitor's plan, country, ...)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_ATTRIBUTES:
        raise _invalid("attributes", f"an object of at most {MAX_ATTRIBUTES} attributes")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not 0 < len(k) <= 100:
            raise _invalid("attributes", "names of 1 to 100 characters")
        if isinstance(v, str):
            if len(v) > MAX_TEXT:
                raise _invalid(f"attributes.{k}", f"at most {MAX_TEXT} characters")
        elif not (v is None or isinstance(v, bool | int)
                  or (isinstance(v, float) and v == v and abs(v) != float("inf"))):
            raise _invalid(f"attributes.{k}", "a string, number, true/false or null")
        out[k] = v
    return out


def _page(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 2000 or "\x00" in value:
        raise _invalid("page", "the page's path or URL (up to 2000 characters)")
    return urlsplit(value).path or "/"


def _unit(user: Any, anonymous: Any, user_field: str) -> tuple[str, str | None]:
    external_id = payloads.optional_external_id(user, user_field)
    if anonymous is not None:
        anonymous = payloads.client_id(anonymous, "anonymous_id")
    unit = unit_for(external_id, anonymous)
    if unit is None:
        raise payloads.invalid({user_field: "a user id or an anonymous_id is required"})
    return unit, external_id


def _stored(workspace_id: int, unit: str, external_id: str | None) -> str:
    if not external_id:
        return unit
    return "u:" + stored_external_id(db.session, workspace_id, external_id)


def _privacy(env: EnvironmentInfo, signal: bool, consent: bool | None,
             contacts: list[Contact]) -> str | None:
    # ``contacts`` may be ``hot.PersonContact``s: may_store reads only their ``consent``.
    """Why nothing may be used or stored: the collection API's rule for tracking, for
    each of the person's contacts (any refusal wins)."""
    privacy = collect_service.Privacy(signal, consent)
    for contact in contacts or [None]:  # type: ignore[list-item]
        reason = collect_service.may_store(env, "tracking", privacy, contact)
        if reason is not None:
            return reason
    return None


@client_bp.route("/personalize/<slot_key>", methods=["POST", "OPTIONS"])
def client_personalize(slot_key: str) -> Any:
    """The widget's surveyapp("personalize", slot, cb): the variant, its payload, the reason."""
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    env = g.environment
    unit, external_id = _unit(data.get("user_id"), data.get("anonymous_id"), "user_id")
    attributes, page = _attributes(data.get("attributes")), _page(data.get("page"))
    consent = None if data.get("consent") is None else payloads.boolean(data["consent"], "consent")
    signal = _signal(data)
    slot = decide.find_slot(db.session, env.workspace.id, slot_key)
    contact = None if signal else collect_service.find_contact(db.session, env, external_id)
    reason = _privacy(env, signal, consent, [contact] if contact else [])
    if reason is None and external_id and contact is None and slot.live_version is not None:
        contact = collect_service.get_or_create_contact(db.session, env, external_id)
    result = decide.decide(db.session, slot, unit=unit,
                           stored_unit=_stored(env.workspace.id, unit, external_id),
                           contacts=[contact] if contact else [], attributes=attributes,
                           page=page, privacy_reason=reason, expose=True)
    db.session.commit()
    resp = jsonify(result.as_dict())
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _signal(data: dict[str, Any]) -> bool:
    """Do Not Track / Global Privacy Control: the browser's headers, or the widget's
    ``dnt`` (it reads navigator.doNotTrack and globalPrivacyControl, which an extension may
    set without a header)."""
    return (request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"
            or payloads.boolean(data.get("dnt"), "dnt"))


def _whole(value: Any) -> int | None:
    """A whole number (JSON has one number type: 4.0 is 4); None otherwise."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@client_bp.route("/personalize/<slot_key>/relevance", methods=["POST", "OPTIONS"])
def client_relevance(slot_key: str) -> Any:
    """The answer to a slot's relevance question ("Was this relevant?", 1-5), about the
    visitor's decision of ``version``. Stored only where the decision itself could be."""
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    env = g.environment
    unit, external_id = _unit(data.get("user_id"), data.get("anonymous_id"), "user_id")
    version, score = _whole(data.get("version")), _whole(data.get("score"))
    if version is None or not 0 < version < 2**31:
        raise _invalid("version", "the decision's version (a whole number)")
    if score is None or not 1 <= score <= 5:
        raise _invalid("score", "a whole number from 1 to 5")
    consent = None if data.get("consent") is None else payloads.boolean(data["consent"], "consent")
    signal = _signal(data)
    slot = decide.find_slot(db.session, env.workspace.id, slot_key)
    defn = db.session.scalar(select(SlotVersion.definition).where(
        SlotVersion.slot_id == slot.id, SlotVersion.version == version))
    if defn is None or not defn.get("relevance_question"):
        raise decide.NoDecision("no_relevance_question", "This version of the slot does not "
                                "exist or asks no relevance question.", {"version": "unknown"})
    contact = None if signal else collect_service.find_contact(db.session, env, external_id)
    if _privacy(env, signal, consent, [contact] if contact else []) is not None:
        return jsonify({"stored": False})  # nothing about the person is recorded
    decide.record_relevance(db.session, slot, version, _stored(env.workspace.id, unit,
                                                               external_id), score)
    db.session.commit()
    return jsonify({"stored": True})


def _flag(name: str, default: bool) -> bool:
    value = request.args.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise _invalid(name, "true or false")


def server_personalize() -> Any:
    """Server API: ``?slot=&user=`` (or ``anonymous_id=``), optional ``page=``,
    ``attr.<name>=``, ``dnt=`` (the visitor's DNT/GPC), ``consent=`` and ``expose=``
    (default true: the exposure is stored once, written in a batch within about 0.25 s).

    The hot path of issue #23 (1,000 decisions/s): the key, the slot, the workspace's
    environments and the person's contacts and profile answers come from short
    in-process caches (``hot``), and the exposure is queued, so a repeat visitor costs no
    SQL at all; see docs/personalization.md, *Performance*."""
    args = request.args
    slot_key = args.get("slot", "")
    if not slot_key:
        raise _invalid("slot", "the key of a slot")
    unit, external_id = _unit(args.get("user"), args.get("anonymous_id"), "user")
    attributes = _attributes({k[5:]: v for k, v in args.items() if k.startswith("attr.")} or None)
    page = _page(args.get("page"))
    signal, expose = _flag("dnt", False), _flag("expose", True)
    consent = _flag("consent", False) if "consent" in args else None
    workspace_id = g.workspace_id
    session = db.session
    slot = decide.find_slot(session, workspace_id, slot_key)
    stored = _stored(workspace_id, unit, external_id)
    facts = hot.workspace_facts(session, workspace_id)
    people: list[hot.PersonContact] = []
    if external_id and not signal:  # the person's contacts in every environment
        people = hot.people(session, facts.environment_ids, stored[2:])
    env = collect_service.environment_for_key(session, facts.client_key)
    reason = _privacy(env, signal, consent, cast(list[Contact], people))
    result = decide.decide(session, slot, unit=unit, stored_unit=stored, contacts=people,
                           attributes=attributes, page=page, privacy_reason=reason,
                           expose=expose, batched=True)
    return jsonify(result.as_dict())  # api_key_required commits once, with the key's last use


def _timing_start() -> None:
    g.personalize_started = time.perf_counter()


def _timing_header(response: Response) -> Response:
    """``Server-Timing: app;dur=<ms>``: the time in the app, from the request's start to
    its answer (bench/personalization.py reads it)."""
    started = g.get("personalize_started")
    if started is not None:
        response.headers["Server-Timing"] = \
            f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    return response


for _bp in (client_bp, server_bp):
    _bp.before_request(_timing_start)
    _bp.after_request(_timing_header)

server_bp.add_url_rule("/api/v1/personalize", "personalize",
                       api_key_required(server_personalize, load_workspace=False),
                       methods=["GET"])
