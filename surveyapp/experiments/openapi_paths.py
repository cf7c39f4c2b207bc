"""This area's entries in the OpenAPI document (surveyapp/openapi.py merges them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from surveyapp.collect import payloads


def paths(key: dict[str, Any], client_tag: list[str], server_tag: list[str],
          err: Callable[..., dict[str, Any]], body: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    assignment = {"type": "object", "properties": {
        "experiment": {"type": "string"}, "variant": {"type": ["string", "null"]},
        "running": {"type": "boolean"}, "exposed": {"type": "boolean"},
        "reason": {"type": "string", "description": "Why nothing was stored: draft, stopped, "
                                                    "consent_required, do_not_track, opted_out, "
                                                    "or not_in_segment (the experiment is limited "
                                                    "to a segment this person is not in; anonymous "
                                                    "visitors are in no segment: variant is null, "
                                                    "show the default experience)"}}}
    user_id = {"type": "string", "minLength": 1, "maxLength": payloads.EXTERNAL_ID_MAX,
               "pattern": payloads.EXTERNAL_ID_PATTERN}
    anonymous_id = {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                    "description": "The widget's random id for a visitor not signed in"}
    identified = [  # a user id or an anonymous id, not null
        {"required": ["user_id"], "properties": {"user_id": {"type": ["string", "integer"]}}},
        {"required": ["anonymous_id"], "properties": {"anonymous_id": {"type": "string"}}}]
    ok = {"description": "The variant (null when the experiment is not running, or when it is "
                         "limited to a segment the person is not in: reason not_in_segment)",
          "content": {"application/json": {"schema": assignment}}}
    return {
        "/api/v1/client/{key}/experiments/{experiment_key}": {"post": {
            "tags": client_tag, "summary": "A visitor's variant; records the exposure once",
            "description": "What surveyapp('experiment', key, callback) calls. The variant is "
                           "a hash of the user id (else the anonymous id) and the experiment "
                           "key, so it never changes; the first call stores the exposure "
                           "(when tracking is allowed), later calls store nothing.",
            "parameters": [key, {"name": "experiment_key", "in": "path", "required": True,
                                 "schema": {"type": "string"}}],
            "requestBody": body({"type": "object", "properties": {
                "user_id": user_id, "anonymous_id": anonymous_id, "consent": {"type": "boolean"}},
                "anyOf": identified},
                {"user_id": "u_42"}),
            "responses": {"200": ok, **err(400, 403, 404, 415, 422, 429)}}},
        "/api/v1/client/{key}/clicks": {"get": {
            "tags": client_tag, "summary": "Whether the workspace records click maps",
            "description": "The same as the config's `clicks`: when true, the loader fetches "
                           "the click recorder (/embed/v1/clicks.js); clicks arrive as $click "
                           "events.",
            "parameters": [key],
            "responses": {"200": {"description": "{\"enabled\": true|false}"}, **err(403, 404, 429)}}},
        "/api/v1/heatmap": {"get": {
            "tags": client_tag, "summary": "A page's clicks for the heatmap toolbar",
            "description": "What the heatmap toolbar (/embed/v1/heatmap.js) asks on the "
                           "analyst's own site. Authorised by the signed token of the click-map "
                           "page's \"Open on my site\" link (valid for an hour), not by a key or "
                           "cookie; open to any origin, read-only, rate-limited. Per element: "
                           "clicks, sessions, rage and dead clicks, the mean position inside "
                           "the element and on the page. With a segment, elements fewer than "
                           "k_min members clicked are left out.",
            "parameters": [
                {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "path", "in": "query", "required": True,
                 "schema": {"type": "string", "pattern": "^/", "maxLength": 2000}},
                {"name": "segment", "in": "query", "schema": {"type": "string"},
                 "description": "A current segment's key"},
                {"name": "device", "in": "query",
                 "schema": {"type": "string", "enum": ["mobile", "tablet", "desktop"]}}],
            "responses": {"200": {"description": "{\"path\", \"elements\": [{\"selector\", "
                                                 "\"clicks\", \"rage\", \"dead\", \"x\", \"y\", "
                                                 "\"page_x\", \"page_y\", ...}], \"segments\", "
                                                 "\"devices\", \"k_min\"}"},
                          **err(401, 422, 429)}}},
        "/api/v1/experiments/{key}/assignments": {"post": {
            "tags": server_tag, "summary": "A user's variant of an experiment (server side)",
            "description": "Same hash as the widget. With \"expose\": true the exposure is "
                           "stored once (call it when the user actually sees the variant).",
            "security": [{"secretKey": []}],
            "parameters": [{"name": "key", "in": "path", "required": True,
                            "schema": {"type": "string"}, "description": "The experiment key"}],
            "requestBody": body({"type": "object", "properties": {
                "user_id": user_id, "anonymous_id": anonymous_id, "expose": {"type": "boolean"}},
                "anyOf": identified},
                {"user_id": "u_42", "expose": True}, beacon=False),
            "responses": {"200": ok, **err(400, 401, 404, 415, 422)}}},
    }
