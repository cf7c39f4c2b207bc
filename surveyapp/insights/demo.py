"""Demo content for insights: goals tracked on the overview, hypotheses with evidence
linked from the demo's surveys, goals and segments, and a note on a chart. Runs inside the
demo's transaction; never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.insights.service import evidence_options
from surveyapp.models import Membership, Role, Survey, Workspace, utcnow
from surveyapp.models.insights import ChartNote, EvidenceLink, Goal, Hypothesis, HypothesisStatus


def seed_demo(session: Session, workspace: Workspace, echo: Callable[[str], None]) -> None:
    surveys = {s.name: s for s in session.scalars(select(Survey).where(Survey.workspace_id == workspace.id))}
    nps, ces, dash = (surveys.get(n) for n in ("Product NPS", "Onboarding effort",
                                                "Dashboards feature feedback"))
    if nps is None or ces is None:
        return
    member = session.scalar(select(Membership).where(Membership.workspace_id == workspace.id,
                                                     Membership.role == Role.ANALYST))
    user = member.user if member else None
    now = utcnow()
    goals = [Goal(workspace_id=workspace.id, survey_id=nps.id, title="Users would recommend us",
                  metric="nps", comparator=">=", target=40, filters={"days": 90}, created_by=user),
             Goal(workspace_id=workspace.id, survey_id=ces.id, title="Setting up the first dashboard feels easy",
                  metric="good_share", comparator=">=", target=80, filters={}, created_by=user)]
    if dash is not None:
        goals.append(Goal(workspace_id=workspace.id, survey_id=dash.id,
                          title="Pro customers are satisfied with dashboards", metric="good_share",
                          comparator=">=", target=75, filters={"attr0": "plan", "val0": "pro"},
                          created_by=user))
    session.add_all(goals)
    session.flush()

    options = {ref: (kind, label) for kind, ref, label in evidence_options(session, workspace)}

    def link(h: Hypothesis, ref: str, stance: str, note: str, days_ago: int) -> None:
        if ref in options:
            kind, label = options[ref]
            h.evidence.append(EvidenceLink(kind=kind, ref=ref, label=label, stance=stance, note=note,
                                           created_by=user, created_at=now - dt.timedelta(days=days_ago)))

    slow = Hypothesis(workspace_id=workspace.id, title="Slow dashboards turn power users into detractors",
                      statement="We believe that dashboards taking more than a few seconds to load "
                                "push our heaviest users to score 0-6, because they open them many "
                                "times a day.", status=HypothesisStatus.OPEN, created_by=user,
                      created_at=now - dt.timedelta(days=20), updated_at=now - dt.timedelta(days=2))
    link(slow, f"survey:{nps.id}", "supports",
         "Detractors' comments under “What disappointed you?” are mostly about speed.", 12)
    segments = [ref for ref, (kind, _) in options.items() if kind == "segment"]
    if segments:
        link(slow, segments[0], "context", "The segment to compare against everyone else.", 5)
    setup = Hypothesis(workspace_id=workspace.id, title="A setup checklist makes onboarding easier",
                       statement="Adding a three-step checklist after sign-up raises the share of "
                                 "people who find setup easy (CES 5-7).",
                       status=HypothesisStatus.SUPPORTED, created_by=user,
                       created_at=now - dt.timedelta(days=40), updated_at=now - dt.timedelta(days=6))
    link(setup, f"survey:{ces.id}", "supports", "Ease went up after the checklist shipped.", 8)
    link(setup, f"goal:{goals[1].id}", "context", "Tracked as a team goal.", 6)
    experiments = [ref for ref, (kind, _) in options.items() if kind == "experiment"]
    if experiments:
        link(setup, experiments[0], "supports", "The experiment's result.", 6)
    mobile = Hypothesis(workspace_id=workspace.id, title="Mobile users abandon the NPS survey more often",
                        statement="On phones the follow-up question is skipped more often.",
                        status=HypothesisStatus.INCONCLUSIVE, created_by=user,
                        created_at=now - dt.timedelta(days=9), updated_at=now - dt.timedelta(days=9))
    link(mobile, f"survey:{nps.id}", "context",
         "Compare completion by device in the report's breakdown: the intervals overlap.", 9)
    session.add_all([slow, setup, mobile])
    session.add(ChartNote(workspace_id=workspace.id, survey_id=nps.id, chart="trend",
                          body="Release 4.2 shipped in the middle of this period: faster dashboards.",
                          created_by=user, created_at=now - dt.timedelta(days=14)))
    session.flush()
    echo(f"Added {len(goals)} goals, 3 hypotheses with evidence and a chart note.")
