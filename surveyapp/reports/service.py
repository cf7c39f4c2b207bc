"""What the report pages read: the report of a survey under a filter (with its theme
analyses and charts), the live feed's counts and latest responses, filter choices and the
survey's share links.

Functions take a session and never commit; the view commits (the report notes the
filters people use, see ``rollup.want``) and renders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.insights.share import links_for
from surveyapp.models import AnswerAnnotation, Response, Survey, TextAnalysis, utcnow
from surveyapp.models.insights import ShareLink
from surveyapp.reports import rollup
from surveyapp.reports.exports import theme_names
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import breakdown_options, min_cell, segment_options, survey_report
from surveyapp.reports.themes import survey_analysis
from surveyapp.surveys.questions import open_text_questions, reported_questions

LIVE_LIMIT = 20  # latest responses on the report page and in the live feed
META_SAMPLE = 5000  # latest responses the locale and device choices are read from
META_CHOICES = 20
STAMP_WINDOW = dt.timedelta(days=2)  # responses still changing, for the live feed's ETag


def report_page(session: Session, survey: Survey, f: ReportFilter, *, by: str = "",
                breakdown_by: str = "", theme_by: str = "") -> dict[str, Any]:
    """Everything the report page (and the read-only share page) draws: the report, the
    theme analyses (broken down by ``theme_by`` when that is one of the breakdown
    options), their charts, the breakdown and segment choices. Sets the filter's segment
    label."""
    k = min_cell(survey.workspace)
    segments = segment_options(session, survey)
    f.segment_label = dict(segments).get(f.segment_id or -1, "")
    report = survey_report(session, survey, f, by=by, breakdown_by=breakdown_by, k=k)
    titles = {q.id: q.title for q in report.questions}
    options = breakdown_options(session, survey)
    valid = {key for key, _ in options}
    analyses = survey_analysis(session, survey, titles, f,
                               attribute=theme_by if theme_by in valid else "",
                               by=report.trend["by"], k=k, candidates=[key for key, _ in options])
    charts = report.charts()
    for a in analyses:
        charts[f"themes-{a.question_id}"] = {
            "type": "line", "labels": a.trend["buckets"] if a.trend else [],
            "series": a.trend["series"] if a.trend else [], "percent": True}
        if a.drivers:
            charts[f"drivers-{a.question_id}"] = {
                "type": "bar", "horizontal": True, "labels": [d.name for d in a.drivers["drivers"]],
                "series": [{"label": f"Effect on {a.drivers['outcome']}",
                            "data": [round(d.coef, 1) for d in a.drivers["drivers"]]}]}
    return {"survey": survey, "report": report, "filters": f, "analyses": analyses,
            "charts": charts, "breakdown_options": options, "theme_by": theme_by,
            "open_text": open_text_questions(survey), "segments": segments}


def recent_responses(session: Session, survey: Survey, f: ReportFilter,
                     limit: int = LIVE_LIMIT) -> list[Response]:
    """The latest responses under the filter, newest first."""
    return list(session.scalars(select(Response).where(*f.where(survey))
                                .order_by(Response.id.desc()).limit(limit)))


def meta_values(session: Session, survey: Survey, key: str) -> list[str]:
    """Filter choices (``locale`` or ``device``) from the latest responses, the most used
    first: cheap on big surveys."""
    recent = (select(Response.meta["device" if key == "device" else "locale"].as_string().label("v"))
              .where(Response.survey_id == survey.id).order_by(Response.id.desc())
              .limit(META_SAMPLE).subquery())
    return [v for v in session.scalars(
        select(recent.c.v).where(recent.c.v.is_not(None)).group_by(recent.c.v)
        .order_by(func.count().desc()).limit(META_CHOICES)) if v]


def share_links(session: Session, survey: Survey,
                segments: dict[int, str]) -> list[tuple[ShareLink, list[str]]]:
    """Issued share links with their filters in words, for the share card."""
    out = []
    for link in links_for(session, survey):
        f = ReportFilter.from_args(link.filters or {})
        f.segment_label = segments.get(f.segment_id or -1, "")
        out.append((link, f.describe()))
    return out


def live_stamp(session: Session, survey: Survey) -> tuple[Any, ...]:
    """What changes when the live feed has news, from index-only reads: the newest
    response id, the latest change among recently started responses (answers and
    completion change only while they are open), and the newest annotation."""
    recent = utcnow() - STAMP_WINDOW
    return (session.scalar(select(func.max(Response.id)).where(Response.survey_id == survey.id)),
            session.scalar(select(func.max(Response.updated_at)).where(
                Response.survey_id == survey.id, Response.created_at >= recent)),
            session.scalar(select(func.max(AnswerAnnotation.id))))


def live_counts(session: Session, survey: Survey, f: ReportFilter) -> tuple[int, int]:
    """Responses and finished responses under the filter, from the same grouped rows as
    the report (cached aggregates on big surveys)."""
    rows = rollup.in_period(rollup.load(session, survey, f, reported_questions(survey),
                                        kinds=("r",))["r"], f.start, f.end)
    return sum(r.n for r in rows), sum(r.n for r in rows if r.finished)


def annotation_labels(session: Session, survey: Survey, ids: set[int]) -> dict[int, list[str]]:
    """Per response: its open-text annotations in words ("Pricing · negative")."""
    if not ids:
        return {}
    names = theme_names(survey)
    out: dict[int, list[str]] = {}
    for ann in session.scalars(select(AnswerAnnotation).where(AnswerAnnotation.response_id.in_(ids))):
        parts = []
        if ann.theme is not None and (ann.question_id, ann.theme) in names:
            parts.append(names[(ann.question_id, ann.theme)])
        if ann.sentiment:
            parts.append(ann.sentiment)
        if parts:
            out.setdefault(ann.response_id, []).append(" · ".join(parts))
    return out


def text_analysis(session: Session, survey: Survey, question_id: str) -> TextAnalysis | None:
    """The theme analysis of one open-text question of the survey."""
    return session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == survey.id, TextAnalysis.question_id == question_id))
