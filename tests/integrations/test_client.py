"""surveyapp.client against the running app (served on loopback): create a response,
track, identify, read themes and segments -- and the server's refusals as typed errors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from surveyapp.client import SurveyappClient, SurveyappError
from surveyapp.models import (
    AnswerAnnotation,
    ApiKey,
    Contact,
    Event,
    Response,
    Survey,
    SurveyStatus,
    TextAnalysis,
)
from surveyapp.models.segments import Segment, SegmentRun
from tests.reports.conftest import _theme_result


@pytest.fixture
def sdk(db, team, served) -> tuple[SurveyappClient, Survey]:
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?", "required": True},
                                  {"id": "why", "type": "open_text", "title": "Why?"}]})
    key, secret = ApiKey.generate(team.workspace, "sdk", team.owner)
    db.session.add_all([survey, key])
    db.session.commit()
    return SurveyappClient(served, public_key=env.client_key, secret_key=secret), survey


def test_collecting_through_the_client(db, team, sdk):
    client, survey = sdk
    who = client.identify("u-42", {"plan": "pro"})
    assert who["stored"] is True
    tracked = client.track("u-42", "Report Exported", {"format": "csv"}, event_id="evt-000001")
    again = client.track("u-42", "Report Exported", {"format": "csv"}, event_id="evt-000001")
    assert (tracked.stored, again.stored) == (1, 0)  # the retry stored nothing

    created = client.create_response(survey.id, {"score": 9, "why": "Fast"}, user_id="u-42",
                                     finished=True, response_id="0c1f4f5e-8d3c-4c1e-9a43-2b7f6a0d3e55")
    assert created.stored and created.finished and created.answers["score"] == 9
    retry = client.create_response(survey.id, {"score": 9, "why": "Fast"}, user_id="u-42",
                                   finished=True, response_id=created.id)
    assert retry.id == created.id
    db.session.expire_all()
    person = db.session.scalar(select(Contact).where(Contact.external_id == "u-42"))
    assert person.attributes == {"plan": "pro"}
    assert db.session.scalar(select(Response.contact_id)) == person.id
    assert [e.name for e in db.session.scalars(select(Event))] == ["Report Exported"]


def test_refusals_are_typed_errors(sdk):
    client, survey = sdk
    with pytest.raises(SurveyappError) as refused:
        client.create_response(survey.id, {"score": 11}, finished=True)
    assert refused.value.status == 422 and refused.value.code == "invalid_answers"
    assert "score" in refused.value.fields
    wrong = SurveyappClient(client.base_url, public_key=client.public_key, secret_key="sk_wrong")
    with pytest.raises(SurveyappError) as denied:
        wrong.segments()
    assert denied.value.status == 401
    with pytest.raises(SurveyappError) as gone:
        SurveyappClient("http://127.0.0.1:9", public_key="pk_x").track("u", "x")
    assert gone.value.status == 0 and gone.value.code == "unreachable"


def test_reading_themes_and_segments(db, team, sdk):
    client, survey = sdk
    env = team.workspace.environments[0]
    db.session.add(TextAnalysis(survey_id=survey.id, question_id="why", result=_theme_result(),
                                answers=8))
    for i in range(8):
        r = Response(environment_id=env.id, client_id=f"t{i}-client", survey=survey,
                     version=survey.current_version, finished=True,
                     answers={"score": 10 if i < 6 else 2, "why": "Support"})
        db.session.add(r)
        db.session.flush()
        db.session.add(AnswerAnnotation(response_id=r.id, survey_id=survey.id, question_id="why",
                                        kind="ok", theme=2 if i < 6 else 0,
                                        sentiment="positive" if i < 6 else "negative"))
    run = SegmentRun(workspace_id=team.workspace.id, environment_id=env.id, status="saved",
                     window_end=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    db.session.add_all([run, Segment(workspace_id=team.workspace.id, run=run, key="power",
                                     name="Power users", size=42)])
    db.session.commit()

    [question] = client.themes(survey.id)
    themes = {t.label: t for t in question.themes}
    assert question.question_id == "why"
    assert themes["Support"].count == 6 and themes["Support"].nps == 100.0
    assert [(s.key, s.name, s.size) for s in client.segments()] == [("power", "Power users", 42)]
    assert [s["name"] for s in client.surveys()] == ["NPS"]
