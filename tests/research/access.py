"""Objects the research pages name in their URLs (see tests/test_access.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.research import (
    Highlight,
    Insight,
    Passage,
    Study,
    StudyKind,
    StudySession,
    StudySource,
    StudyTask,
    Tag,
)

ID_ARGS = {"study_id", "source_id", "passage_id", "highlight_id", "tag_id", "insight_id", "task_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, Any]:
    study = Study(workspace_id=team.workspace.id, title=f"Interviews {team.workspace.slug}",
                  kind=StudyKind.INTERVIEWS, research_question="Why do teams churn?")
    source = StudySource(workspace_id=team.workspace.id, study=study, title="P1", format="text",
                         content_hash=f"h-{team.workspace.slug}")
    db.session.add_all([study, source])
    db.session.flush()
    passage = Passage(study_id=study.id, source_id=source.id, position=0, line=1,
                      text="We left because exports kept failing.")
    tag = Tag(workspace_id=team.workspace.id, name="exports")
    task = StudyTask(study_id=study.id, name="Export a report", position=0)
    db.session.add_all([passage, tag, task])
    db.session.flush()
    insight = Insight(workspace_id=team.workspace.id, study_id=study.id, title="Exports fail")
    db.session.add(insight)
    db.session.flush()
    highlight = Highlight(workspace_id=team.workspace.id, study_id=study.id, passage_id=passage.id,
                          quote="exports kept failing", start=16, end=37, source_title="P1",
                          tags=[tag], insight_id=insight.id)
    db.session.add(highlight)
    db.session.flush()
    return {"study_id": study.id, "source_id": source.id, "passage_id": passage.id,
            "highlight_id": highlight.id, "tag_id": tag.id, "insight_id": insight.id, "task_id": task.id}


def snapshot(db) -> dict[str, Any]:
    return {
        "studies": sorted((s.id, s.title, s.survey_id, str(s.question_id))
                          for s in db.session.scalars(select(Study))),
        "sources": sorted(s.id for s in db.session.scalars(select(StudySource))),
        "passages": db.session.query(Passage).count(),
        "highlights": sorted((h.id, h.insight_id, h.quote) for h in db.session.scalars(select(Highlight))),
        "tags": sorted((t.id, t.name, t.description) for t in db.session.scalars(select(Tag))),
        "insights": db.session.query(Insight).count(),
        "passage_texts": sorted((p.id, p.text) for p in db.session.scalars(select(Passage))),
        "sessions": sorted((x.id, x.title) for x in db.session.scalars(select(StudySession))),
        "tasks": sorted((t.id, t.name, t.scenario, t.target_seconds) for t in db.session.scalars(select(StudyTask))),
    }
