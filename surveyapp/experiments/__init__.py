"""Experiments, funnels, paths and click maps (issue #9): pages under /w/<slug>/experiments and /w/<slug>/journeys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

bp = Blueprint("experiments", __name__, url_prefix="/w/<slug>")


@bp.url_defaults
def _add_slug(endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and "workspace" in g:
        values["slug"] = g.workspace.slug


from surveyapp.experiments import views  # noqa: E402,F401  (routes on bp)
from surveyapp.experiments.client import client_bp  # noqa: E402,F401
