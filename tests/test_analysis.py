"""The open-text analysis in the app: a job reads a survey's answers with the real
packaged embedding model and a small real sentiment build, stores themes and sentiment,
assigns new answers without refitting, keeps renamed themes, and the survey page and
the CLI show it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp import jobs
from surveyapp.models import AnswerAnnotation, Response, Role, Survey, SurveyStatus, TextAnalysis
from tests.conftest import login, post_form

REPO = Path(__file__).resolve().parents[1]

SLOW = ["The dashboards are so slow to load", "Loading reports takes forever",
        "Pages are really slow in the afternoon", "Everything got slow after the update",
        "Charts take ages to load", "The app is slow when I open big dashboards",
        "Slow loading of the main dashboard", "Performance is bad, very slow pages"]
PRICE = ["Too expensive for a small team", "The price went up a lot", "Pricing is too high",
         "Cheaper plans please, it costs too much", "Way too expensive compared to others",
         "The new pricing is hard to justify", "Costs too much for what we use",
         "Expensive for a startup like ours"]
LOVE = ["I love the export to CSV", "Great support team, very helpful",
        "The support people answered within minutes", "Love how easy the exports are",
        "Support was fantastic when we had a problem", "Exports save us hours every week",
        "Really helpful support staff", "The CSV export is wonderful"]
FILLER = ["n/a", "nothing", "-", "asdf"]
GERMAN = ["Die Dashboards laden extrem langsam."]


@pytest.fixture(scope="session")
def sentiment_dir() -> Path:
    """The same small real build the nlp tests use (reused while its manifest matches)."""
    from nlp.build_sentiment import build

    out = Path(os.environ.get("NLP_TEST_MODEL_DIR", REPO / ".cache" / "test-models")) / "sentiment-quick"
    log = io.StringIO()
    assert build(out, quick=True, log=log)["key"], log.getvalue()
    return out


@pytest.fixture
def app_config(app_config, sentiment_dir):
    return {**app_config, "sentiment_model": str(sentiment_dir)}


@pytest.fixture
def survey(db, team):
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="NPS", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [
        {"id": "score", "type": "nps", "title": "How likely are you to recommend us?"},
        {"id": "why", "type": "open_text", "title": "What is the main reason?"}]})
    db.session.add(survey)
    db.session.flush()
    answers = ([(t, 3) for t in SLOW * 2] + [(t, 5) for t in PRICE * 2] + [(t, 10) for t in LOVE * 2]
               + [(t, 7) for t in FILLER + GERMAN])
    for i, (text, score) in enumerate(answers):
        db.session.add(Response(environment_id=env.id, client_id=f"r{i}", survey=survey,
                                version=version, finished=True,
                                answers={"score": score, "why": f"{text}{'!' * (i % 3)}"}))
    db.session.commit()
    return survey


def run_analysis(db, team, survey, refit=False):
    job = jobs.create_job(db.session, "analyse_survey", team.workspace,
                          {"survey_id": survey.id, "refit": refit})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded", job.message
    db.session.expire_all()
    return job


def annotations(db, survey):
    return db.session.scalars(select(AnswerAnnotation).where(AnswerAnnotation.survey_id == survey.id)).all()


def test_analysis_finds_themes_and_sentiment_and_sets_filler_aside(db, team, survey):
    job = run_analysis(db, team, survey)
    assert job.result["sentiment"] is True
    notes = annotations(db, survey)
    assert len(notes) == db.session.scalar(select(func.count()).select_from(Response))
    by_text = {db.session.get(Response, n.response_id).answers["why"].rstrip("!"): n for n in notes}
    assert all(by_text[t].kind == "filler" for t in FILLER)
    assert by_text["I love the export to CSV"].sentiment == "positive"
    assert by_text["Too expensive for a small team"].sentiment == "negative"
    # The three topics land in different themes.
    slow = {by_text[t].theme for t in SLOW[:4]}
    price = {by_text[t].theme for t in PRICE[:4]}
    assert len(slow) == 1 and len(price) == 1 and slow != price and -1 not in slow | price
    # A German answer is placed with the rest by the multilingual model (an installed extra):
    # it joins the slow-dashboards theme or stays unthemed, never a theme of its own.
    german = by_text[GERMAN[0]]
    assert german.kind == "ok" and german.theme in slow | {-1}
    analysis = db.session.scalar(select(TextAnalysis))
    assert analysis.answers == len(notes) and analysis.method in ("bertopic", "kmeans")


def test_new_answers_are_assigned_without_refitting_and_renames_survive_a_refit(
        db, client, team, survey):
    run_analysis(db, team, survey)
    analysis = db.session.scalar(select(TextAnalysis))
    before = analysis.result
    version = survey.current_version
    for i, text in enumerate(["The dashboard is painfully slow", "Far too expensive now"]):
        db.session.add(Response(environment_id=survey.environment_id, client_id=f"new{i}",
                                survey=survey, version=version, finished=True,
                                answers={"score": 2, "why": text}))
    db.session.commit()
    job = run_analysis(db, team, survey)
    assert job.result["questions"]["why"]["new"] == 2
    assert db.session.scalar(select(TextAnalysis)).result == before  # no refit
    notes = {db.session.get(Response, n.response_id).answers["why"]: n for n in annotations(db, survey)}
    assert notes["The dashboard is painfully slow"].theme == notes["Slow loading of the main dashboard"].theme

    # An analyst renames the slow theme on the survey page; a refit keeps the name.
    slow_theme = notes["Slow loading of the main dashboard"].theme
    login(client, team.users[Role.ANALYST].email)
    page_url = f"/w/{team.workspace.slug}/surveys/{survey.id}"
    resp = post_form(client, f"{page_url}/themes/why/{slow_theme}", {"label": "Speed"},
                     token_from=page_url)
    assert resp.status_code == 302
    run_analysis(db, team, survey, refit=True)
    notes = {db.session.get(Response, n.response_id).answers["why"]: n for n in annotations(db, survey)}
    page = client.get(page_url).get_data(as_text=True)
    assert "Speed" in page and "renamed" in page
    assert "Themes by NPS group" in page and "etractor" in page
    from nlp.themes import ThemeResult

    result = ThemeResult.from_json(db.session.scalar(select(TextAnalysis)).result)
    theme = notes["Slow loading of the main dashboard"].theme
    edits = db.session.scalar(select(TextAnalysis)).edits
    assert edits["labels"][str(slow_theme)] == "Speed"
    assert theme == slow_theme or result.theme(theme).label == "Speed"


def test_the_survey_page_starts_an_analysis_job(db, client, team, survey):
    login(client, team.users[Role.ANALYST].email)
    page_url = f"/w/{team.workspace.slug}/surveys/{survey.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Analyse open-text answers" in page and "Sentiment model ready" in page
    resp = post_form(client, f"{page_url}/analyse", token_from=page_url)
    assert resp.status_code == 302 and "analysis_job=" in resp.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(jobs.Job).where(
        jobs.Job.kind == "analyse_survey")) == 1
    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert post_form(viewer, f"{page_url}/analyse", token_from=page_url).status_code == 403


def test_pii_is_scrubbed_from_answers_shown_on_the_survey_page(db, client, team, survey):
    version = survey.current_version
    db.session.add(Response(environment_id=survey.environment_id, client_id="pii", survey=survey,
                            version=version, finished=True,
                            answers={"score": 1, "why": "Call me at jane.doe@example.com or 555-0199"}))
    db.session.commit()
    login(client, team.users[Role.VIEWER].email)
    page = client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}").get_data(as_text=True)
    assert "jane.doe@example.com" not in page and "555-0199" not in page


def test_cli_analyses_a_survey_and_any_csv(app, db, team, survey, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp.cli import main

    class Runner:
        def invoke(self, args):
            return CliRunner().invoke(main, args, obj=ScriptInfo(create_app=lambda: app))

    runner = Runner()
    result = runner.invoke(args=["analyse", str(survey.id)])
    assert result.exit_code == 0, result.output
    assert "why:" in result.output and "themes from" in result.output
    assert "[100%]" in result.output  # progress (stderr is mixed in by the runner)
    csv_in = tmp_path / "answers.csv"
    csv_in.write_text("id,text\n" + "".join(f"{i},\"{t}\"\n" for i, t in enumerate(SLOW + LOVE)))
    out = tmp_path / "scored.csv"
    result = runner.invoke(args=["nlp", "sentiment", str(csv_in), "--text-column", "text", "-o", str(out)])
    assert result.exit_code == 0, result.output
    import pandas as pd

    scored = pd.read_csv(out)
    assert {"sentiment", "sentiment_score"} <= set(scored.columns) and len(scored) == len(SLOW + LOVE)
    assert scored.loc[scored["text"] == "I love the export to CSV", "sentiment"].item() == "positive"
    result = runner.invoke(args=["nlp", "sentiment", str(csv_in), "--text-column", "nope", "-o", str(out)])
    assert result.exit_code != 0 and "nope" in result.output
    assert "ready" in runner.invoke(args=["nlp", "status"]).output


def test_an_improvement_question_gets_a_nothing_theme_and_the_report_drills_down(db, client, team):
    """Real customer messages (CLINC150) plus answers to "What could we improve?": the job
    reads the question, so "nothing" answers form "Nothing to improve" (not filler), and
    the report lists each theme's sub-themes under it."""
    import json

    from nlp.themes import NOTHING, ThemeResult
    from tests.nlp.test_theme_quality import IMPROVE, SAMPLE

    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="Improve", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [
        {"id": "better", "type": "open_text", "title": "What could we improve?"}]})
    db.session.add(survey)
    db.session.flush()
    texts = IMPROVE + [r["text"] for r in json.loads(SAMPLE.read_text())["rows"]]
    for i, text in enumerate(texts):
        db.session.add(Response(environment_id=env.id, client_id=f"i{i}", survey=survey, version=version,
                                finished=True, answers={"better": text}))
    db.session.commit()
    run_analysis(db, team, survey)
    result = ThemeResult.from_json(db.session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == survey.id)).result)
    nothing = [t for t in result.themes if t.kind == NOTHING]
    assert [t.label for t in nothing] == ["Nothing to improve"]
    notes = {db.session.get(Response, n.response_id).answers["better"]: n for n in annotations(db, survey)}
    assert notes["Nothing to improve, all good"].theme == nothing[0].id
    assert notes["nothing"].kind == "ok" and notes["nothing"].theme == nothing[0].id
    assert notes["n/a"].kind == "filler" and notes["asdf"].kind == "filler"
    with_subs = [t for t in result.themes if t.subthemes]
    assert with_subs, [t.label for t in result.themes]
    login(client, team.users[Role.VIEWER].email)
    page = client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}").get_data(as_text=True)
    assert "Nothing to improve" in page
    assert "data-subthemes" in page and "sub-themes" in page
    from markupsafe import escape

    assert all(str(escape(s.label)) in page for s in with_subs[0].subthemes)
