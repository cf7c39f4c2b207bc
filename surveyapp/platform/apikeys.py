"""The server API's authentication (a workspace's secret key) and JSON body parsing,
shared by every area with key-authenticated endpoints."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import g, request

from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.models import utcnow
from surveyapp.platform.inputs import strict_loads
from surveyapp.workspaces.services import authenticate_api_key


def api_key_required(view: Any) -> Any:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "unauthorized",
                           "Send your API key as 'Authorization: Bearer sk_...'.",
                           headers={"WWW-Authenticate": "Bearer"})
        key = authenticate_api_key(db.session, secret.strip())
        if key is None:
            raise ApiError(401, "invalid_api_key", "This API key is unknown or revoked.",
                           headers={"WWW-Authenticate": "Bearer"})
        key.last_used_at = utcnow()
        g.api_key = key
        g.workspace = key.workspace
        response = view(*args, **kwargs)
        db.session.commit()  # the key's last use (reading views write nothing else)
        return response

    return wrapper


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body with "
                       "'Content-Type: application/json'.")
    try:
        data = strict_loads(request.get_data(cache=True))
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}.",
                       {"": str(exc)}) from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", "The JSON body must be an object.")
    return data
