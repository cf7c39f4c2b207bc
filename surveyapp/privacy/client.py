"""Public endpoint: a self-service link for the calling person.

``POST /api/v1/client/<key>/privacy-link`` with ``{"user_id": "...", "user_hash": "..."}``.
Public keys are in every page that embeds the widget, so a user id alone must not open
someone's data: ``user_hash`` is HMAC-SHA256 of the user id under the workspace's
identity secret (shown to owners on the privacy page), computed by the customer's server
and handed to the page, the same way chat widgets verify identities.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import g, jsonify, request

from surveyapp.collect import payloads
from surveyapp.collect.client import client_blueprint
from surveyapp.collect.service import find_contact
from surveyapp.errors import ApiError
from surveyapp.extensions import db
from surveyapp.privacy.ids import keys_for
from surveyapp.privacy.selfservice import link_for

client_bp = client_blueprint("privacy_client", __name__)


def user_hash(identity_secret: str, user_id: str) -> str:
    """What the customer's server computes for ``user_id`` (hex HMAC-SHA256)."""
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


@client_bp.route("/privacy-link", methods=["POST", "OPTIONS"])
def privacy_link() -> Any:
    if request.method == "OPTIONS":
        return "", 204
    data = payloads.body()
    user_id = payloads.optional_external_id(data.get("user_id"))
    if user_id is None:
        raise payloads.invalid({"user_id": "required"})
    given = data.get("user_hash")
    if not isinstance(given, str) or not given:
        raise ApiError(403, "identity_not_verified",
                       "Send user_hash: HMAC-SHA256 of the user id under the workspace's identity "
                       "secret, computed on your server (see the privacy page).",
                       {"user_hash": "required"})
    env = g.environment
    secret = keys_for(db.session, env.workspace.id).identity_secret
    if not hmac.compare_digest(given.lower().encode(), user_hash(secret, user_id).encode()):
        raise ApiError(403, "identity_not_verified", "user_hash does not match this user id.",
                       {"user_hash": "does not match"})
    contact = find_contact(db.session, env, user_id)
    if contact is None:
        db.session.commit()  # the keys may have just been created
        raise ApiError(404, "nothing_stored", "Nothing is stored about this person.")
    url, expires = link_for(db.session, contact)
    db.session.commit()
    return jsonify({"url": url, "expires_at": expires.isoformat()})
