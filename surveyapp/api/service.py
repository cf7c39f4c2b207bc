"""What the server API reads and starts, for the workspace of the request's key: surveys,
pages of responses with their open-text annotations, export jobs, theme analyses and
segments.

Functions take a session and never commit (``api_key_required`` commits once, the export
endpoint before it queues its job). What a key names but its workspace does not hold is
``ApiNotFound``, answered like any domain error (``surveyapp.errors``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp import jobs
from surveyapp.errors import DomainError, NotFound
from surveyapp.models import AnswerAnnotation, Job, Response, Survey, Workspace
from surveyapp.models.segments import Segment, SegmentRun
from surveyapp.reports.exports import theme_names
from surveyapp.reports.query import min_cell
from surveyapp.reports.themes import QuestionAnalysis, survey_analysis


class ServerApiError(DomainError):
    """Anything the server API's operations refuse."""


class ApiNotFound(ServerApiError, NotFound):
    """The survey or job is not in the key's workspace."""


def survey_in(session: Session, workspace_id: int, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.workspace_id != workspace_id:
        raise ApiNotFound("not_found", f"No survey {survey_id} in this workspace.")
    return survey


def job_in(session: Session, workspace_id: int, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.workspace_id != workspace_id:
        raise ApiNotFound("not_found", f"No job {job_id} in this workspace.")
    return job


def surveys(session: Session, workspace_id: int) -> list[Survey]:
    """The workspace's surveys, oldest first."""
    return list(session.scalars(
        select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.id)))


def responses_after(session: Session, survey: Survey, after: int, limit: int) -> list[Response]:
    """Up to ``limit`` responses of the survey with ids above ``after``, by id."""
    return list(session.scalars(
        select(Response).where(Response.survey_id == survey.id, Response.id > after)
        .order_by(Response.id).limit(limit)))


def annotations_of(session: Session, survey: Survey, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Open-text annotations of these responses: response id -> question id -> theme,
    sentiment, kind."""
    if not ids:
        return {}
    names = theme_names(survey)
    out: dict[int, dict[str, Any]] = {}
    for ann in session.scalars(select(AnswerAnnotation).where(AnswerAnnotation.response_id.in_(ids))):
        theme = None if ann.theme is None or ann.theme < 0 else ann.theme
        out.setdefault(ann.response_id, {})[ann.question_id] = {
            "kind": ann.kind, "theme_id": theme,
            "theme": names.get((ann.question_id, theme)) if theme is not None else None,
            "sentiment": ann.sentiment, "mixed": ann.mixed}
    return out


def create_export(session: Session, workspace: Workspace, survey: Survey, *, finished_only: bool,
                  fmt: str, real_ids: bool, omit_personal: bool = False,
                  base_url: str = "") -> Job:
    """An export job of the survey's responses (the caller commits, then queues it);
    ``base_url`` (the server's address as the caller reached it) makes the uploaded files'
    download links absolute."""
    return jobs.create_job(session, "export_responses", workspace,
                           {"survey_id": survey.id, "finished_only": finished_only, "format": fmt,
                            "real_ids": real_ids, "omit_personal": omit_personal,
                            "base_url": base_url})


def theme_analyses(session: Session, survey: Survey) -> list[QuestionAnalysis]:
    """Themes of each analysed open-text question, under the workspace's privacy threshold."""
    return survey_analysis(session, survey, {}, full=False, k=min_cell(survey.workspace))


def saved_segments(session: Session, workspace_id: int) -> list[tuple[Segment, SegmentRun]]:
    """The workspace's saved behavioural segments with the run that saved them."""
    rows = session.execute(
        select(Segment, SegmentRun).join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == workspace_id, SegmentRun.status == "saved")
        .order_by(Segment.position, Segment.id)).all()
    return [(seg, run) for seg, run in rows]
