"""This area's entries in the OpenAPI document (surveyapp/openapi.py merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from surveyapp.collect import payloads


def paths(key: dict[str, Any], client_tag: list[str], server_tag: list[str],
          err: Callable[..., dict[str, Any]], body: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    link = {"type": "object", "properties": {
        "url": {"type": "string", "format": "uri"},
        "expires_at": {"type": "string", "format": "date-time"}}}
    return {
        "/api/v1/client/{key}/privacy-link": {"post": {
            "tags": client_tag, "summary": "A signed link to the person's own privacy page",
            "description": "The page (/privacy/me/…) shows what is stored about the person and "
                           "lets them download it, turn tracking and personalisation off, and "
                           "delete it; the link works for 30 days. Public keys are public, so "
                           "the user id must be verified: user_hash is the hex HMAC-SHA256 of "
                           "user_id under the workspace's identity secret (Privacy page), "
                           "computed on your server.",
            "parameters": [key],
            "requestBody": body({"type": "object", "required": ["user_id", "user_hash"], "properties": {
                "user_id": {"type": "string", "minLength": 1, "maxLength": payloads.EXTERNAL_ID_MAX,
                            "pattern": payloads.EXTERNAL_ID_PATTERN},
                "user_hash": {"type": "string", "minLength": 1}}},
                {"user_id": "u_42", "user_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}),
            "responses": {"200": {"description": "The link", "content": {"application/json": {"schema": link}}},
                          **err(400, 403, 404, 415, 422, 429)}}},
    }
