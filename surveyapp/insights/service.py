"""Goals, hypotheses, evidence and chart notes: the operations the views call.

Functions take a session and never commit; the view (or CLI, or demo seeder) does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Response, Survey, TextAnalysis, User, Workspace, experiments, segments
from surveyapp.models.insights import ChartNote, EvidenceLink, Goal, Hypothesis
from surveyapp.reports import stats
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import GOOD, score_of
from surveyapp.surveys.questions import NPS, first_question
from surveyapp.surveys.scoring import nps_counts

METRICS = {
    "nps": "NPS",
    "completion": "Completion rate (%)",
    "good_share": "Satisfied / easy share (%) of the first CSAT, CES or rating question",
    "responses": "Responses",
}
STANCES = {"supports": "supports", "refutes": "refutes", "context": "context"}
EVIDENCE_KINDS = ("theme", "segment", "experiment", "survey", "goal", "note")


@dataclass
class GoalProgress:
    goal: Goal
    value: float | None
    n: int
    ci: tuple[float, float] | None
    met: bool | None  # None: not enough data
    filters: list[str]
    args: dict[str, str]  # the report's query string for this goal's filter


def goal_progress(session: Session, goal: Goal) -> GoalProgress:
    """The goal's metric on its survey and filter, with n and a 95% CI."""
    from sqlalchemy import func


    args = dict(goal.filters or {})
    days = args.pop("days", None)
    f = ReportFilter.from_args(args)
    if f.segment_id is not None:
        from surveyapp.models.segments import Segment

        segment = session.get(Segment, f.segment_id)
        f.segment_label = segment.name if segment is not None else "(deleted)"
    if isinstance(days, int) and days > 0:  # a rolling window, not fixed dates
        f.start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)
    conds = f.where(goal.survey)
    value: float | None = None
    ci = None
    n = 0
    if goal.metric == "nps":
        q = first_question(goal.survey, NPS.type)
        if q is not None:
            pro, det, n = session.execute(select(*nps_counts(score_of(q["id"])))
                                          .where(*conds)).one()
            if n:
                value, ci = round(stats.nps(pro, det, n) or 0.0, 1), stats.nps_ci(pro, det, n)
    elif goal.metric == "completion":
        n, done = session.execute(select(func.count(), func.count().filter(
            Response.finished.is_(True))).where(*conds)).one()
        if n:
            value, ci = round(100 * done / n, 1), stats.wilson(done, n)
    elif goal.metric == "good_share":
        q = next((first_question(goal.survey, t) for t in GOOD if first_question(goal.survey, t)), None)
        if q is not None:
            s = score_of(q["id"])
            threshold = GOOD[q["type"]][0]
            n, good = session.execute(select(func.count().filter(s.is_not(None)),
                                             func.count().filter(s >= threshold)).where(*conds)).one()
            if n:
                value, ci = round(100 * good / n, 1), stats.wilson(good, n)
    elif goal.metric == "responses":
        n = session.scalar(select(func.count()).where(*conds)) or 0
        value = float(n)
    met = None if value is None else (value >= goal.target if goal.comparator == ">="
                                      else value <= goal.target)
    return GoalProgress(goal=goal, value=value, n=int(n), ci=ci, met=met,
                        filters=([f"last {days} days"] if days else []) + f.describe()[1 if days else 0:],
                        args=f.to_args())


def goals_for(session: Session, workspace: Workspace) -> list[GoalProgress]:
    goals = session.scalars(select(Goal).where(Goal.workspace_id == workspace.id)
                            .order_by(Goal.created_at)).all()
    return [goal_progress(session, g) for g in goals]


def notes_for(session: Session, survey: Survey) -> dict[str, list[ChartNote]]:
    out: dict[str, list[ChartNote]] = {}
    for note in session.scalars(select(ChartNote).where(ChartNote.survey_id == survey.id)
                                .order_by(ChartNote.created_at)):
        out.setdefault(note.chart, []).append(note)
    return out


def add_note(session: Session, survey: Survey, chart: str, body: str, by: User | None) -> ChartNote:
    note = ChartNote(workspace_id=survey.workspace_id, survey_id=survey.id, chart=chart[:60],
                     body=body, created_by=by)
    session.add(note)
    return note


def evidence_options(session: Session, workspace: Workspace) -> list[tuple[str, str, str]]:
    """(kind, ref, label) of things a hypothesis can link to in this workspace: surveys,
    their themes, goals, and segments/experiments when those areas have rows."""
    out: list[tuple[str, str, str]] = []
    surveys = session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)
                              .order_by(Survey.name)).all()
    by_id = {s.id: s for s in surveys}
    for s in surveys:
        out.append(("survey", f"survey:{s.id}", f"Survey: {s.name}"))
    if by_id:
        for a in session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id.in_(by_id))):
            for theme_id, name in a.theme_names().items():
                out.append(("theme", f"survey:{a.survey_id}/question:{a.question_id}/theme:{theme_id}",
                            f"Theme: {name} ({by_id[a.survey_id].name})"))
    for g in session.scalars(select(Goal).where(Goal.workspace_id == workspace.id)):
        out.append(("goal", f"goal:{g.id}", f"Goal: {g.title}"))
    out += _area_options(session, workspace)
    return out


def _area_options(session: Session, workspace: Workspace) -> list[tuple[str, str, str]]:
    """Segments and experiments, when those areas define models with a name (built by
    other areas; looked up by name so this module does not depend on them)."""
    out = []
    for kind, module, cls_name in (("segment", segments, "Segment"),
                                   ("experiment", experiments, "Experiment")):
        model = getattr(module, cls_name, None)
        if model is None or not hasattr(model, "workspace_id") or not hasattr(model, "name"):
            continue
        for obj in session.scalars(select(model).where(model.workspace_id == workspace.id).limit(200)):
            out.append((kind, f"{kind}:{obj.id}", f"{cls_name}: {obj.name}"))
    return out


def add_evidence(session: Session, hypothesis: Hypothesis, ref: str, stance: str, note: str,
                 options: list[tuple[str, str, str]], by: User | None) -> EvidenceLink | None:
    """Link ``ref`` (one of ``options``) to the hypothesis; None if it is not an option."""
    match = next((o for o in options if o[1] == ref), None)
    if match is None or stance not in STANCES:
        return None
    link = EvidenceLink(hypothesis=hypothesis, kind=match[0], ref=match[1], label=match[2][:200],
                        stance=stance, note=note, created_by=by)
    session.add(link)
    return link


def evidence_url(link: EvidenceLink, slug: str) -> str | None:
    """Where a piece of evidence lives in the app, if it is a survey, theme or goal."""
    from flask import url_for

    parts = dict(p.split(":", 1) for p in link.ref.split("/") if ":" in p)
    if "survey" in parts and parts["survey"].isdigit():
        anchor = "#analysis" if "theme" in parts else ""
        return url_for("reports.survey", slug=slug, survey_id=int(parts["survey"])) + anchor
    if "goal" in parts:
        return url_for("insights.goals", slug=slug)
    if parts.get("study", "").isdigit() and ("highlight" in parts or "insight" in parts):
        anchor = (f"#highlight-{parts['highlight']}" if "highlight" in parts
                  else f"#col-{parts['insight']}")
        return url_for("research.board", slug=slug, study_id=int(parts["study"])) + anchor
    from werkzeug.routing import BuildError

    try:  # the segments and experiments areas' pages, when they are there
        if "segment" in parts:
            return url_for("segments.index", slug=slug)
        if "experiment" in parts and parts["experiment"].isdigit():
            return url_for("experiments.detail", slug=slug, experiment_id=int(parts["experiment"]))
    except BuildError:
        return None
    return None



def dashboard_insights(session: Session, workspace: Workspace) -> dict[str, Any]:
    """Goals with progress and the latest hypotheses, for the workspace overview."""
    from sqlalchemy import func

    hypotheses = session.execute(
        select(Hypothesis, func.count(EvidenceLink.id))
        .outerjoin(EvidenceLink, EvidenceLink.hypothesis_id == Hypothesis.id)
        .where(Hypothesis.workspace_id == workspace.id)
        .group_by(Hypothesis.id).order_by(Hypothesis.updated_at.desc()).limit(6)).all()
    return {"goals": goals_for(session, workspace), "hypotheses": hypotheses}
