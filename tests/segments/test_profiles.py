"""Segment profiles: scores with confidence intervals, themes with scrubbed quotes, and
small groups suppressed."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from surveyapp.models import AnswerAnnotation, Response, Role, Survey, SurveyStatus, TextAnalysis
from surveyapp.models.segments import Segment, SegmentRun
from surveyapp.segments import service
from tests.conftest import login
from tests.segments.helpers import plant


def _theme_json() -> str:
    from nlp.themes import Theme, ThemeResult

    theme = Theme(id=0, label="Report speed", keywords=["slow", "reports"], count=12, quotes=[],
                  centroid=np.zeros(3))
    return ThemeResult(themes=[theme], assignments=[], outlier_share=0.0, method="kmeans").to_json()


def test_profiles_show_scores_themes_and_scrubbed_quotes_and_hide_small_groups(app, db, client, team):
    truth = plant(db, team.workspace, n_per_group=12)
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                            {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.flush()
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", result=_theme_json()))
    builders = [c for c, g in truth.items() if g == "builders"]
    for i, cid in enumerate(builders):
        resp = Response(environment_id=env.id, client_id=f"r{i}", survey=survey, version=version,
                        contact_id=cid, finished=True,
                        answers={"score": 10 if i % 4 else 6,
                                 "why": f"Reports are slow, write to me at user{i}@example.com please"})
        db.session.add(resp)
        db.session.flush()
        db.session.add(AnswerAnnotation(response_id=resp.id, survey_id=survey.id, question_id="why",
                                        kind="ok", theme=0, sentiment="negative"))
    db.session.commit()

    run = service.new_run(db.session, team.workspace.id, env.id, 90, False, None)
    service.compute(db.session, run, only=("kmeans",))
    labels = run.result["methods"]["kmeans"]["labels"]
    ids = run.result["contact_ids"]
    for i in [ids.index(c) for c in [c for c, g in truth.items() if g == "viewers"][:3]]:
        labels[i] = 7  # a group of three
    run.result = {**run.result, "methods": {"kmeans": {**run.result["methods"]["kmeans"],
                                                       "labels": labels}}}
    service.save(db.session, run, "kmeans")
    db.session.commit()

    segments = db.session.scalars(select(Segment).where(Segment.run_id == run.id)).all()
    tiny = next(s for s in segments if s.size == 3)
    assert tiny.profile == {"suppressed": True, "share": tiny.profile["share"]}
    seg = next(s for s in segments if s.profile.get("nps"))
    assert seg.profile["nps"]["n"] == 12 and seg.profile["nps"]["score"] == 50.0
    low, high = seg.profile["nps"]["ci"]
    assert low < 50 < high
    theme = seg.profile["themes"][0]
    assert theme["label"] == "Report speed" and theme["count"] == 12 and theme["negative"] == 12
    assert seg.profile["sentiment"]["negative"] == 12 and seg.profile["negative_ci"][1] == 100.0

    login(client, team.users[Role.VIEWER].email)
    slug = team.workspace.slug
    page = client.get(f"/w/{slug}/segments/{seg.id}").get_data(as_text=True)
    assert "+50" in page and "Report speed" in page and "Reports are slow" in page
    assert "user0@example.com" not in page and "user1@example.com" not in page  # scrubbed
    small = client.get(f"/w/{slug}/segments/{tiny.id}").get_data(as_text=True)
    assert "fewer than 5 contacts" in small and "What distinguishes them" not in small
    assert db.session.get(SegmentRun, run.id).status == "saved"
