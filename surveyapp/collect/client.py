"""The public collection API's blueprint factory: ``/api/v1/client/<key>/...``.

The key is public (it is in every page that embeds the widget), so it can do nothing but
collect. Requests are checked against the environment's allowed origins (CORS), rate
limited per key and client address, size limited, and validated before anything is stored.
Other areas put their public widget endpoints on a ``client_blueprint`` too.
"""

from __future__ import annotations

import gzip
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from surveyapp import ratelimit
from surveyapp.collect import service
from surveyapp.errors import ApiError
from surveyapp.extensions import db

PREFLIGHT_MAX_AGE = "86400"


def _check_rate_limit() -> None:
    """Per public key and client address (see surveyapp.ratelimit)."""
    limit = current_app.config["SETTINGS"].collect_rate_limit
    wait = ratelimit.hit(limit, "collect", g.client_key, request.remote_addr or "")
    if wait is not None:
        raise ApiError(429, "rate_limited", f"More than {limit} from this address; slow down.",
                       headers={"Retry-After": str(wait)})


def _load_environment(endpoint: str | None, values: dict[str, Any] | None) -> None:
    key = (values or {}).pop("key", "")
    g.client_key = key
    if request.method == "OPTIONS":
        return
    _check_rate_limit()
    g.environment = service.environment_for_key(db.session, key)
    origin = request.headers.get("Origin")
    allowed = g.environment.allowed_origins
    # Our own link pages are always allowed (host_url is computed only when needed).
    if origin and allowed and origin.rstrip("/") not in allowed \
            and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise ApiError(403, "origin_not_allowed",
                       f"Pages on {origin} may not use this key. An owner can allow the origin "
                       "in the environment's settings.")


def _cors(response: Response) -> Response:
    """The collection API is called from other sites' pages; no cookies are involved."""
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def client_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/v1/client/<key>`` with this API's key check, origin check,
    rate limit and CORS. Feature areas put their public endpoints on one of these
    (registered by the area's ``init_app`` with ``csrf_exempt=True``)."""
    blueprint = Blueprint(name, import_name, url_prefix="/api/v1/client/<key>")
    blueprint.url_value_preprocessor(_load_environment)
    blueprint.after_request(_cors)
    return blueprint


COMPRESS_MIN = 512  # bytes; smaller bodies gain less than gzip's own overhead


def compressed(response: Response) -> Response:
    """``response`` gzipped when the client accepts it and it is worth it (``Vary`` says so)."""
    response.vary.add("Accept-Encoding")
    if (response.status_code == 200 and not response.direct_passthrough
            and "Content-Encoding" not in response.headers
            and request.accept_encodings["gzip"] and len(response.get_data()) >= COMPRESS_MIN):
        response.set_data(gzip.compress(response.get_data(), 6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
