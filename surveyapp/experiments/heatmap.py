"""The visual click map (#27): the analyst's own page with the clicks drawn over it.

From the click-map page the analyst opens their site with a short-lived signed token in
the URL's fragment (``#surveyapp-heatmap=<token>``; a fragment never reaches the site's
server or its logs). The click recorder (``embed/src/clicks.js``) sees the fragment, records
nothing, and loads ``heatmap.js``, which asks ``GET /api/v1/heatmap`` for the page's clicks
(authorised by the token alone, CORS-open, read-only, rate-limited) and draws them over
the live elements, with segment and device filters and rage/dead toggles.

The token is signed with the app's secret key (itsdangerous, which Flask already uses for
its sessions) and carries the workspace and the user; it expires after
:data:`TOKEN_SECONDS`. Segment maps keep the click maps' k-anonymity (``clicks.K_MIN``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from surveyapp import ratelimit
from surveyapp.collect.devices import DEVICES
from surveyapp.errors import ApiError
from surveyapp.experiments import audience, clicks
from surveyapp.extensions import db
from surveyapp.models import Workspace
from surveyapp.widget import BUILD_DIR, MAX_AGE

TOKEN_SECONDS = 3600
FRAGMENT = "surveyapp-heatmap"
RATE_LIMIT = "120 per minute"  # per token and client address
_SALT = "click-heatmap"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(workspace_id: int, user_id: int) -> str:
    return _serializer().dumps({"w": workspace_id, "u": user_id})


def read_token(token: str) -> int:
    """The workspace id the token was issued for; 401 when it is expired or not ours."""
    try:
        data = _serializer().loads(token, max_age=TOKEN_SECONDS)
    except SignatureExpired:
        raise ApiError(401, "token_expired", "This heatmap link has expired; open it again from "
                       "the click-map page.", {"token": "expired"}) from None
    except BadSignature:
        raise ApiError(401, "invalid_token", "This heatmap link is not valid.", {"token": "invalid"}) from None
    if not isinstance(data, dict) or not isinstance(data.get("w"), int):
        raise ApiError(401, "invalid_token", "This heatmap link is not valid.", {"token": "invalid"})
    return int(data["w"])


def site_url(site: str, page: str, token: str) -> str | None:
    """``site`` + ``page`` with the token in the fragment, or None when ``site`` is not an
    http(s) address."""
    parts = urlsplit(site.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = page if page.startswith("/") else "/" + page
    return f"{parts.scheme}://{parts.netloc}{path}#{FRAGMENT}={token}"


def heat(session: Session, workspace_id: int, page: str, *, segment: str | None = None,
         device: str | None = None) -> list[dict[str, Any]]:
    """The page's elements with their clicks, as the toolbar draws them."""
    rows = clicks.element_map(session, workspace_id, page, limit=60, segment_key=segment or None,
                              device=device or None)
    return [{"selector": e.selector, "clicks": e.clicks, "sessions": e.sessions, "rage": e.rage,
             "dead": e.dead, "x": e.x, "y": e.y, "page_x": e.page_x, "page_y": e.page_y,
             "flags": e.flags} for e in rows]


def preview(elements: list[Any]) -> dict[str, Any] | None:
    """A drawn map of the page for the app's click-map page: one spot per element where
    on the page it is clicked on average (share across, pixels down), sized by clicks."""
    placed = [e for e in elements if e.page_x is not None and e.page_y is not None]
    if not placed:
        return None
    top = max(e.clicks for e in placed)
    height = max(400, int(max(e.page_y for e in placed)) + 80)
    spots = [{"cx": round(1000 * e.page_x), "cy": round(e.page_y), "r": round(18 + 42 * (e.clicks / top) ** 0.5),
              "opacity": round(0.25 + 0.6 * e.clicks / top, 2), "selector": e.selector, "clicks": e.clicks,
              "kind": "rage" if e.rage else "dead" if "dead clicks" in e.flags else "click"}
             for e in placed]
    return {"height": height, "spots": spots}


def page_context(workspace: Workspace, user: Any, page: str, elements: list[Any],
                 site: str) -> dict[str, Any]:
    """What the click-map page needs for "Open on my site" and its drawn page map."""
    sites = sorted({o for env in workspace.environments for o in (env.allowed_origins or [])
                    if o.startswith(("http://", "https://"))})
    site = (site or (sites[0] if sites else "")).strip()[:300]
    url = site_url(site, page, make_token(workspace.id, int(user.id))) if site and page else None
    return {"heatmap_site": site, "heatmap_sites": sites, "heatmap_url": url,
            "heatmap_site_error": bool(site and page and url is None),
            "heatmap_minutes": TOKEN_SECONDS // 60, "page_map": preview(elements)}


# ----------------------------------------------------------------------------- the API
bp = Blueprint("heatmap_api", __name__)


@bp.after_request
def _cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/api/v1/heatmap", methods=["GET", "OPTIONS"])
def heatmap_data() -> Any:
    """Clicks of one page for the heatmap toolbar; the token in ``token`` authorises it."""
    if request.method == "OPTIONS":
        return "", 204
    token = request.args.get("token", "")
    if not token:
        raise ApiError(401, "token_required", "A heatmap token is required.", {"token": "required"})
    wait = ratelimit.hit(RATE_LIMIT, "heatmap", token[-24:], request.remote_addr or "")
    if wait is not None:
        raise ApiError(429, "rate_limited", "Too many requests; try again shortly.", {},
                       headers={"Retry-After": str(wait)})
    workspace_id = read_token(token)
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise ApiError(401, "invalid_token", "This heatmap link is not valid.", {"token": "invalid"})
    path = request.args.get("path", "")
    if not path.startswith("/") or len(path) > 2000:
        raise ApiError(422, "invalid_path", "path must be the page's path, starting with /.",
                       {"path": "a path such as /app"})
    segments = audience.current_segments(db.session, workspace_id)
    segment = request.args.get("segment", "")
    if segment and segment not in dict(segments):
        raise ApiError(422, "unknown_segment", "No current segment has this key.", {"segment": "unknown"})
    device = request.args.get("device", "")
    if device and device not in DEVICES:
        raise ApiError(422, "invalid_device", f"device must be one of {', '.join(DEVICES)}.",
                       {"device": "mobile, tablet or desktop"})
    elements = heat(db.session, workspace_id, path, segment=segment, device=device)
    return jsonify({
        "path": path, "segment": segment or None, "device": device or None,
        "segments": [{"key": k, "name": n} for k, n in segments], "devices": list(DEVICES),
        "elements": elements, "k_min": clicks.K_MIN, "rage_seconds": clicks.RAGE_SECONDS,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    })


def heatmap_chunk() -> Response:
    """The toolbar script, served like the click recorder."""
    data = (BUILD_DIR / "heatmap.js").read_bytes()
    resp = Response(data, mimetype="text/javascript")
    resp.add_etag()
    resp.cache_control.public = True
    resp.cache_control.max_age = MAX_AGE
    resp.make_conditional(request)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


bp.add_url_rule("/embed/v1/heatmap.js", "heatmap_chunk", heatmap_chunk)
