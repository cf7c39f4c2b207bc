"""Serves the built widget at a versioned URL: ``/embed/v1/loader.js`` and ``renderer.js``.

The files are built from ``embed/`` with esbuild and committed, so a Python-only install
serves them. Host pages load them cross-origin with plain script tags.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request

from surveyapp.platform.wiring import Wiring

bp = Blueprint("widget", __name__)
BUILD_DIR = Path(__file__).parent / "static" / "embed" / "v1"
FILES = ("loader.js", "renderer.js")
MAX_AGE = 3600  # an hour: a new release reaches host pages quickly


@bp.route("/embed/v1/<name>")
def asset(name: str) -> Response:
    if name not in FILES:
        abort(404)
    data, etag = _load(name)
    resp = Response(data, mimetype="text/javascript")
    resp.set_etag(etag)
    resp.cache_control.public = True
    resp.cache_control.max_age = MAX_AGE
    resp.make_conditional(request)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@lru_cache(maxsize=len(FILES))
def _load(name: str) -> tuple[bytes, str]:
    data = (BUILD_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:32]


def init_app(app: Flask) -> None:
    Wiring(app, "widget").blueprint(bp)
