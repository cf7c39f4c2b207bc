"""The bias audit page (owners and analysts): ``/w/<slug>/privacy/bias``."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import Role, Survey
from surveyapp.privacy import bias, bp
from surveyapp.workspaces.access import get_or_404_in, workspace_view


@bp.route("/bias")
@workspace_view(Role.ANALYST)
def bias_report() -> Any:
    survey_id = request.args.get("survey", type=int)
    if survey_id is not None:
        get_or_404_in(Survey, survey_id)
    surveys = db.session.execute(select(Survey.id, Survey.name)
                                 .where(Survey.workspace_id == g.workspace.id)
                                 .order_by(Survey.name)).all()
    report = bias.run(db.session, g.workspace, survey_id)
    return render_template("privacy/bias.html", report=report, surveys=surveys,
                           survey_id=survey_id)
