"""The scoring rules, once: NPS groups in Python and in SQL agree, scale types come from
the question classes, and theme names apply the analysts' renames with int keys."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import Integer, cast, literal, null, select, union_all

from surveyapp.models import Response, Survey, SurveyStatus, TextAnalysis
from surveyapp.surveys import scoring
from surveyapp.surveys.questions import (
    CES,
    CSAT,
    NPS,
    QUESTION_TYPES,
    OpenText,
    Rating,
    question_type,
)

OFF_SCALE = (-1, 11, 100)


@pytest.mark.parametrize(("score", "group"), [
    (0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"),
    (10, "promoter"), (None, None), (-1, None), (11, None), (True, None), ("9", None)])
def test_nps_group_boundaries(score, group):
    assert NPS.group(score) == group
    assert NPS.points(score) == (None if group is None else 100 * NPS.SIGN[group])


def test_tally_counts_each_group_and_leaves_off_scale_scores_out():
    assert NPS.tally([(0, 2), (6, 1), (7, 3), (8, 1), (9, 4), (10, 1), (11, 5), (None, 7)]) == {
        "detractor": 3, "passive": 4, "promoter": 5}


def test_scale_types_and_good_answers_come_from_the_question_classes():
    scales = {t: cls.scale for t, cls in QUESTION_TYPES.items() if cls.is_scale}
    assert scales == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating": (1, 5)}
    assert {t for t, cls in QUESTION_TYPES.items() if cls.good_min is not None} == {"csat", "ces", "rating"}
    assert (CSAT.good_min, CES.good_min, Rating.good_min) == (4, 5, 4)
    assert question_type({"type": "nps"}) is NPS and question_type({"type": "open_text"}) is OpenText
    assert question_type({"type": "nope"}) is None and question_type({}) is None


def _scores(values):
    return union_all(*[select((null() if v is None else cast(literal(v), Integer)).label("score"))
                       for v in values]).subquery()


def test_sql_groups_agree_with_python_on_the_database(db):
    values = [*range(11), None, *OFF_SCALE]
    s = _scores(values).c.score
    rows = db.session.execute(select(s, scoring.nps_group(s), scoring.nps_group(s, NPS.SIGN),
                                     scoring.is_promoter(s), scoring.is_passive(s),
                                     scoring.is_detractor(s))).all()
    assert len(rows) == len(values)
    for score, group, sign, promoter, passive, detractor in rows:
        expected = NPS.group(score)
        assert group == expected, score
        assert sign == (None if expected is None else NPS.SIGN[expected]), score
        assert [bool(promoter), bool(passive), bool(detractor)] == [
            expected == g for g in ("promoter", "passive", "detractor")], score

    pro, det, n = db.session.execute(select(*scoring.nps_counts(s))).one()
    groups = NPS.tally((v, 1) for v in values)
    assert (pro, det) == (groups["promoter"], groups["detractor"]) == (2, 7)
    assert n == len(values) - 1  # every answer but the missing one


def _survey(db, team) -> Survey:
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"},
                                            {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.add(survey)
    db.session.flush()
    for i in range(11):
        db.session.add(Response(environment_id=env.id, client_id=f"c{i}", survey=survey,
                                version=version, finished=True, answers={"score": i}))
    db.session.flush()
    return survey


def test_report_counts_of_real_answers_follow_the_groups(db, team):
    from surveyapp.reports.query import _nps_cols, nps_score_expr

    survey = _survey(db, team)
    pro, det, n = db.session.execute(select(*_nps_cols({"id": "score"}))
                                     .where(Response.survey_id == survey.id)).one()
    assert (pro, det, n) == (2, 7, 11)
    signs = dict(db.session.execute(select(Response.answers["score"].as_integer(), nps_score_expr("score"))
                                    .where(Response.survey_id == survey.id)).all())
    assert signs == {i: NPS.SIGN[NPS.group(i)] for i in range(11)}


def _theme_json() -> str:
    from nlp.themes import Theme, ThemeResult

    themes = [Theme(id=i, label=label, keywords=[label.lower()], count=3, quotes=[],
                    centroid=np.zeros(3)) for i, label in enumerate(["Pricing", "Slow dashboards"])]
    return ThemeResult(themes=themes, assignments=[0, 1, 1], outlier_share=0.0, method="kmeans").to_json()


def test_theme_names_apply_renames_with_int_keys(db, team):
    from surveyapp.reports.exports import theme_names

    survey = _survey(db, team)
    analysis = TextAnalysis(survey_id=survey.id, question_id="why", result=_theme_json(), edits={})
    db.session.add(analysis)
    assert analysis.theme_names() == {0: "Pricing", 1: "Slow dashboards"}
    analysis.rename_theme(1, "Speed")
    db.session.commit()

    stored = db.session.get(TextAnalysis, analysis.id)
    assert stored.edits == {"labels": {"1": "Speed"}}  # JSON: str keys on disk
    assert stored.renames() == {1: "Speed"}
    assert stored.theme_names() == {0: "Pricing", 1: "Speed"}
    assert theme_names(survey) == {("why", 0): "Pricing", ("why", 1): "Speed"}
    result = stored.theme_result()
    assert [t.id for t in result.themes] == [0, 1] and result.assignments == [0, 1, 1]
    assert result.themes[0].centroid.shape == (3,)


def test_hand_written_results_read_with_defaults():
    """Results written by hand (tests, benchmarks) lack centroids, counts and assignments."""
    analysis = TextAnalysis(question_id="why", edits={"labels": {"0": "Cost"}}, result=json.dumps(
        {"method": "test", "message": "", "themes": [
            {"id": 0, "label": "Pricing", "keywords": ["price"], "size": 0, "edited": False},
            {"id": 1, "label": "Speed"}]}))
    result = analysis.theme_result()
    assert result.method == "test" and result.assignments == []
    assert [(t.id, t.keywords, t.quotes, t.count) for t in result.themes] == [
        (0, ["price"], [], 0), (1, [], [], 0)]
    assert analysis.theme_names(result) == {0: "Cost", 1: "Speed"}
