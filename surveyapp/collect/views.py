"""Public collection API for the widget and link pages: ``/api/v1/client/<key>/...``.

The key is public (it is in every page that embeds the widget), so it can do nothing but
collect. Requests are checked against the environment's allowed origins (CORS), rate
limited per key and client address, size limited, and validated before anything is stored.
"""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, make_response, request

from surveyapp.collect import payloads, service
from surveyapp.collect.client import client_blueprint, compressed
from surveyapp.extensions import db

bp = client_blueprint("collect", __name__)


def _privacy(data: dict[str, Any] | None = None) -> service.Privacy:
    signal = request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"
    consent = (data or {}).get("consent")
    if consent is not None and not isinstance(consent, bool):
        raise payloads.invalid({"consent": "true or false"})
    return service.Privacy(do_not_track=signal, consent=consent)


@bp.route("/config", methods=["GET", "OPTIONS"])
def config() -> Any:
    if request.method == "OPTIONS":
        return "", 204
    document = service.widget_config(db.session, g.environment)
    etag = service.etag_of(document)
    if request.if_none_match.contains(etag):
        resp = make_response("", 304)
    else:
        resp = jsonify(document)
    resp.set_etag(etag)
    # Short freshness, then revalidation with the ETag: publishing shows up within a minute.
    resp.headers["Cache-Control"] = "public, max-age=60, stale-while-revalidate=300"
    return compressed(resp)


@bp.route("/surveys/<int:survey_id>/<int:version>", methods=["GET", "OPTIONS"])
def survey_definition(survey_id: int, version: int) -> Any:
    """The questions of the survey the widget is about to show: immutable per version."""
    if request.method == "OPTIONS":
        return "", 204
    resp = jsonify(service.survey_definition(db.session, g.environment, survey_id, version))
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return compressed(resp)


@bp.route("/displays", methods=["POST", "OPTIONS"])
def displays() -> Any:
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    result, created = service.record_display(db.session, g.environment, data, _privacy(data))
    db.session.commit()
    return jsonify(result), 201 if created else (200 if result["stored"] else 202)


@bp.route("/responses/<response_id>", methods=["PUT", "OPTIONS"])
def responses(response_id: str) -> Any:
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    result, created = service.save_response(db.session, g.environment, response_id, data,
                                            _privacy(data))
    db.session.commit()
    return jsonify(result), 201 if created else (200 if result["stored"] else 202)


@bp.route("/events", methods=["POST", "OPTIONS"])
def events() -> Any:
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    result = service.record_events(db.session, g.environment, data, _privacy(data))
    db.session.commit()
    return jsonify(result), 202


@bp.route("/identify", methods=["POST", "OPTIONS"])
def identify() -> Any:
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    result = service.identify(db.session, g.environment, data, _privacy(data))
    db.session.commit()
    return jsonify(result), 200 if result["stored"] else 202
