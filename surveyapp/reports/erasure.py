"""Erasing a person from reports: cached aggregates and finished export files.

* The report rollups of every survey the person answered are dropped (reports are computed
  from the responses until the next refresh job rebuilds them without the person).
* Finished export files of those surveys hold the person's answers (CSV/XLSX/Parquet, with
  real ids or pseudonyms): each is deleted once the erasure is committed, and its job says
  so; the download refuses it (410) and the survey page offers a new export instead.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Environment, Job, JobStatus, Response
from surveyapp.models.insights import ReportFilterRollup, ReportRollup, ReportRollupState
from surveyapp.privacy.derived import after_erasure
from surveyapp.reports.exports import EXPORT_KIND, export_path

ERASED_MESSAGE = ("Deleted: a person's data was erased after this export was made. "
                  "Export again for a file without them.")


def erase_from_reports(session: Session, contacts: list[Contact]) -> int:
    """Drop the rollups and export files that include the contacts; returns how many
    rollup rows and export files were removed."""
    ids = [c.id for c in contacts]
    surveys = set(session.scalars(select(Response.survey_id).where(
        Response.contact_id.in_(ids)).distinct())) if ids else set()
    if not surveys:
        return 0
    workspaces = set(session.scalars(select(Environment.workspace_id).where(
        Environment.id.in_({c.environment_id for c in contacts}))))
    return erase_survey_outputs(session, workspaces, surveys)


def erase_survey_outputs(session: Session, workspaces: set[int], surveys: set[int]) -> int:
    """Drop the rollups and finished export files of these surveys (their answers changed
    by an erasure); returns how many rollup rows and export files were removed."""
    removed = 0
    for model in (ReportRollup, ReportFilterRollup, ReportRollupState):
        removed += session.execute(delete(model).where(
            model.survey_id.in_(surveys))).rowcount or 0  # type: ignore[attr-defined]
    files: list[Path] = []
    for job in session.scalars(select(Job).where(Job.workspace_id.in_(workspaces),
                                                 Job.kind == EXPORT_KIND,
                                                 Job.status == JobStatus.SUCCEEDED)):
        if job.params.get("survey_id") in surveys and not (job.result or {}).get("erased"):
            files.append(export_path(job))
            job.result = {**(job.result or {}), "erased": True}
            job.message = ERASED_MESSAGE
            removed += 1
    if files:
        after_erasure(session, "delete export files", lambda: _delete(files))
    return removed


def _delete(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
