"""Serves the built widget at a versioned URL: ``/embed/v1/loader.js`` and ``renderer.js``.

The files are built from ``embed/`` with esbuild and committed, so a Python-only install
serves them. Host pages load them cross-origin with plain script tags. Each file is sent
as its precompressed twin (``.br``, else ``.gz``, built by ``embed/build.mjs``) when the
browser accepts it. The loader's URL is what customers embed, so it is cached for an hour
and revalidated with its ETag; the loader asks for ``renderer.js?v=<hash>``, and a URL
whose ``v`` is the current file's hash never changes content: cached for a year, immutable.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request

from surveyapp.platform.wiring import Wiring

bp = Blueprint("widget", __name__)
BUILD_DIR = Path(__file__).parent / "static" / "embed" / "v1"
# q-*.js: question-type renderers the renderer fetches only for a survey that uses them
FILES = ("loader.js", "renderer.js", "personalize.js", "q-input.js", "q-rich.js")
MAX_AGE = 3600  # an hour: a new release reaches host pages quickly
IMMUTABLE_AGE = 365 * 24 * 3600
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@bp.route("/embed/v1/<name>")
def asset(name: str) -> Response:
    if name not in FILES:
        abort(404)
    encoding = next((enc for enc, _ in ENCODINGS if request.accept_encodings[enc]), None)
    data, etag = _load(name, encoding)
    resp = Response(data, mimetype="text/javascript")
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    resp.vary.add("Accept-Encoding")
    resp.set_etag(etag)
    resp.cache_control.public = True
    if request.args.get("v") == version(name):
        resp.cache_control.max_age = IMMUTABLE_AGE
        resp.cache_control.immutable = True
    else:
        resp.cache_control.max_age = MAX_AGE
    resp.make_conditional(request)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def version(name: str) -> str:
    """The hash the build puts in the loader's renderer URL (first 12 hex of its SHA-256)."""
    return hashlib.sha256(_load(name, None)[0]).hexdigest()[:12]


@lru_cache(maxsize=len(FILES) * (len(ENCODINGS) + 1))
def _load(name: str, encoding: str | None) -> tuple[bytes, str]:
    raw = (BUILD_DIR / name).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    suffix = dict(ENCODINGS).get(encoding or "", "")
    if not suffix:
        return raw, digest[:16]
    return (BUILD_DIR / (name + suffix)).read_bytes(), f"{digest[:16]}-{encoding}"


def init_app(app: Flask) -> None:
    Wiring(app, "widget").blueprint(bp)
