"""Link surveys: a hosted, mobile-friendly page per survey at ``/s/<public slug>``.

The page embeds the same widget in link mode (shown at once, inline), so answers go
through the same outbox and collection API. Query parameters become hidden-field values
(``/s/abc?plan=pro&variant=b``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import Survey, SurveyStatus
from surveyapp.platform.wiring import Wiring

bp = Blueprint("links", __name__)


@bp.route("/s/<slug>")
def survey_page(slug: str) -> Any:
    survey = db.session.scalar(select(Survey).where(Survey.public_slug == slug))
    if survey is None:
        return render_template("links/unavailable.html", reason="This survey link does not exist."), 404
    if survey.status != SurveyStatus.LIVE or survey.current_version is None:
        reason = ("This survey is not open yet." if survey.status == SurveyStatus.DRAFT
                  else "This survey is closed. Thank you for your interest.")
        return render_template("links/unavailable.html", reason=reason), 410
    resp = render_template("links/survey.html", survey=survey,
                           key=survey.environment.client_key,
                           title=survey.name)
    return resp, 200, {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def init_app(app: Flask) -> None:
    Wiring(app, "links").blueprint(bp)
