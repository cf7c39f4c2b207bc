"""Reading Segment-spec messages (the Segment and RudderStack HTTP tracking API).

A message is one of ``track``, ``identify``, ``page``, ``screen``, ``group`` or ``alias``
(https://segment.com/docs/connections/spec/). ``parse`` checks one message and returns a
``Message`` with the fields our store keeps, or raises ``IntegrationInvalid`` naming the
field. Limits are the event store's (surveyapp/collect/payloads.py): an event name of
1-200 printable characters, properties of at most 4 KB of JSON, a timestamp within a day
ahead and a month back. Traits are flattened into contact attributes (``address.city``),
long strings are cut rather than refused: a CRM sending a 2,000-character bio should not
lose the person's plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from surveyapp.collect import payloads as p
from surveyapp.collect.errors import CollectInvalid
from surveyapp.integrations.errors import IntegrationInvalid
from surveyapp.platform.inputs import unstorable

KINDS = ("track", "identify", "page", "screen", "group", "alias")
#: What a page or screen call is stored as in the event store.
PAGE_EVENT = "$page"
SCREEN_EVENT = "$screen"
MESSAGE_ID_MAX = 100
MAX_BATCH = 500  # Segment's own batch limit is 500 KB; the python client sends 100 at most
ANONYMOUS_PREFIX = "anon:"  # an anonymous id's contact: external_id "anon:<anonymousId>"


@dataclass
class Message:
    kind: str
    message_id: str | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: dt.datetime
    event: str | None = None  # track: the event; page/screen: $page/$screen
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None
    previous_id: str | None = None
    session_id: str | None = None


def _invalid(fields: dict[str, str]) -> IntegrationInvalid:
    return IntegrationInvalid("invalid", "This message breaks the Segment spec or a limit "
                              "of the event store.", fields)


def _id(value: Any, name: str) -> str | None:
    try:
        return p.optional_external_id(value, name)
    except CollectInvalid as exc:
        raise _invalid(exc.fields) from None


def _text(value: Any, name: str, limit: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid({name: "a string"})
    return value[:limit]


def _when(item: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """``timestamp``, else ``originalTimestamp`` corrected by the client's clock skew
    (``sentAt`` against now, as Segment does), else now."""
    try:
        if item.get("timestamp") is not None:
            return p.timestamp(item["timestamp"], "timestamp", now)
        if item.get("originalTimestamp") is not None:
            original = p.timestamp(item["originalTimestamp"], "originalTimestamp", now)
            if item.get("sentAt") is not None:
                sent = p.timestamp(item["sentAt"], "sentAt", now)
                return p.timestamp((original + (now - sent)).isoformat(), "originalTimestamp", now)
            return original
    except CollectInvalid as exc:
        raise _invalid(exc.fields) from None
    return now


def flatten(traits: Any, name: str = "traits") -> dict[str, Any]:
    """Traits as flat contact attributes: nested objects joined with dots, lists of
    scalars joined with commas, strings cut to the attribute limit; at most 50."""
    if traits is None:
        return {}
    if not isinstance(traits, dict):
        raise _invalid({name: "an object"})
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if len(out) >= p.MAX_ATTRIBUTES:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
            return
        key = prefix[:64]
        if not key or not p.NAME_RE.fullmatch(key):
            return  # a name no attribute can have (control characters): left out
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if not isinstance(v, dict | list))
        if isinstance(value, float) and value != value:
            return
        if isinstance(value, str):
            value = value.replace("\x00", "")[:p.MAX_STRING]
        elif value is not None and not isinstance(value, bool | int | float):
            value = str(value)[:p.MAX_STRING]
        out[key] = value

    walk("", traits)
    return out


def parse(item: Any, kind: str | None = None, now: dt.datetime | None = None) -> Message:
    """One message; ``kind`` is the call's type for the single-message endpoints
    (/v1/track, ...), else the message's own ``type``."""
    if not isinstance(item, dict):
        raise _invalid({"": "a message object"})
    now = now or dt.datetime.now(dt.UTC)
    kind = kind or item.get("type")
    if not isinstance(kind, str) or kind not in KINDS:
        raise _invalid({"type": "one of " + ", ".join(KINDS)})
    message_id = item.get("messageId")
    if message_id is not None and (not isinstance(message_id, str | int) or isinstance(message_id, bool)
                                   or not 0 < len(str(message_id)) <= MESSAGE_ID_MAX):
        raise _invalid({"messageId": f"a string of at most {MESSAGE_ID_MAX} characters"})
    msg = Message(kind=kind, message_id=str(message_id) if message_id is not None else None,
                  user_id=_id(item.get("userId"), "userId"),
                  anonymous_id=_id(item.get("anonymousId"), "anonymousId"),
                  timestamp=_when(item, now))
    longest = p.EXTERNAL_ID_MAX - len(ANONYMOUS_PREFIX)
    if msg.anonymous_id and len(msg.anonymous_id) > longest:
        raise _invalid({"anonymousId": f"at most {longest} characters"})
    raw_context = item.get("context")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    session = context.get("sessionId")
    msg.session_id = (str(session)[:64] if isinstance(session, int) and not isinstance(session, bool)
                      else _text(session, "context.sessionId", 64))
    if kind == "alias":
        msg.previous_id = _id(item.get("previousId"), "previousId")
        if msg.previous_id is None or msg.user_id is None:
            raise _invalid({"previousId" if msg.previous_id is None else "userId":
                            "required for alias"})
        return msg
    if msg.user_id is None and msg.anonymous_id is None:
        raise _invalid({"userId": "userId or anonymousId is required"})
    try:
        if kind == "track":
            msg.event = p.event_name(item.get("event"), "event")
            msg.properties = p.properties(item.get("properties"), "properties")
        elif kind in ("page", "screen"):
            props = dict(p.properties(item.get("properties"), "properties"))
            for key in ("name", "category"):
                if isinstance(item.get(key), str):
                    props.setdefault(key, item[key][:200])
            raw_page = context.get("page")
            page: dict[str, Any] = raw_page if isinstance(raw_page, dict) else {}
            for key in ("url", "path", "title", "referrer"):
                if isinstance(page.get(key), str):
                    props.setdefault(key, page[key][:2000])
            msg.properties = p.properties(props, "properties")
            msg.event = PAGE_EVENT if kind == "page" else SCREEN_EVENT
        elif kind == "identify":
            msg.traits = flatten(item.get("traits") if item.get("traits") is not None
                                 else context.get("traits"))
        elif kind == "group":
            msg.group_id = _id(item.get("groupId"), "groupId")
            if msg.group_id is None:
                raise _invalid({"groupId": "required for group"})
            msg.traits = flatten(item.get("traits"))
    except CollectInvalid as exc:
        raise _invalid(exc.fields) from None
    why = unstorable(msg.properties)
    if why:
        raise _invalid({"properties": why})
    return msg


def batch_items(data: dict[str, Any]) -> list[Any]:
    items = data.get("batch")
    if not isinstance(items, list) or not items:
        raise _invalid({"batch": "a non-empty list of messages"})
    if len(items) > MAX_BATCH:
        raise _invalid({"batch": f"at most {MAX_BATCH} messages per request"})
    return items

