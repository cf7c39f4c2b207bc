"""CSV export of a survey's responses, run as a background job with progress."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.jobs import JobFailed, Progress, handler
from surveyapp.models import Contact, Job, Response, Survey, SurveyVersion

BATCH = 1000


def export_path(job: Job) -> Path:
    return current_app.config["SETTINGS"].exports_dir / f"job-{job.id}.csv"


@handler("export_responses")
def export_responses(job: Job, progress: Progress) -> dict[str, Any]:
    survey = db.session.get(Survey, job.params["survey_id"])
    if survey is None or survey.workspace_id != job.workspace_id:
        raise JobFailed("The survey no longer exists.")
    finished_only = bool(job.params.get("finished_only", False))
    where = [Response.survey_id == survey.id]
    if finished_only:
        where.append(Response.finished.is_(True))
    total = db.session.scalar(select(func.count()).select_from(Response).where(*where)) or 0

    # Columns: every question id that appears in any version, in order of first appearance.
    question_ids: list[str] = []
    for version in survey.versions:
        for q in version.questions:
            if q["id"] not in question_ids:
                question_ids.append(q["id"])

    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")  # written aside and renamed: a retry never sees half a file
    rows = 0
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["response_id", "created_at", "finished", "version", "contact",
                         "url", "locale", "device", *question_ids])
        query = (
            select(Response, SurveyVersion.number, Contact.external_id)
            .join(SurveyVersion, SurveyVersion.id == Response.version_id)
            .outerjoin(Contact, Contact.id == Response.contact_id)
            .where(*where)
            .order_by(Response.id)
            .execution_options(yield_per=BATCH)
        )
        for response, number, external_id in db.session.execute(query):
            answers = response.answers
            writer.writerow([
                response.client_id, response.created_at.isoformat(), response.finished, number,
                _cell(external_id), _cell(response.meta.get("url")),
                _cell(response.meta.get("locale")), _cell(response.meta.get("device")),
                *(_cell(answers.get(qid)) for qid in question_ids),
            ])
            rows += 1
            if rows % BATCH == 0:
                progress(rows / max(total, 1), f"Exported {rows:,} of {total:,} responses")
    os.replace(tmp, path)
    return {"file": path.name, "rows": rows, "message": f"Exported {rows:,} responses"}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
