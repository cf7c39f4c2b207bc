"""Read-only report links: signed with the app's secret (itsdangerous) and expiring.

The token carries the survey, its workspace, the report's filters and an expiry time; it
grants reading that one report view and nothing else. Rotating the secret key revokes
every link at once.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "surveyapp.report-share"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(survey_id: int, workspace_id: int, filters: dict[str, str], days: int,
               now: float | None = None) -> str:
    expires = int((now or time.time()) + days * 86400)
    return _serializer().dumps({"s": survey_id, "w": workspace_id, "f": filters, "e": expires})


def read_token(token: str, now: float | None = None) -> dict[str, Any] | None:
    """The link's contents, or None when the signature is wrong or it has expired."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or int(data.get("e", 0)) < (now or time.time()):
        return None
    return data
