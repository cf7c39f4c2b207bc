"""Computed variables in the report and the exports, and date answers by period (issue
24, item 3): the figures are computed by hand (and statsmodels) from the answers below,
from the raw responses and from the cached report rows alike."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import insert
from statsmodels.stats.weightstats import DescrStatsW

from surveyapp import jobs
from surveyapp.models import Response, Survey, SurveyStatus
from surveyapp.reports import rollup
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import survey_report
from surveyapp.surveys.questions import reported_questions

DEFINITION = {
    "questions": [
        {"id": "signup", "type": "ces", "title": "Was signing up easy?"},
        {"id": "pay", "type": "ces", "title": "Was paying easy?"},
        {"id": "when", "type": "date", "title": "When did you start?"},
        {"id": "why", "type": "open_text", "title": "Why?"},
    ],
    "variables": [{"id": "effort", "sum": ["signup", "pay"], "label": "Effort score"}],
}
# (signup, pay, start date): None = skipped. Effort = the answered ones added up.
ANSWERS = [(7, 6, "2026-01-05"), (3, None, "2026-01-20"), (None, None, "2026-04-02"),
           (5, 5, None), (1, 2, "2026-04-30"), (None, 4, None), (7, 7, "2026-01-06")]
EFFORT = [13, 3, 10, 3, 4, 14]


@pytest.fixture
def survey(db, team):
    ws = team.workspace
    survey = Survey(workspace=ws, environment=ws.environments[0], name="Effort",
                    status=SurveyStatus.LIVE)
    version = survey.publish(DEFINITION)
    db.session.add(survey)
    db.session.flush()
    rows = []
    for i, (signup, pay, when) in enumerate(ANSWERS):
        answers = {k: v for k, v in (("signup", signup), ("pay", pay), ("when", when),
                                     ("why", f"answer {i}")) if v is not None}
        rows.append({"environment_id": survey.environment_id, "client_id": f"v{i}",
                     "survey_id": survey.id, "version_id": version.id, "finished": True,
                     "answers": answers, "meta": {},
                     "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i)})
    db.session.execute(insert(Response), rows)
    db.session.commit()
    return survey


def _effort(report):
    return next(q for q in report.questions if q.id == "effort")


def test_the_report_shows_the_variable_with_its_mean_and_interval(db, survey):
    reference = DescrStatsW(EFFORT)
    low, high = reference.zconfint_mean()  # the report's normal interval
    for cached in (False, True):
        if cached:  # the same figures from the report's cached rows
            rollup.refresh(db.session, survey, reported_questions(survey))
            db.session.commit()
            assert rollup._stored_state(db.session, survey, ReportFilter(),
                                        reported_questions(survey)) is not None
        effort = _effort(survey_report(db.session, survey, ReportFilter()))
        assert effort.title == "Effort score" and effort.n == len(EFFORT)
        assert effort.figures["sum_of"] == ["Was signing up easy?", "Was paying easy?"]
        mean = effort.figures["mean"]
        assert mean["mean"] == pytest.approx(reference.mean, abs=0.01)
        assert (mean["low"], mean["high"]) == (pytest.approx(low, abs=0.01),
                                               pytest.approx(high, abs=0.01))
        assert {d["label"]: d["count"] for d in effort.distribution} == {
            "3": 2, "4": 1, "10": 1, "13": 1, "14": 1}


def test_a_variable_is_not_a_step_of_the_funnel(db, survey):
    report = survey_report(db.session, survey, ReportFilter())
    assert [step["id"] for step in report.funnel] == ["signup", "pay", "when", "why"]


def test_the_report_page_explains_the_variable(owner_client, survey, team):
    html = owner_client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}").get_data(as_text=True)
    assert "Effort score" in html
    assert "the sum of its answers to “Was signing up easy?”, “Was paying easy?”" in html


def test_date_answers_are_counted_by_month_with_the_empty_months_shown(db, survey):
    when = next(q for q in survey_report(db.session, survey, ReportFilter()).questions
                if q.id == "when")
    assert when.n == 5 and when.figures["by"] == "month"
    assert [(d["label"], d["count"]) for d in when.distribution] == [
        ("2026-01", 3), ("2026-02", 0), ("2026-03", 0), ("2026-04", 2)]


def test_every_export_has_the_variable_column(app, db, survey, team):
    expected = EFFORT[:2] + [None] + EFFORT[2:]  # the third response answered neither
    for fmt in ("csv", "xlsx", "parquet"):
        job = jobs.create_job(db.session, "export_responses", team.workspace,
                              {"survey_id": survey.id, "format": fmt})
        db.session.commit()
        assert jobs.run(job.id).value == "succeeded"
        path = app.config["SETTINGS"].exports_dir / f"job-{job.id}.{fmt}"
        if fmt == "csv":
            lines = path.read_text(encoding="utf-8").splitlines()
            assert "Effort score (computed)" in lines[0]
            got = [float(r["effort"]) if r["effort"] else None
                   for r in csv.DictReader(lines[1:])]
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            assert str(table.schema.field("effort").type) == "double"
            got = table.column("effort").to_pylist()
        else:
            from openpyxl import load_workbook

            sheet = list(load_workbook(path)["Responses"].iter_rows(values_only=True))
            col = sheet[0].index("Effort score (computed)")
            got = [row[col] if row[col] != "" else None for row in sheet[1:]]
        assert got == expected, fmt
