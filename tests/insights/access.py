"""Objects of the insights area for tests/test_access.py (one of each kind per team)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from surveyapp.models import utcnow
from surveyapp.models.insights import (
    ChartNote,
    EvidenceLink,
    Goal,
    Hypothesis,
    ShareLink,
    Webhook,
    WebhookDelivery,
)

ID_ARGS = {"goal_id", "hypothesis_id", "evidence_id", "note_id", "webhook_id", "link_id"}


def make_objects(db: Any, team: Any, ids: dict[str, Any]) -> dict[str, int]:
    ws = team.workspace
    goal = Goal(workspace_id=ws.id, survey_id=ids["survey_id"], title="NPS at least 40",
                metric="nps", comparator=">=", target=40, filters={})
    h = Hypothesis(workspace_id=ws.id, title="Slow pages make people detractors")
    link = EvidenceLink(hypothesis=h, kind="survey", ref=f"survey:{ids['survey_id']}",
                        label="Survey: Checkout NPS")
    note = ChartNote(workspace_id=ws.id, survey_id=ids["survey_id"], chart="trend",
                     body="Dip is the outage")
    hook = Webhook(workspace_id=ws.id, url="https://example.com/hook",
                   events={"response.created": True})
    share = ShareLink(workspace_id=ws.id, survey_id=ids["survey_id"], filters={},
                      expires_at=utcnow() + dt.timedelta(days=7))
    db.session.add_all([goal, h, link, note, hook, share])
    db.session.flush()
    db.session.add(WebhookDelivery(webhook_id=hook.id, event="response.created", response_id=1,
                                   payload={"event": "response.created"}))
    db.session.flush()
    return {"goal_id": goal.id, "hypothesis_id": h.id, "evidence_id": link.id,
            "note_id": note.id, "webhook_id": hook.id, "link_id": share.id}


def snapshot(db: Any) -> dict[str, Any]:
    out: dict[str, Any] = {f"insights.{m.__name__}": db.session.scalar(
        select(func.count()).select_from(m))
        for m in (Goal, Hypothesis, EvidenceLink, ChartNote, Webhook, WebhookDelivery, ShareLink)}
    out["insights.statuses"] = sorted((h.id, h.status.value) for h in db.session.scalars(select(Hypothesis)))
    out["insights.hooks"] = sorted((w.id, w.url, w.active) for w in db.session.scalars(select(Webhook)))
    out["insights.share_links"] = sorted((s.id, s.revoked_at is None)
                                         for s in db.session.scalars(select(ShareLink)))
    return out
