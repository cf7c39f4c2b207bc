"""Goals, hypotheses, evidence, chart notes, shared reports, the report privacy threshold
and webhooks: the operations the views call.

Functions take a session and never commit; the view (or CLI, or demo seeder) does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from surveyapp.insights.share import resolve
from surveyapp.models import Response, Survey, TextAnalysis, User, Workspace, experiments, segments
from surveyapp.models.insights import (
    ChartNote,
    EvidenceLink,
    Goal,
    Hypothesis,
    HypothesisStatus,
    Webhook,
    WebhookDelivery,
)
from surveyapp.models.segments import Segment, SegmentRun
from surveyapp.reports import stats
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import GOOD, K_SETTING, min_cell, score_of
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
    args = dict(goal.filters or {})
    days = args.pop("days", None)
    f = ReportFilter.from_args(args)
    if f.segment_id is not None:
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


def surveys_of(session: Session, workspace: Workspace) -> list[Survey]:
    """The workspace's surveys by name (what goals and evidence can be about)."""
    return list(session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)
                                .order_by(Survey.name)))


def saved_segments(session: Session, workspace: Workspace) -> list[tuple[int, str]]:
    """(id, name) of the segments of saved runs: what a goal can be restricted to."""
    return [(i, n) for i, n in session.execute(
        select(Segment.id, Segment.name).join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(Segment.workspace_id == workspace.id, SegmentRun.status == "saved"))]


def add_goal(session: Session, workspace: Workspace, survey: Survey, *, title: str, metric: str,
             comparator: str, target: float, attr_key: str | None = None,
             attr_value: str | None = None, segment: str | None = None, days: int | None = None,
             by: User | None = None) -> Goal:
    """A goal on ``survey``'s metric, tracked on respondents with the attribute value (both
    given), in the segment and over the last ``days`` days, when those are given."""
    filters: dict[str, Any] = {}
    if attr_key and attr_value:
        filters.update(attr0=attr_key, val0=attr_value)
    if segment:
        filters["segment"] = segment
    if days:
        filters["days"] = days
    goal = Goal(workspace_id=workspace.id, survey_id=survey.id, title=title, metric=metric,
                comparator=comparator, target=target, filters=filters, created_by=by)
    session.add(goal)
    return goal


def delete_goal(session: Session, goal: Goal) -> None:
    session.delete(goal)


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


def delete_note(session: Session, note: ChartNote) -> None:
    session.delete(note)


# ----------------------------------------------------------------------------- hypotheses
def add_hypothesis(session: Session, workspace: Workspace, title: str, statement: str,
                   by: User | None) -> Hypothesis:
    hypothesis = Hypothesis(workspace_id=workspace.id, title=title, statement=statement,
                            created_by=by)
    session.add(hypothesis)
    return hypothesis


def hypotheses_with_counts(session: Session, workspace: Workspace, limit: int | None = None
                           ) -> list[Row[tuple[Hypothesis, int]]]:
    """(hypothesis, number of evidence links), most recently changed first."""
    query = (select(Hypothesis, func.count(EvidenceLink.id))
             .outerjoin(EvidenceLink, EvidenceLink.hypothesis_id == Hypothesis.id)
             .where(Hypothesis.workspace_id == workspace.id)
             .group_by(Hypothesis.id).order_by(Hypothesis.updated_at.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).all())


def set_status(hypothesis: Hypothesis, status: HypothesisStatus) -> None:
    hypothesis.status = status


def evidence_of(session: Session, hypothesis: Hypothesis, evidence_id: int) -> EvidenceLink | None:
    """The hypothesis's evidence link with this id (None if it is another's, or none)."""
    link = session.get(EvidenceLink, evidence_id)
    if link is None or link.hypothesis_id != hypothesis.id:
        return None
    return link


def unlink_evidence(session: Session, link: EvidenceLink) -> None:
    session.delete(link)


def evidence_options(session: Session, workspace: Workspace) -> list[tuple[str, str, str]]:
    """(kind, ref, label) of things a hypothesis can link to in this workspace: surveys,
    their themes, goals, and segments/experiments when those areas have rows."""
    out: list[tuple[str, str, str]] = []
    surveys = surveys_of(session, workspace)
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
    """Link ``ref`` (one of ``options``) to the hypothesis, which counts as a change of it;
    None if it is not an option."""
    match = next((o for o in options if o[1] == ref), None)
    if match is None or stance not in STANCES:
        return None
    link = EvidenceLink(hypothesis=hypothesis, kind=match[0], ref=match[1], label=match[2][:200],
                        stance=stance, note=note, created_by=by)
    session.add(link)
    hypothesis.updated_at = dt.datetime.now(dt.UTC)
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
    return {"goals": goals_for(session, workspace),
            "hypotheses": hypotheses_with_counts(session, workspace, limit=6)}


# ----------------------------------------------------------------------------- shared reports
def shared_report(session: Session, token: str) -> tuple[Survey, dict[str, Any]] | None:
    """The survey a share link opens and the link's contents (its filters ``f``, expiry
    ``e``), or None when the link is invalid, expired, revoked or its survey is gone."""
    data = resolve(session, token)
    if not data:
        return None
    survey = session.get(Survey, data["s"])
    if survey is None or survey.workspace_id != data.get("w"):
        return None
    return survey, data


def set_min_cell(workspace: Workspace, k: int) -> int:
    """Reports of the workspace hide groups of fewer than ``k`` respondents; returns the
    threshold before."""
    before = min_cell(workspace)
    # A new dict, so the JSON column sees the change.
    workspace.settings = {**(workspace.settings or {}), K_SETTING: k}
    return before


# ----------------------------------------------------------------------------- webhooks
def add_webhook(session: Session, workspace: Workspace, url: str, *, created: bool,
                finished: bool, by: User | None) -> Webhook:
    """A webhook for the events chosen; it starts at the present, so only responses from
    now on are sent."""
    last = session.scalar(select(func.max(Response.id)).join(
        Survey, Survey.id == Response.survey_id).where(Survey.workspace_id == workspace.id))
    hook = Webhook(workspace_id=workspace.id, url=url,
                   events={"response.created": created, "response.finished": finished},
                   cursor_created_id=last or 0, cursor_finished_at=dt.datetime.now(dt.UTC),
                   created_by=by)
    session.add(hook)
    return hook


def webhooks_with_stats(session: Session, workspace: Workspace
                        ) -> tuple[list[Webhook], dict[int, tuple[int, int, int]]]:
    """The workspace's webhooks (oldest first) and, by webhook id, how many deliveries
    are delivered, pending and failed."""
    hooks = list(session.scalars(select(Webhook).where(Webhook.workspace_id == workspace.id)
                                 .order_by(Webhook.created_at)))
    stats = {row[0]: (row[1], row[2], row[3]) for row in session.execute(
        select(WebhookDelivery.webhook_id,
               func.count().filter(WebhookDelivery.status == "delivered"),
               func.count().filter(WebhookDelivery.status == "pending"),
               func.count().filter(WebhookDelivery.status == "failed"))
        .where(WebhookDelivery.webhook_id.in_([h.id for h in hooks]))
        .group_by(WebhookDelivery.webhook_id))}
    return hooks, stats


def deliveries(session: Session, hook: Webhook, limit: int = 200) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == hook.id).order_by(WebhookDelivery.id.desc()).limit(limit)))


def delete_webhook(session: Session, hook: Webhook) -> None:
    session.delete(hook)
