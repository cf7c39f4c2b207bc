"""Jinja filters and globals used by the server-rendered pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from surveyapp import __version__
from surveyapp.models import Role, utcnow


def timeago(value: dt.datetime | None) -> str:
    if value is None:
        return "never"
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def plural(count: Any, singular: str, plural_form: str | None = None) -> str:
    """"1 response", "2 responses", "1,204 responses": the count (with thousands
    separators) and the noun in the form the count needs. ``plural_form`` for nouns that
    do not just take an "s" ("1 person", "3 people")."""
    n = 0 if count is None else count
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{number(n)} {word}"


def duration(seconds: Any) -> str:
    """A length of time as people say it: "40 s", "12 min", "5.5 h", "1 day", "14 days"
    (never "336 h"). Whole days from a day up, hours below two days, one decimal where
    it matters."""
    if seconds is None:
        return "–"
    s = float(seconds)
    if s < 60:
        return f"{round(s)} s"
    if s < 3600:
        m = s / 60
        return f"{m:.1f} min".replace(".0 min", " min") if m < 10 else f"{round(m)} min"
    days = s / 86400
    if s < 2 * 86400 and not (s >= 86400 and s % 86400 == 0):
        h = s / 3600
        return f"{h:.1f} h".replace(".0 h", " h") if h < 10 else f"{round(h)} h"
    text = f"{days:.1f}".removesuffix(".0")
    return f"{text} day" if text == "1" else f"{text} days"


def hours(value: Any) -> str:
    """A window given in hours, in words: 336 -> "14 days", 24 -> "1 day", 6 -> "6 h"."""
    return "–" if value is None else duration(float(value) * 3600)


def scrub(text: str) -> str:
    """Answers shown in reports lose emails, phone numbers, card numbers, IBANs, tokens."""
    from nlp.text import scrub_pii

    return scrub_pii(text)


def md_inline(text: Any) -> Markup:
    """Inline CommonMark (`code`, **bold**, links) as HTML, raw HTML escaped: the OpenAPI
    descriptions are CommonMark by the specification, and messages name commands in
    backticks; shown as typed, people would read literal backticks (#27)."""
    return Markup(_MD.renderInline("" if text is None else str(text)))


_MD = MarkdownIt("commonmark", {"html": False})


def natural_key(text: Any) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads numbers as numbers: P1, P2, P10 (not P1, P10, P2)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in re.split(r"(\d+)", str(text)) if part)


def natural_sort(items: Any, attribute: str | None = None) -> list[Any]:
    """``items`` in natural order of ``attribute`` (participants P1, P2, ..., P10; #27)."""
    return sorted(items, key=lambda x: natural_key(getattr(x, attribute) if attribute else x))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["scrub"] = scrub
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["md_inline"] = md_inline
    app.jinja_env.filters["natural_sort"] = natural_sort
    app.jinja_env.globals["app_version"] = __version__
    app.jinja_env.globals["Role"] = Role
