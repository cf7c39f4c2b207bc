"""What the app refuses at the edge, before any view or database sees it.

- ``strict_loads``: the one JSON decoder for request bodies. It refuses what Python's
  ``json`` accepts but is not JSON or cannot be stored: ``NaN`` / ``Infinity``, nesting
  deeper than ``MAX_DEPTH`` (refused before the decoder recurses), and lone UTF-16
  surrogates (``"\\ud800"``), which no database column can hold.
- ``refuse_bad_text``: checked first on every request that refuses NUL bytes and
  lone surrogates in the path, the query string and form fields with a 400 (the JSON error
  shape for API clients, the normal error page for browsers). Query-string ids and pages
  beyond the 32-bit id range are read as absent by ``platform.web.arg_id``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, current_app, request

MAX_DEPTH = 64  # arrays/objects inside each other in one JSON body
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on both databases
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not an escaped backslash


class InputRefused(Exception):
    """The path, query string or form holds what ``refuse_bad_text`` refuses; ``fields``
    say where. ``surveyapp.errors`` answers it with a 400 (JSON or the error page)."""

    message = ("The request contains text this server does not accept (a NUL character, "
               "or a lone surrogate).")

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(self.message)
        self.fields = fields


class JsonRefused(ValueError):
    """The body is not JSON this app accepts; ``str(exc)`` says why, for people."""


def _refuse_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON value (use null or a finite number)")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in ``raw`` (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 reads as infinity
        raise JsonRefused(f"{text[:40]} is out of range for a number")
    return value


def strict_loads(raw: bytes | str) -> Any:
    """Decode a JSON document strictly; raise ``JsonRefused`` (a ``ValueError``) saying why."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and json_depth(data) > MAX_DEPTH:
        raise JsonRefused(f"arrays and objects may nest at most {MAX_DEPTH} deep")
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except JsonRefused:
        raise
    except RecursionError:  # not reached after the depth check; kept as a backstop
        raise JsonRefused(f"arrays and objects may nest at most {MAX_DEPTH} deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonRefused(f"not valid JSON ({exc})") from None
    if b"\\u" in data:  # only an escape can produce a lone surrogate
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JsonRefused("text may not contain lone UTF-16 surrogates "
                              "(such as \\ud800)") from None
    return value


def unstorable(value: Any) -> str | None:
    """Why an already-decoded JSON value cannot be stored as JSON text (NaN, infinity, a
    lone surrogate, a NUL), or None."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except ValueError as exc:  # UnicodeEncodeError is a ValueError too
        if isinstance(exc, UnicodeEncodeError):
            return "text may not contain lone UTF-16 surrogates (such as \\ud800)"
        return "numbers must be finite (no NaN or Infinity)"
    except RecursionError:
        return f"arrays and objects may nest at most {MAX_DEPTH} deep"
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        return "text may not contain NUL (\\u0000) characters"
    return None


def bad_text(value: str) -> str | None:
    """Why ``value`` cannot be taken as text (a NUL or a lone surrogate), or None."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "may not contain NUL (\\u0000) characters"
    return "may not contain lone UTF-16 surrogates"


def _problems() -> dict[str, str]:
    fields: dict[str, str] = {}
    why = bad_text(request.path)
    if why:
        fields["path"] = why
    for key, value in request.args.items(multi=True):
        why = bad_text(key) or bad_text(value)
        if why:
            fields[f"query.{key}"] = why
    # A multipart body over the app's size limit is an upload whose view raises the limit
    # itself (segments' import): reading its form here would refuse it with a 413.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    small = limit is None or (request.content_length or 0) <= limit
    if request.mimetype == "application/x-www-form-urlencoded" or (
            request.mimetype == "multipart/form-data" and small):
        for key, value in request.form.items(multi=True):
            why = bad_text(key) or bad_text(value)
            if why:
                fields[f"form.{key}"] = why
    return {key.replace("\x00", "\\u0000")[:80]: why for key, why in fields.items()}


def refuse_bad_text(endpoint: str | None = None, values: dict[str, Any] | None = None) -> None:
    """Raise a 400 before anything reads text it cannot store. It runs as the app's first
    URL value preprocessor, so before the blueprints' own (the collection API looks its
    key up there) and before every ``before_request``."""
    fields = _problems()
    if fields:
        raise InputRefused(fields)


def install(app: Flask) -> None:
    """Called from ``surveyapp.errors.init_app``: runs before every other request hook."""
    app.url_value_preprocessors.setdefault(None, []).insert(0, refuse_bad_text)
