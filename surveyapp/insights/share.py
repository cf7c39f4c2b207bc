"""Read-only report links: signed with the app's secret (itsdangerous) and expiring.

The token carries the survey, its workspace, the report's filters, an expiry time and the
id of its ``ShareLink`` row; it grants reading that one report view and nothing else. The
row lets people list the links they handed out and revoke them one by one. Tokens made
before links had rows (no id) keep working until they expire. Rotating the secret key
revokes every link at once.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Survey, User, utcnow
from surveyapp.models.insights import ShareLink

SALT = "surveyapp.report-share"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(survey_id: int, workspace_id: int, filters: dict[str, str], days: int,
               now: float | None = None, link_id: int | None = None) -> str:
    expires = int((now or time.time()) + days * 86400)
    data: dict[str, Any] = {"s": survey_id, "w": workspace_id, "f": filters, "e": expires}
    if link_id is not None:
        data["i"] = link_id
    return _serializer().dumps(data)


def read_token(token: str, now: float | None = None) -> dict[str, Any] | None:
    """The link's contents, or None when the signature is wrong or it has expired."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or int(data.get("e", 0)) < (now or time.time()):
        return None
    return data


def issue(session: Session, survey: Survey, filters: dict[str, str], days: int,
          user: User | None) -> str:
    """Record a new link for ``survey`` and return its token."""
    now = time.time()
    link = ShareLink(workspace_id=survey.workspace_id, survey_id=survey.id, filters=filters,
                     expires_at=dt.datetime.fromtimestamp(int(now + days * 86400), dt.UTC),
                     created_by=user)
    session.add(link)
    session.flush()
    return make_token(survey.id, survey.workspace_id, filters, days, now=now, link_id=link.id)


def resolve(session: Session, token: str) -> dict[str, Any] | None:
    """The token's contents if it is signed, unexpired and (when it has a row) not revoked."""
    data = read_token(token)
    if data is None or "i" not in data:
        return data
    link = session.get(ShareLink, data["i"])
    if link is None or link.revoked_at is not None or link.survey_id != data.get("s"):
        return None
    return data


def links_for(session: Session, survey: Survey, limit: int = 50) -> list[ShareLink]:
    """The survey's most recent links, newest first."""
    return list(session.scalars(select(ShareLink).where(ShareLink.survey_id == survey.id)
                                .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
                                .limit(limit)))


def revoke(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
