"""Content-Security-Policy for every HTML page the app serves.

Scripts only from our own origin, never inline (no ``'unsafe-inline'``, no ``eval``):
pages put their JavaScript in ``static/js/*.js`` and data for it in
``<script type="application/json">`` blocks, which browsers never execute. Styles allow
``'unsafe-inline'`` because the widget's renderer (also used by the builder preview and
link pages) styles its shadow root with a ``<style>`` element and ``style`` attributes.
See docs/privacy.md for what customers' own CSPs need for the widget.
"""

from __future__ import annotations

from typing import Any

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


def policy(frame_ancestors: str = "'self'") -> str:
    return "; ".join(f"{k} {frame_ancestors if k == 'frame-ancestors' else v}"
                     for k, v in POLICY.items())


DEFAULT = policy()
NO_FRAMING = policy("'none'")


def add_csp(response: Any) -> Any:
    """After every request: HTML pages get the policy (pages that refuse framing with
    ``X-Frame-Options: DENY`` get ``frame-ancestors 'none'`` to match)."""
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        deny = response.headers.get("X-Frame-Options") == "DENY"
        response.headers["Content-Security-Policy"] = NO_FRAMING if deny else DEFAULT
    return response
