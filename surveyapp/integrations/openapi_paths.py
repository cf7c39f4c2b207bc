"""This area's entries in the OpenAPI document (surveyapp/openapi.py merges them): the
Segment / RudderStack tracking API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from surveyapp.integrations.spec import KINDS, MAX_BATCH

TAG = ["Segment-spec tracking API (write key)"]

_MESSAGE = {
    "type": "object",
    "description": "A Segment-spec message (segment.com/docs/connections/spec). userId or "
                   "anonymousId is required (alias: previousId and userId); messageId makes "
                   "a retry harmless. page/screen are stored as $page/$screen events, "
                   "identify traits as contact attributes (nested objects as dotted names), "
                   "group as group_id and group.<trait> attributes.",
    "properties": {
        "type": {"enum": list(KINDS)},
        "messageId": {"type": "string", "maxLength": 100},
        "userId": {"type": "string", "maxLength": 255},
        "anonymousId": {"type": "string", "maxLength": 250},
        "previousId": {"type": "string", "maxLength": 255},
        "groupId": {"type": "string", "maxLength": 255},
        "event": {"type": "string", "maxLength": 200},
        "name": {"type": "string"},
        "properties": {"type": "object"},
        "traits": {"type": "object"},
        "context": {"type": "object"},
        "timestamp": {"type": "string", "format": "date-time"},
        "originalTimestamp": {"type": "string", "format": "date-time"},
        "sentAt": {"type": "string", "format": "date-time"},
    },
}
_OUTCOME = {"type": "object", "properties": {
    "success": {"type": "boolean"}, "received": {"type": "integer"},
    "stored": {"type": "integer"}, "duplicates": {"type": "integer"},
    "not_stored": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "Messages the consent rules kept out, by reason"},
    "rejected": {"type": "array", "items": {"type": "object", "properties": {
        "index": {"type": "integer"}, "messageId": {"type": ["string", "null"]},
        "fields": {"type": "object"}}}}}}


def paths(err: Callable[..., dict[str, Any]],
          body: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    ok = {"description": "Stored (what was not, and why, is in the body)",
          "content": {"application/json": {"schema": _OUTCOME}}}
    security: list[dict[str, list[str]]] = [{"writeKey": []}]
    out: dict[str, Any] = {
        "/api/segment/v1/batch": {"post": {
            "tags": TAG, "summary": "Many Segment-spec messages (what Segment's libraries send)",
            "description": f"Up to {MAX_BATCH} messages. Valid ones are stored, each invalid "
                           "one is listed in `rejected` with what is wrong; a body may be "
                           "gzip (Content-Encoding: gzip).",
            "security": security,
            "requestBody": body({"type": "object", "required": ["batch"], "properties": {
                "batch": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                          "items": _MESSAGE},
                "writeKey": {"type": "string"}, "sentAt": {"type": "string"}}},
                {"batch": [{"type": "track", "userId": "u_42", "event": "Report Exported",
                            "messageId": "5f1c0d1e-1111-4a5a-9c1e-000000000001"}]},
                beacon=False),
            "responses": {"200": ok, **err(400, 401, 413, 422, 429)}}},
    }
    for kind in KINDS:
        out[f"/api/segment/v1/{kind}"] = {"post": {
            "tags": TAG, "summary": f"One {kind} message",
            "description": "The same as a batch of one, but an invalid message is a 422.",
            "security": security,
            "requestBody": body(_MESSAGE, {"userId": "u_42", "event": "Report Exported"}
                                if kind == "track" else {"userId": "u_42"}, beacon=False),
            "responses": {"200": ok, **err(400, 401, 413, 422, 429)}}}
    return out


SECURITY_SCHEME = {"writeKey": {
    "type": "http", "scheme": "basic",
    "description": "User name: an environment's public key (pk_...), password empty."}}
