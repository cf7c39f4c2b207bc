"""Parsing the widget's JSON payloads: strict shapes, clear per-field errors, hard limits.

Everything here is attacker-controlled input from a public key. Nothing is trusted:
every field is type-checked and size-limited before a service sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from flask import request

from surveyapp.collect import devices
from surveyapp.collect.errors import CollectInvalid, CollectMalformed, CollectUnsupportedMedia
from surveyapp.platform.inputs import strict_loads

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # UUIDs and similar; fullmatch
EXTERNAL_ID_MAX = 255
ID_SPACE = " \t\r\n\f\v"  # trimmed from ids (ASCII only, as the OpenAPI pattern says)
NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")  # used with fullmatch
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# What an external id may look like once surrounding space is trimmed: no control characters
# (a tab or newline inside an id is a copy-paste slip that would make two people of one).
# The OpenAPI pattern states the same for the untrimmed value.
EXTERNAL_ID_PATTERN = (r"^[ \t\n\v\f\r]*[^\x00-\x20\x7f]"
                       r"(?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?[ \t\n\v\f\r]*$")
MAX_EVENTS = 100
MAX_ATTRIBUTES = 50
MAX_STRING = 500
MAX_PROPERTIES_BYTES = 4096
META_KEYS = {"url": 2000, "locale": 35, "device": 20, "referrer": 2000, "user_agent": 300,
             "hidden": 0}
CLOCK_SKEW = dt.timedelta(days=1)
MAX_AGE = dt.timedelta(days=30)


def invalid(fields: dict[str, str], message: str = "Some fields are invalid.") -> CollectInvalid:
    return CollectInvalid("invalid", message, fields)


def body() -> dict[str, Any]:
    """The JSON object sent by the widget (``text/plain`` too: that is what sendBeacon sends)."""
    if request.mimetype not in ("application/json", "text/plain"):
        raise CollectUnsupportedMedia("unsupported_media_type",
                                      "Send a JSON body ('Content-Type: application/json').")
    raw = request.get_data(cache=True)
    try:
        data = strict_loads(raw or b"{}")
    except ValueError as exc:
        raise CollectMalformed("invalid_json", f"The request body is not valid JSON: {exc}.",
                               {"": str(exc)}) from None
    if not isinstance(data, dict):
        raise invalid({"": "must be a JSON object"}, "The JSON body must be an object.")
    if b"\\u0000" in raw and _has_nul(data):  # a cheap test first: this is the hot path
        raise invalid({"": "text may not contain NUL (\\u0000) characters"},
                      "The body contains a NUL character, which no text field can store.")
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def client_id(value: Any, field: str = "id") -> str:
    if not isinstance(value, str) or not CLIENT_ID_RE.fullmatch(value):
        raise invalid({field: "a client-generated id (UUID): 8-64 letters, digits, '-' or '_'"})
    return value


def optional_external_id(value: Any, field: str = "user_id") -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 42.0 is the id 42
    text = str(value).strip(ID_SPACE) if isinstance(value, str | int) else ""
    if isinstance(value, bool) or not text:
        raise invalid({field: "a non-empty string"})
    if len(text) > EXTERNAL_ID_MAX:
        raise invalid({field: f"at most {EXTERNAL_ID_MAX} characters"})
    if CONTROL_RE.search(text):
        raise invalid({field: "no control characters (tabs, line breaks, NUL) inside an id"})
    return text


MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on both databases


def positive_int(value: Any, field: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 15.0 is the integer 15
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise invalid({field: "a positive integer"})
    return value


def short_text(value: Any, field: str, limit: int) -> str | None:
    """An optional label such as a session id: text, cut to ``limit`` characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid({field: "a string"})
    return value[:limit]


def boolean(value: Any, field: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid({field: "true or false"})
    return value


def attributes(value: Any, field: str = "attributes") -> dict[str, Any]:
    """Contact attributes: a flat object of scalars, bounded in count and size."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid({field: "an object of attribute names to values"})
    if len(value) > MAX_ATTRIBUTES:
        raise invalid({field: f"at most {MAX_ATTRIBUTES} attributes"})
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= 64 or not NAME_RE.fullmatch(key):
            raise invalid({f"{field}.{str(key)[:64]}": "names are 1-64 printable characters"})
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                raise invalid({f"{field}.{key}": f"at most {MAX_STRING} characters"})
        elif item is not None and not isinstance(item, bool | int | float):
            raise invalid({f"{field}.{key}": "a string, number, boolean or null"})
        elif isinstance(item, float) and item != item:  # NaN
            raise invalid({f"{field}.{key}": "not a number"})
        out[key] = item
    return out


def properties(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid({field: "an object"})
    if len(json.dumps(value, default=str)) > MAX_PROPERTIES_BYTES:
        raise invalid({field: f"at most {MAX_PROPERTIES_BYTES} bytes of JSON"})
    return value


def meta(value: Any) -> dict[str, Any]:
    """Where the answer was given. Only known keys are kept; never the IP address."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid({"meta": "an object"})
    out: dict[str, Any] = {}
    for key, limit in META_KEYS.items():
        item = value.get(key)
        if item is None:
            continue
        if key == "hidden":
            out[key] = attributes(item, "meta.hidden")
            continue
        if not isinstance(item, str):
            raise invalid({f"meta.{key}": "a string"})
        out[key] = devices.normalise(item)[:limit] if key == "device" else item[:limit]
    return out


def timestamp(value: Any, field: str, now: dt.datetime) -> dt.datetime:
    """Client clocks are wrong: accept ISO 8601 or epoch millis within sane bounds."""
    if value is None:
        return now
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float):
            when = dt.datetime.fromtimestamp(value / 1000, dt.UTC)
        elif isinstance(value, str):
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise invalid({field: "an ISO 8601 time or epoch milliseconds"}) from None
    if when > now + CLOCK_SKEW or when < now - MAX_AGE:
        raise invalid({field: "more than a day in the future or a month in the past"})
    return when.astimezone(dt.UTC)


def event_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise invalid({field: "an event name: 1-200 printable characters"})
    return value
