"""Public widget endpoints (``/api/v1/client/<key>/...``), the server API endpoint
(``/api/v1/experiments/<key>/assignments``, secret key) and the click-recording chunk
(``/embed/v1/clicks.js``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select

from surveyapp.collect import payloads
from surveyapp.collect import service as collect_service
from surveyapp.collect.client import client_blueprint
from surveyapp.errors import ApiError
from surveyapp.experiments import assignment, clicks
from surveyapp.extensions import db
from surveyapp.models import Contact, Workspace
from surveyapp.platform.apikeys import api_key_required, json_body
from surveyapp.privacy.ids import stored_external_id
from surveyapp.widget import BUILD_DIR, MAX_AGE

client_bp = client_blueprint("experiments_client", __name__)


def _stored_unit(workspace_id: int, unit: str, external_id: str | None) -> str:
    """The unit as stored: a user id goes through the workspace's id hashing, if on."""
    if not external_id:
        return unit

    return "u:" + stored_external_id(db.session, workspace_id, external_id)


def _unit(data: dict[str, Any]) -> tuple[str, str | None]:
    external_id = payloads.optional_external_id(data.get("user_id"))
    anonymous = data.get("anonymous_id")
    if anonymous is not None:
        anonymous = payloads.client_id(anonymous, "anonymous_id")
    unit = assignment.unit_for(external_id, anonymous)
    if unit is None:
        raise payloads.invalid({"user_id": "a user id or an anonymous_id is required"})
    return unit, external_id


def _experiment(workspace_id: int, key: str) -> Any:
    experiment = assignment.find_running(db.session, workspace_id, key)
    if experiment is None:
        raise ApiError(404, "unknown_experiment", f"No experiment with key “{key[:64]}”.",
                       {"experiment": "unknown"})
    return experiment


@client_bp.route("/experiments/<experiment_key>", methods=["POST", "OPTIONS"])
def client_assign(experiment_key: str) -> Any:
    """The widget's surveyapp("experiment", key, cb): variant, and the exposure once."""
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    env = g.environment
    unit, external_id = _unit(data)
    experiment = _experiment(env.workspace.id, experiment_key)
    signal = request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"
    consent = data.get("consent")
    privacy = collect_service.Privacy(signal, consent if isinstance(consent, bool) else None)
    contact = collect_service.find_contact(db.session, env, external_id)
    stored = _stored_unit(env.workspace.id, unit, external_id)
    # Outside the experiment's segment: answered before anything (a contact) is stored.
    refused = assignment.outside_segment(db.session, experiment, stored,
                                         [contact.id] if contact else [])
    if refused is not None:
        return jsonify(refused.as_dict()), 200
    reason = collect_service.may_store(env, "tracking", privacy, contact)
    if reason is None and external_id and contact is None:
        contact = collect_service.get_or_create_contact(db.session, env, external_id)
    result = assignment.assign(db.session, experiment, unit, contact, expose=True,
                               may_store=reason is None, reason=reason, stored_unit=stored)
    db.session.commit()
    return jsonify(result.as_dict()), 200


@client_bp.route("/clicks", methods=["GET", "OPTIONS"])
def client_clicks() -> Any:
    """Whether the workspace records clicks (the loader fetches the click chunk if so)."""
    if request.method == "OPTIONS":
        return "", 204
    workspace = db.session.get(Workspace, g.environment.workspace.id)
    resp = jsonify({"enabled": bool(workspace and clicks.enabled(workspace))})
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def server_assign(key: str) -> Any:
    """Server API: a unit's variant; with "expose": true the exposure is stored once."""
    data = json_body()
    unit, external_id = _unit(data)
    experiment = _experiment(g.workspace.id, key)
    people: list[Contact] = []
    stored = _stored_unit(g.workspace.id, unit, external_id)
    if external_id:  # the person's contacts in every environment of the workspace
        env_ids = [e.id for e in g.workspace.environments]
        people = list(db.session.scalars(select(Contact).where(
            Contact.environment_id.in_(env_ids), Contact.external_id == stored[2:])
            .order_by(Contact.id)))
    expose = data.get("expose", False)
    if not isinstance(expose, bool):
        raise payloads.invalid({"expose": "true or false"})
    result = assignment.assign(db.session, experiment, unit, people[0] if people else None,
                               expose=expose, stored_unit=stored,
                               contact_ids=[c.id for c in people])
    db.session.commit()
    return jsonify(result.as_dict())


def clicks_chunk() -> Response:
    """The lazily loaded click recorder, served like the loader and the renderer."""
    data = (BUILD_DIR / "clicks.js").read_bytes()
    resp = Response(data, mimetype="text/javascript")
    resp.add_etag()
    resp.cache_control.public = True
    resp.cache_control.max_age = MAX_AGE
    resp.make_conditional(request)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


#: The server API's assignment endpoint (key-authenticated, so exempt from CSRF) and the
#: click-map chunk the widget loads, outside the /api/v1/client/<key> prefix.
server_bp = Blueprint("experiments_api", __name__)
server_bp.add_url_rule("/api/v1/experiments/<key>/assignments", "assign",
                       api_key_required(server_assign), methods=["POST"])
server_bp.add_url_rule("/embed/v1/clicks.js", "clicks_chunk", clicks_chunk)
