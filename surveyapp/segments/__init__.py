"""Behavioural segments and personas (issue #7): pages under /w/<slug>/segments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

bp = Blueprint("segments", __name__, url_prefix="/w/<slug>")


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug
