"""Routes of the integrations area.

``ingest_bp``: the Segment / RudderStack HTTP tracking API under ``/api/segment/v1``
(``/batch``, ``/track``, ``/identify``, ``/page``, ``/screen``, ``/group``,
``/alias``), authenticated with an environment's public key as the write key (HTTP basic
auth, user name = key, empty password; or ``writeKey`` in the body). Point a Segment
client's ``host`` (RudderStack: data plane URL) at ``https://<your server>/api/segment``.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from surveyapp import ratelimit
from surveyapp.collect import service as collect
from surveyapp.collect.cache import EnvironmentInfo
from surveyapp.collect.errors import CollectNotFound
from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.platform.inputs import strict_loads

from . import ingest
from .errors import IntegrationInvalid, IntegrationMalformed
from .spec import KINDS, batch_items

ingest_bp = Blueprint("segment_ingest", __name__, url_prefix="/api/segment/v1")

INFLATED_MAX = 8  # a gzip body may inflate to 8 x the request size limit


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "invalid_write_key", message,
                    headers={"WWW-Authenticate": 'Basic realm="surveyapp"'})


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        limit = INFLATED_MAX * int(current_app.config.get("MAX_CONTENT_LENGTH") or 1 << 20)
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit)
            if inflater.unconsumed_tail:
                raise ApiError(413, "too_large", f"The body inflates to more than {limit} bytes.")
        except (zlib.error, gzip.BadGzipFile, EOFError):
            raise IntegrationMalformed("invalid_gzip", "The body says it is gzip but does "
                                       "not inflate.") from None
    try:
        data = strict_loads(raw or b"{}")
    except ValueError as exc:
        raise IntegrationMalformed("invalid_json", f"The request body is not valid JSON: {exc}.",
                                   {"": str(exc)}) from None
    if not isinstance(data, dict):
        raise IntegrationMalformed("invalid_json", "The JSON body must be an object.")
    return data


def _environment(data: dict[str, Any]) -> EnvironmentInfo:
    auth = request.authorization
    key = auth.username if auth is not None and auth.type == "basic" else None
    if not key:
        body_key = data.get("writeKey")
        key = body_key if isinstance(body_key, str) else None
    if not key:
        raise _unauthorized("Send the write key (an environment's public key, pk_...) as the "
                            "HTTP basic auth user name, with an empty password.")
    limit = current_app.config["SETTINGS"].collect_rate_limit
    wait = ratelimit.hit(limit, "segment", key, request.remote_addr or "")
    if wait is not None:
        raise ApiError(429, "rate_limited", f"More than {limit} for this write key; slow down.",
                       headers={"Retry-After": str(wait)})
    try:
        return collect.environment_for_key(db.session, key)
    except CollectNotFound:
        raise _unauthorized("No environment has this write key. Use an environment's public "
                            "key (Settings, Environments); keys change when rotated.") from None


@ingest_bp.post("/batch")
def batch() -> Any:
    data = _body()
    env = _environment(data)
    items = batch_items(data)
    outcome = ingest.ingest(db.session, env, items)
    db.session.commit()
    return jsonify(outcome.as_dict())


def single(kind: str) -> Any:
    """One message; an invalid one is a 422 (a batch reports it and stores the rest)."""
    data = _body()
    env = _environment(data)
    outcome = ingest.ingest(db.session, env, [data], kind)
    if outcome.rejected:
        raise IntegrationInvalid("invalid", "This message breaks the Segment spec or a limit "
                                 "of the event store; nothing was stored.",
                                 outcome.rejected[0]["fields"])
    db.session.commit()
    return jsonify(outcome.as_dict())


for _kind in KINDS:  # one rule per call, as Segment's API has (and the OpenAPI document)
    ingest_bp.add_url_rule(f"/{_kind}", f"single_{_kind}", single, methods=["POST"],
                           defaults={"kind": _kind})
