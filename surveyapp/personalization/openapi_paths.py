"""This area's entries in the OpenAPI document (surveyapp/openapi.py merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from surveyapp.collect import payloads

WHY = ("rule (a rule matched), model (no rule did; the slot's recommendation model ranked "
       "the variants), default (neither), holdout (the random share kept without "
       "personalisation, to measure lift), do_not_track (DNT or GPC), opted_out (the person "
       "turned personalisation off or refused consent), consent_required (the workspace asks "
       "for consent first), not_live (the slot is paused or unpublished: variant is null)")


def paths(key: dict[str, Any], client_tag: list[str], server_tag: list[str],
          err: Callable[..., dict[str, Any]], body: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    decision = {"type": "object", "properties": {
        "slot": {"type": "string"}, "version": {"type": ["integer", "null"]},
        "variant": {"type": ["string", "null"]},
        "payload": {"description": "The variant's JSON payload (valid against the slot's schema)"},
        "reason": {"type": "string", "description": "“Why am I seeing this?”, in plain words"},
        "why": {"enum": ["rule", "model", "default", "holdout", "do_not_track", "opted_out",
                         "consent_required", "not_live"], "description": WHY},
        "personalized": {"type": "boolean"}, "holdout": {"type": "boolean"},
        "items": {"type": ["array", "null"], "items": {"type": "string"},
                  "description": "A model-ranked slot's top 10 items, best first (null "
                                 "otherwise, and in the holdout)"},
        "exposed": {"type": "boolean", "description": "An exposure of this version is stored "
                                                      "(once per person and version)"},
        "relevance": {"type": ["object", "null"], "description": "The slot's relevance "
                      "micro-survey (1-5) when it has one and this decision was recorded: "
                      "question, low, high, thanks, answered", "properties": {
                          "question": {"type": "string"}, "low": {"type": "string"},
                          "high": {"type": "string"}, "thanks": {"type": "string"},
                          "answered": {"type": "boolean"}}}}}
    ok = {"description": "The decision", "content": {"application/json": {"schema": decision}}}
    user_id = {"type": "string", "minLength": 1, "maxLength": payloads.EXTERNAL_ID_MAX,
               "pattern": payloads.EXTERNAL_ID_PATTERN}
    anonymous_id = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}
    attributes = {"type": "object", "maxProperties": 50,
                  "propertyNames": {"minLength": 1, "maxLength": 100},
                  "additionalProperties": {"anyOf": [{"type": "string", "maxLength": 500},
                                                     {"type": ["number", "boolean", "null"]}]},
                  "description": "Attributes for rules (an anonymous visitor's plan, say)"}
    page = {"type": ["string", "null"], "maxLength": 2000, "description": "The page's path or URL"}
    return {
        "/api/v1/client/{key}/personalize/{slot_key}": {"post": {
            "tags": client_tag, "summary": "A visitor's variant of a slot, with the reason",
            "description": "What surveyapp('personalize', slot, callback) calls. DNT, Sec-GPC, "
                           "a refused consent, the self-service switch and the workspace's "
                           "consent mode give the default variant: no profile read, nothing "
                           "stored. Otherwise the first exposure of each slot version is stored.",
            "parameters": [key, {"name": "slot_key", "in": "path", "required": True,
                                 "schema": {"type": "string"}}],
            "requestBody": body({"type": "object", "properties": {
                "user_id": user_id, "anonymous_id": anonymous_id, "attributes": attributes,
                "page": page, "consent": {"type": "boolean"},
                "dnt": {"type": "boolean", "description": "The browser's Do Not Track or "
                        "Global Privacy Control (the widget reads both)"}},
                "anyOf": [{"required": ["user_id"],
                           "properties": {"user_id": {"type": ["string", "integer"]}}},
                          {"required": ["anonymous_id"],
                           "properties": {"anonymous_id": {"type": "string"}}}]},
                {"anonymous_id": "3f1c2a9e-77d0-4b5e", "page": "/pricing",
                 "attributes": {"plan": "pro"}}),
            "responses": {"200": ok, **err(400, 403, 404, 415, 422, 429)}}},
        "/api/v1/client/{key}/personalize/{slot_key}/relevance": {"post": {
            "tags": client_tag, "summary": "A visitor's answer to a slot's relevance question",
            "description": "“Was this relevant?” (1-5) about the visitor's decision of that "
                           "version, kept on its exposure (a later answer replaces it). Under "
                           "DNT/GPC, an opt-out or missing consent nothing is stored "
                           "(stored: false).",
            "parameters": [key, {"name": "slot_key", "in": "path", "required": True,
                                 "schema": {"type": "string"}}],
            "requestBody": body({"type": "object", "required": ["version", "score"],
                                 "properties": {
                "user_id": user_id, "anonymous_id": anonymous_id,
                "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                "consent": {"type": "boolean"}, "dnt": {"type": "boolean"}},
                "anyOf": [{"required": ["user_id"],
                           "properties": {"user_id": {"type": ["string", "integer"]}}},
                          {"required": ["anonymous_id"],
                           "properties": {"anonymous_id": {"type": "string"}}}]},
                {"anonymous_id": "3f1c2a9e-77d0-4b5e", "version": 1, "score": 4}),
            "responses": {"200": {"description": "Whether the answer was stored", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "stored": {"type": "boolean"}}}}}},
                **err(400, 403, 404, 415, 422, 429)}}},
        "/api/v1/personalize": {"get": {
            "tags": server_tag, "summary": "A user's variant of a slot (server side)",
            "description": "Same decision as the widget's. Pass the visitor's DNT/GPC as dnt=1 "
                           "and a consent given in your product as consent=true|false; "
                           "attributes as attr.<name>=value.",
            "security": [{"secretKey": []}],
            "parameters": [
                {"name": "slot", "in": "query", "required": True,
                 "schema": {"type": "string", "minLength": 1, "maxLength": 64}},
                {"name": "user", "in": "query", "required": True, "schema": user_id,
                 "description": "Your user id (for a visitor not signed in, leave it out and "
                                "send anonymous_id)"},
                {"name": "anonymous_id", "in": "query", "schema": anonymous_id},
                {"name": "page", "in": "query", "schema": page},
                {"name": "dnt", "in": "query", "schema": {"type": "boolean"}},
                {"name": "consent", "in": "query", "schema": {"type": "boolean"}},
                {"name": "expose", "in": "query", "schema": {"type": "boolean", "default": True},
                 "description": "false: only ask, store no exposure"}],
            "responses": {"200": ok, **err(401, 404, 422)}}},
    }
