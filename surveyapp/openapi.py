"""OpenAPI 3.1 description of the public collection API and the server API, served at
``/api/openapi.json`` and rendered for people at ``/docs/api`` (no CDN: works offline)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, url_for

from surveyapp import __version__
from surveyapp.collect import payloads
from surveyapp.collect.openapi_paths import paths as collect_paths
from surveyapp.experiments.openapi_paths import paths as experiments_paths
from surveyapp.integrations import openapi_paths as integrations
from surveyapp.models import Role
from surveyapp.personalization.openapi_paths import paths as personalization_paths
from surveyapp.platform.access import workspace_view
from surveyapp.platform.web import workspace_blueprint
from surveyapp.platform.wiring import Wiring
from surveyapp.privacy.openapi_paths import paths as privacy_paths
from surveyapp.surveys.schema_doc import SCHEMA

bp = Blueprint("apidocs", __name__)
ws_bp = workspace_blueprint("apidocs_ws", __name__)

ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"],
                             "properties": {"code": {"type": "string", "example": "invalid_answers"},
                                            "message": {"type": "string"},
                                            "fields": {"type": "object",
                                                       "additionalProperties": {"type": "string"}}}}},
}


def _err(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed body", 401: "Missing or wrong secret key", 403: "Origin not allowed",
            404: "Unknown key, survey or object", 409: "Conflict (survey not live, finished "
            "response, response cap)", 413: "Body too large", 415: "Not JSON",
            422: "Invalid fields; nothing was stored", 429: "Rate limited; see Retry-After"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _body(schema: dict[str, Any], example: dict[str, Any], *, beacon: bool = True) -> dict[str, Any]:
    """A JSON body; the collection API also takes it as text/plain (navigator.sendBeacon)."""
    content = {"application/json": {"schema": schema, "example": example}}
    if beacon:
        content["text/plain"] = {"schema": schema}
    return {"required": True, "content": content}


KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
       "description": "The environment's public key (pk_…), from the embed snippet."}
# Field shapes, from the collection API's own validators (surveyapp/collect/payloads.py).
ID = {"type": "integer", "minimum": 1, "maximum": payloads.MAX_ID}
CLIENT_ID = {"type": "string", "pattern": payloads.CLIENT_ID_RE.pattern,
             "description": "Made by the client, e.g. a UUID"}
USER_ID = {"type": "string", "minLength": 1, "maxLength": payloads.EXTERNAL_ID_MAX,
           "pattern": payloads.EXTERNAL_ID_PATTERN, "description": "Your id for the person"}
NAME = {"type": "string", "pattern": payloads.NAME_RE.pattern}
ATTRIBUTES = {"type": "object", "maxProperties": payloads.MAX_ATTRIBUTES,
              "propertyNames": {**NAME, "maxLength": 64},
              "additionalProperties": {"anyOf": [
                  {"type": "string", "maxLength": payloads.MAX_STRING},
                  {"type": ["number", "boolean", "null"]}]}}
CLIENT_TAG = ["Collection (public, used by the widget)"]
SERVER_TAG = ["Server API (secret key)"]


def document() -> dict[str, Any]:
    answers = {"type": "object", "description": "Question id → answer: a number for NPS/CSAT/"
               "CES/rating, a choice id (or {\"other\": text}) for single choice, a list of those "
               "for multiple choice, text for open text, true/false for consent.",
               "additionalProperties": True}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "surveyapp API", "version": __version__,
                 "description": "The public collection API takes answers and events from the "
                 "embedded widget (or any client) with an environment's public key; it can do "
                 "nothing but collect. Every write is idempotent: resend with the same id and "
                 "nothing is duplicated. The server API reads surveys and responses with a "
                 "workspace's secret key. Errors always have the shape in `Error`."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"secretKey": {"type": "http", "scheme": "bearer",
                                              "description": "A workspace API key (sk_…)."},
                                **integrations.SECURITY_SCHEME},
        },
        "paths": {
            "/api/v1/client/{key}/config": {"get": {
                "tags": CLIENT_TAG, "summary": "Live surveys and their targeting",
                "description": "One cacheable document per environment. Send If-None-Match "
                               "with the last ETag to get 304 when nothing changed.",
                "parameters": [KEY],
                "responses": {"200": {"description": "Config; ETag and Cache-Control set"},
                              "304": {"description": "Unchanged since the ETag"},
                              **_err(403, 404, 429)}}},
            "/api/v1/client/{key}/displays": {"post": {
                "tags": CLIENT_TAG, "summary": "Record that a survey was shown",
                "parameters": [KEY],
                "requestBody": _body({"type": "object", "required": ["id", "survey_id"], "properties": {
                    "id": CLIENT_ID, "survey_id": ID, "version": ID, "user_id": USER_ID,
                    "consent": {"type": "boolean"}}},
                    {"id": "5b0c4c7e-8a52-4a54-9f0e-1b6f0d2a9e11", "survey_id": 1, "version": 2}),
                "responses": {"201": {"description": "Stored"}, "200": {"description": "A retry"},
                              "202": {"description": "Not stored (consent, Do-Not-Track)"},
                              **_err(400, 403, 404, 409, 413, 422, 429)}}},
            "/api/v1/client/{key}/responses/{id}": {"put": {
                "tags": CLIENT_TAG, "summary": "Create or update a response",
                "description": "The client makes the UUID. The first write needs survey_id; "
                               "later writes merge answers (partial answers are kept); "
                               "finished=true checks required questions on the respondent's "
                               "path. A finished response cannot change; resending the same "
                               "final write returns 200.",
                "parameters": [KEY, {"name": "id", "in": "path", "required": True,
                                     "schema": CLIENT_ID}],
                "requestBody": _body({"type": "object", "properties": {
                    "survey_id": ID, "version": ID,
                    "answers": answers, "finished": {"type": "boolean"},
                    "user_id": USER_ID, "display_id": CLIENT_ID,
                    "consent": {"type": "boolean"},
                    "meta": {"type": "object", "properties": {
                        "url": {"type": "string"}, "locale": {"type": "string"},
                        "device": {"type": "string"}, "referrer": {"type": "string"},
                        "hidden": ATTRIBUTES}}}},
                    {"survey_id": 1, "answers": {"score": 4, "why": "Too slow on mobile"},
                     "finished": True, "meta": {"url": "https://example.com/app", "locale": "en"}}),
                "responses": {"201": {"description": "Created"},
                              "200": {"description": "Updated, or a retry"},
                              "202": {"description": "Not stored (consent required)"},
                              **_err(400, 403, 404, 409, 413, 422, 429)}}},
            "/api/v1/client/{key}/events": {"post": {
                "tags": CLIENT_TAG, "summary": "Record behavioural events (batch)",
                "description": "Up to 100 events. Events with an id are stored once however "
                               "often they are sent (sendBeacon's text/plain is accepted). One "
                               "invalid event rejects the whole batch.",
                "parameters": [KEY],
                "requestBody": _body({"type": "object", "required": ["events"], "properties": {
                    "events": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object", "required": ["name"], "properties": {
                        "id": CLIENT_ID, "name": NAME,
                        "properties": {"type": "object", "description": "At most 4 KB as JSON"},
                        "timestamp": {"type": ["string", "integer"], "description": "ISO 8601 "
                                      "or epoch milliseconds; at most a day ahead or 30 days back"},
                        "session_id": {"type": "string"}, "user_id": USER_ID}}},
                    "user_id": USER_ID, "consent": {"type": "boolean"}}},
                    {"events": [{"id": "0c1f4f5e-8d3c-4c1e-9a43-2b7f6a0d3e55", "name": "export_clicked",
                                 "properties": {"format": "csv"}}], "user_id": "u_42"}),
                "responses": {"202": {"description": "Received; `stored` counts new rows"},
                              **_err(400, 403, 404, 413, 422, 429)}}},
            "/api/v1/client/{key}/identify": {"post": {
                "tags": CLIENT_TAG, "summary": "Name the user, merge attributes, record consent",
                "parameters": [KEY],
                "requestBody": _body({"type": "object", "required": ["user_id"], "properties": {
                    "user_id": USER_ID, "attributes": ATTRIBUTES,
                    "consent": {"type": "boolean"},
                    "notice_version": {**ID, "description": "The consent notice "
                                       "version shown (config's consent_notice.version); kept "
                                       "with the decision"}}},
                    {"user_id": "u_42", "attributes": {"plan": "pro"}, "consent": True,
                     "notice_version": 2}),
                "responses": {"200": {"description": "Stored. `segments` lists the keys of the "
                                             "saved segments this person is in (theirs only), "
                                             "for segment targeting",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "properties": {
                                              "user_id": {"type": "string"}, "stored": {"type": "boolean"},
                                              "segments": {"type": "array", "items": {"type": "string"}}}}}}},
                              "202": {"description": "Not stored (consent, Do-Not-Track)"},
                              **_err(400, 403, 404, 413, 422, 429)}}},
            **collect_paths(KEY, CLIENT_TAG, _err),
            **experiments_paths(KEY, CLIENT_TAG, SERVER_TAG, _err, _body),
            **privacy_paths(KEY, CLIENT_TAG, SERVER_TAG, _err, _body),
            **integrations.paths(_err, _body),
            **personalization_paths(KEY, CLIENT_TAG, SERVER_TAG, _err, _body),
            "/api/v1/workspace": {"get": {
                "tags": SERVER_TAG, "summary": "The workspace and its environments' public keys",
                "security": [{"secretKey": []}], "responses": {"200": {"description": "OK"}, **_err(401)}}},
            "/api/v1/surveys": {"get": {
                "tags": SERVER_TAG, "summary": "Surveys with status and current version",
                "security": [{"secretKey": []}], "responses": {"200": {"description": "OK"}, **_err(401)}}},
            "/api/v1/surveys/{id}/responses": {"get": {
                "tags": SERVER_TAG, "summary": "Responses, oldest first, paginated",
                "description": "Each response carries `annotations`: per open-text question "
                               "its theme and sentiment, once the analysis has run.",
                "security": [{"secretKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                           "maximum": 500, "default": 100}},
                               {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                                           "maximum": payloads.MAX_ID},
                                "description": "Pass the previous page's next_after"}],
                "responses": {"200": {"description": "OK"}, **_err(401, 404, 422)}}},
            "/api/v1/surveys/{id}/exports": {"post": {
                "tags": SERVER_TAG, "summary": "Start an export job (CSV, XLSX or Parquet)",
                "security": [{"secretKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": _body({"type": "object", "additionalProperties": False, "properties": {
                    "finished_only": {"type": "boolean"},
                    "format": {"enum": ["csv", "xlsx", "parquet"]},
                    "real_ids": {"type": "boolean", "description": "Real user ids in the contact "
                                 "column and real contact-info answers; default false: stable "
                                 "per-workspace pseudonyms"},
                    "omit_personal": {"type": "boolean", "description": "Leave out the "
                                      "columns of contact-info questions (personal data); "
                                      "default false"}}},
                    {"finished_only": True, "format": "xlsx"}, beacon=False),
                "responses": {"202": {"description": "Started; Location is the job"},
                              **_err(400, 401, 404, 415, 422)}}},
            "/api/v1/surveys/{id}/themes": {"get": {
                "tags": SERVER_TAG, "summary": "Themes of the open-text answers (insights)",
                "description": "Per analysed open-text question: each theme's answer count, "
                               "share, sentiment mix, NPS with its 95% CI (hidden below 5 "
                               "answers) and PII-scrubbed quotes.",
                "security": [{"secretKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": ID}],
                "responses": {"200": {"description": "OK"}, **_err(401, 404)}}},
            "/api/v1/segments": {"get": {
                "tags": SERVER_TAG, "summary": "Saved behavioural segments with their size (insights)",
                "security": [{"secretKey": []}], "responses": {"200": {"description": "OK"}, **_err(401)}}},
            "/api/v1/jobs/{id}": {"get": {
                "tags": SERVER_TAG, "summary": "A job's status, progress and result",
                "security": [{"secretKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "OK"}, **_err(401, 404)}}},
        },
    }
    for path, item in doc["paths"].items():
        if path.startswith("/api/v1/client/"):
            for op in item.values():
                # JSON and text/plain (sendBeacon) share one schema: adjust it once.
                schemas = {id(m["schema"]): m["schema"]
                           for m in op.get("requestBody", {}).get("content", {}).values()}
                for schema in schemas.values():
                    _lenient(schema)
    return doc


def _lenient(schema: dict[str, Any]) -> None:
    """What the collection API accepts besides the strict shapes: ``null`` for any optional
    field (the same as leaving it out) and a number as a user id."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    for name, sub in list(props.items()):
        _lenient(sub)
        if "items" in sub:
            _lenient(sub["items"])
        if name == "user_id":
            sub = {"anyOf": [sub, {"type": "integer"}]}
        if name not in required:
            sub = {"anyOf": [sub, {"type": "null"}]}
        props[name] = sub


@bp.route("/api/openapi.json")
def openapi_json() -> Any:
    resp = jsonify(document())
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.route("/docs/api")
def docs() -> str:
    return _docs_page()


@ws_bp.route("/docs/api")
@workspace_view(Role.VIEWER)
def workspace_docs() -> str:
    """The same page inside a workspace, so its navigation stays (#27); the footer of the
    workspace pages links here."""
    return _docs_page()


def _docs_page() -> str:
    doc = document()
    operations = [(path, method, op) for path, item in doc["paths"].items()
                  for method, op in item.items()]
    tags = list(dict.fromkeys(op["tags"][0] for _, _, op in operations))
    return render_template("apidocs.html", doc=doc, operations=operations, tags=tags,
                           spec_url=url_for("apidocs.openapi_json"),
                           loader_url=url_for("widget.asset", name="loader.js", _external=True))


@bp.route("/api/survey.schema.json")
def survey_schema() -> Any:
    resp = jsonify(SCHEMA)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def init_app(app: Flask) -> None:
    wiring = Wiring(app, "openapi")
    wiring.blueprint(bp)
    wiring.blueprint(ws_bp)
