"""Objects the research pages name in their URLs (see tests/test_access.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models.research import Passage, Study, StudyKind, StudySource

ID_ARGS = {"study_id", "source_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, Any]:
    study = Study(workspace_id=team.workspace.id, title=f"Interviews {team.workspace.slug}",
                  kind=StudyKind.INTERVIEWS, research_question="Why do teams churn?")
    source = StudySource(workspace_id=team.workspace.id, study=study, title="P1", format="text",
                         content_hash=f"h-{team.workspace.slug}")
    db.session.add_all([study, source])
    db.session.flush()
    db.session.add(Passage(study_id=study.id, source_id=source.id, position=0, line=1,
                           text="We left because exports kept failing."))
    return {"study_id": study.id, "source_id": source.id}


def snapshot(db) -> dict[str, Any]:
    return {
        "studies": sorted((s.id, s.title, s.survey_id, str(s.question_id))
                          for s in db.session.scalars(select(Study))),
        "sources": sorted(s.id for s in db.session.scalars(select(StudySource))),
        "passages": db.session.query(Passage).count(),
    }
