"""Link surveys: a hosted, mobile-friendly page per survey at ``/s/<public slug>``.

The page embeds the same widget in link mode (shown at once, inline), so answers go
through the same outbox and collection API. Query parameters become hidden-field values
(``/s/abc?plan=pro&variant=b``). The page's own words come from the widget's catalogue
(``surveyapp.widget_strings``) in the survey's language the visitor's browser asks for.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request
from sqlalchemy import select

from surveyapp import widget_strings
from surveyapp.collect import closing
from surveyapp.extensions import db
from surveyapp.models import Survey, SurveyStatus
from surveyapp.platform.wiring import Wiring

bp = Blueprint("links", __name__)


@bp.route("/s/<slug>")
def survey_page(slug: str) -> Any:
    survey = db.session.scalar(select(Survey).where(Survey.public_slug == slug))
    if survey is None or survey.status != SurveyStatus.LIVE or survey.current_version is None \
            or closing.closed_reason(db.session, survey.id, survey.current_version.definition):
        definition = survey.current_version.definition if survey and survey.current_version else {}
        loc, t = _words(definition)
        reason = (t["link_missing"] if survey is None else
                  t["link_draft"] if survey.status == SurveyStatus.DRAFT else t["link_closed"])
        return render_template("links/unavailable.html", reason=reason, t=t, lang=loc,
                               dir=_dir(loc)), 404 if survey is None else 410
    loc, t = _words(survey.current_version.definition)
    resp = render_template("links/survey.html", survey=survey,
                           key=survey.environment.client_key,
                           title=public_title(survey.current_version.definition, survey),
                           t=t, lang=loc, dir=_dir(loc))
    return resp, 200, {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def public_title(definition: dict[str, Any], survey: Survey) -> str:
    """What respondents read as the survey's title: the definition's ``title``, else the
    workspace's name -- never the survey's name, which is the team's own label ("Checkout
    NPS (newcomer test)"; #27)."""
    return str(definition.get("title") or survey.workspace.name)


def _words(definition: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The visitor's locale among the survey's (any catalogue language without a survey)."""
    offered = definition.get("locales") or list(widget_strings.CATALOGUE)
    loc = widget_strings.best(offered, request.accept_languages,
                              definition.get("default_locale") or widget_strings.DEFAULT)
    return loc, widget_strings.strings(loc, definition.get("strings"))


def _dir(loc: str) -> str:
    return "rtl" if widget_strings.is_rtl(loc) else "ltr"


def init_app(app: Flask) -> None:
    Wiring(app, "links").blueprint(bp)
