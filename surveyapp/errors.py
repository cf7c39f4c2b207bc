"""One error shape for every API error, and proper pages for people.

API clients (anything under ``/api/``, ``/healthz`` or asking for JSON) always get::

    {"error": {"code": "snake_case", "message": "human sentence", "fields": {...}}}

with a 4xx/5xx status. Browsers get an HTML page that says what happened and what to do.

Services never speak HTTP: they raise their area's ``DomainError`` subclasses, whose
*kind* (``Invalid``, ``NotFound``, ``Conflict``, ...) says what went wrong; ``HTTP_STATUS``
below is the one place a kind becomes a status. ``ApiError`` is for the HTTP edge only
(views, API key checks, rate limits, CORS).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Codes for the HTTP errors Werkzeug raises on its own.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

_HTML_HINTS = {
    400: "The request could not be understood. Go back and try again.",
    403: "Your role in this workspace does not allow this. Ask a workspace owner.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This page does not accept that kind of request.",
    413: "What you sent is larger than this server accepts.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


class ApiError(Exception):
    """Raise from a view or service to answer with the JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


class DomainError(Exception):
    """A service's refusal, said without HTTP: a stable snake_case ``code``, a sentence for
    people, and per-field reasons. Raise an area's subclass (``CollectError``, ...) of
    one of the kinds below; the kind, not the area, decides the answer's status."""

    def __init__(self, code: str, message: str, fields: dict[str, Any] | None = None) -> None:
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.fields = fields or {}


class Malformed(DomainError):
    """The input cannot even be read (not JSON, say)."""


class UnsupportedMedia(DomainError):
    """The input is in a format the operation does not take."""


class Invalid(DomainError):
    """The input was read but breaks a rule; ``fields`` say which and why."""


class Forbidden(DomainError):
    """The caller may not do this."""


class NotFound(DomainError):
    """What the input names does not exist (for this caller)."""


class Conflict(DomainError):
    """The input is fine but the current state does not allow the operation."""


class Gone(DomainError):
    """It existed but no longer accepts this (an expired invitation)."""


# The one mapping from kinds of domain errors to HTTP statuses.
HTTP_STATUS: dict[type[DomainError], int] = {
    Malformed: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    UnsupportedMedia: 415,
    Invalid: 422,
}


def http_status(exc: DomainError) -> int:
    """The status for ``exc``'s kind (400 for a domain error of no kind)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400


def error_response(
    status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> Response:
    resp = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    resp.status_code = status
    return resp


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path == "/healthz" or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def _html_error(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, message=message), status


def handle_http_exception(exc: HTTPException) -> Any:
    status = exc.code or 500
    if isinstance(exc, CSRFError):
        if wants_json():
            return error_response(400, "csrf_failed", "The form's security token is missing or expired.")
        return _html_error(400, "Form expired", "The form's security token is missing or expired. "
                           "Reload the page and submit it again.")
    code = _HTTP_CODES.get(status, "http_error")
    if wants_json():
        message = exc.description or exc.name
        if status == 413:
            message = (f"Request body is larger than the {request.max_content_length or 0} "
                       "bytes this server accepts.")
        resp = error_response(status, code, message)
        for header in ("Retry-After", "Allow"):
            value = exc.get_response().headers.get(header)
            if value:
                resp.headers[header] = value
    else:
        body, status = _html_error(status, exc.name, _HTML_HINTS.get(status, exc.description or ""))
        resp = Response(body, status=status, mimetype="text/html")
        retry = exc.get_response().headers.get("Retry-After")
        if retry:
            resp.headers["Retry-After"] = retry
    return resp


def handle_api_error(exc: ApiError) -> Response:
    resp = error_response(exc.status, exc.code, exc.message, exc.fields)
    resp.headers.update(exc.headers)
    return resp


def handle_domain_error(exc: DomainError) -> Response:
    """A service's refusal that its view did not turn into a page: the same JSON answer
    an ``ApiError`` of that status and code gives."""
    return error_response(http_status(exc), exc.code, exc.message, exc.fields)


def handle_input_refused(exc: Any) -> Any:
    """What ``surveyapp.platform.inputs`` refuses at the edge: 400, nothing read further."""
    if wants_json():
        return error_response(400, "invalid_input", exc.message, exc.fields)
    return _html_error(400, "Bad request", _HTML_HINTS[400])


def handle_unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return error_response(500, "internal_error", "Something went wrong on our side.")
    return _html_error(500, "Server error", _HTML_HINTS[500])


def handle_database_down(exc: OperationalError) -> Any:
    """The database is unreachable (restarting, failing over): 503 with Retry-After, so
    clients (the widget's outbox) retry; nothing was stored."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                str(exc.orig or exc).splitlines()[0][:200])
    headers = {"Retry-After": "2"}
    if wants_json():
        resp = error_response(503, "unavailable", "The database is briefly unavailable; "
                              "nothing was stored. Retry shortly.")
        resp.headers.update(headers)
        return resp
    return (*_html_error(503, "Briefly unavailable", "The database is unavailable for a "
                         "moment. Reload the page in a few seconds."), headers)


def init_app(app: Flask) -> None:
    from surveyapp.platform import inputs

    inputs.install(app)  # NUL bytes, lone surrogates, huge ids: 400 before any view runs
    app.register_error_handler(inputs.InputRefused, handle_input_refused)
    app.after_request(_security_headers)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


def _security_headers(response: Any) -> Any:
    """Headers every page gets. Widget files and the collection API are loaded by other
    sites, so they stay frameable-agnostic; app pages may not be framed by others. The
    referrer policy is a document's (it governs the requests the page makes), so only HTML
    carries it: on the widget's files and JSON it did nothing and cost every host page
    ~50 B (the idle page's 4 KB budget, issue 19)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response
