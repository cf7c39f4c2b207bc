"""This area's extra entries in the OpenAPI document (surveyapp/openapi.py merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def paths(key: dict[str, Any], client_tag: list[str], err: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    number = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    return {
        "/api/v1/client/{key}/surveys/{id}/{version}": {"get": {
            "tags": client_tag, "summary": "One version of a live survey, as the widget draws it",
            "description": "Questions, logic, appearance, thank-you text and locales of the "
                           "survey the widget is about to show (the config carries only each "
                           "survey's id, version and targeting). A version never changes, so "
                           "the answer is cacheable for a year (immutable); gzip when accepted.",
            "parameters": [key,
                           {"name": "id", "in": "path", "required": True, "schema": number},
                           {"name": "version", "in": "path", "required": True, "schema": number}],
            "responses": {"200": {"description": "The survey version"},
                          **err(400, 403, 404, 409, 422, 429)}}},
        "/api/v1/client/{key}/uploads/{id}/{question_id}": {"post": {
            "tags": client_tag, "summary": "Upload the file of a file-upload question",
            "description": "The body is the file's bytes (at most the question's `max_size_mb`, "
                           "20 MB at most). Its kind is decided from its content (magic bytes), "
                           "never from its name or declared type, and must be one the question "
                           "accepts. The answer's `token` is what the response then sends as the "
                           "question's answer; the file is deleted with the response (erasure, "
                           "retention). 202 `{\"stored\": false, \"reason\"}` when the "
                           "workspace needs consent first.",
            "parameters": [key,
                           {"name": "id", "in": "path", "required": True, "schema": number},
                           {"name": "question_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}},
                           {"name": "name", "in": "query", "required": False,
                            "description": "the file's name as the respondent had it",
                            "schema": {"type": "string", "maxLength": 200}},
                           {"name": "consent", "in": "query", "required": False,
                            "schema": {"enum": ["true", "false"]}}],
            "requestBody": {"required": True, "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}},
            "responses": {"201": {"description": "Stored: {token, name, size, type}"},
                          "202": {"description": "Not stored (consent required)"},
                          **err(403, 404, 409, 413, 422, 429)}}},
    }
