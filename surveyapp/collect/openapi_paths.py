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
    }
