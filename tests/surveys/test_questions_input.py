"""Number, slider, date, contact info and statement (issue 24): their definitions, the
schema and JSON round-trip, answers through the public API (bad ones refused with the one
error shape and nothing stored), report figures checked against statsmodels, export
columns with contact info pseudonymised like other personal data, erasure of contact
answers, and the builder's forms."""

from __future__ import annotations

import csv
import statistics
import uuid

import pytest
from sqlalchemy import func, select
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from surveyapp import jobs
from surveyapp.models import Response, Survey, SurveyStatus
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import survey_report
from surveyapp.surveys.definition import DefinitionError, validate_definition
from surveyapp.surveys.schema import export_survey, import_survey

INPUTS = {"questions": [
    {"id": "team_size", "type": "number", "title": "How many people use it?", "min": 1,
     "max": 500, "step": 1, "unit": "people", "required": False},
    {"id": "hours", "type": "slider", "title": "Hours a week in reports", "min": 0, "max": 40,
     "step": 0.5, "unit": "h", "lower_label": "none", "required": False,
     "translations": {"de": {"title": "Stunden pro Woche", "unit": "Std."}}},
    {"id": "started", "type": "date", "title": "When did you start?", "min": "2020-01-01",
     "max": "2026-12-31", "required": False},
    {"id": "reach", "type": "contact", "title": "May we contact you?",
     "fields": ["email", "name"]},
    {"id": "guide", "type": "statement", "title": "Our guide answers most questions",
     "button_label": "Read the guide", "link": "https://example.com/guide"},
]}
# Team sizes: the "users per workspace" answers of a pilot (any small real-looking sample
# works; the figures are checked against statsmodels, not against constants).
SIZES = [3, 5, 5, 8, 12, 12, 12, 20, 35, 120]
HOURS = [0.5, 2, 2, 4.5, 6, 8, 10, 10.5, 16, 40]
DATES = ["2024-01-15", "2024-01-20", "2024-03-02", "2024-07-31", "2025-02-10",
         "2025-02-11", "2025-02-28", "2025-11-30", "2026-01-01", "2026-06-15"]


def uid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def env(db, team):
    return team.workspace.environments[0]


@pytest.fixture
def survey(db, team, env):
    survey = Survey(workspace=team.workspace, environment=env, name="Inputs", status=SurveyStatus.LIVE)
    survey.publish(INPUTS)
    db.session.add(survey)
    db.session.commit()
    return survey


def put(client, env, rid, **body):
    return client.put(f"/api/v1/client/{env.client_key}/responses/{rid}", json=body)


def responses(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Response))


# ----------------------------------------------------------------------------- definitions
def test_each_input_type_validates_and_round_trips_through_the_schema():
    definition = validate_definition(INPUTS)
    name, kind, back = import_survey(export_survey("Inputs", "link", definition))
    assert (name, kind) == ("Inputs", "link")
    assert validate_definition(back) == definition
    q = {x["id"]: x for x in definition["questions"]}
    assert q["hours"]["step"] == 0.5 and q["hours"]["translations"]["de"]["unit"] == "Std."
    assert q["reach"]["fields"] == ["name", "email"]  # one order everywhere
    assert q["guide"]["required"] is False and q["team_size"]["unit"] == "people"


@pytest.mark.parametrize("index,change,where", [
    (0, {"min": 10, "max": 5}, "min"),
    (0, {"step": 0}, "step"),
    (0, {"max": "many"}, "max"),
    (1, {"min": 0, "max": 1e9, "step": 0.001}, "step"),
    (2, {"min": "2026-02-30"}, "min"),
    (2, {"max": "31/12/2026"}, "max"),
    (3, {"fields": []}, "fields"),
    (3, {"fields": ["email", "address"]}, "fields"),
    (4, {"link": "javascript:alert(1)"}, "link"),
    (4, {"button_label": ""}, "button_label"),
])
def test_a_broken_input_question_is_refused_naming_the_field(index, change, where):
    questions = [dict(q) for q in INPUTS["questions"]]
    questions[index] = {**questions[index], **change}
    with pytest.raises(DefinitionError) as exc:
        validate_definition({"questions": questions})
    assert any(f.endswith("." + where) for f in exc.value.fields), exc.value.fields


def test_an_import_with_a_javascript_link_is_refused_by_the_schema():
    from surveyapp.surveys.schema import ImportError as SurveyImportError

    doc = export_survey("Inputs", "link", validate_definition(INPUTS))
    doc["definition"]["questions"][4]["link"] = "javascript:alert(1)"
    with pytest.raises(SurveyImportError):
        import_survey(doc)


def test_branching_on_a_number_allows_comparisons_and_on_contact_only_presence():
    with pytest.raises(DefinitionError):  # off the question's range
        validate_definition({**INPUTS, "logic": [{"from": "team_size", "jump_to": "guide",
                                                  "when": {"op": "gt", "value": 501}}]})
    rules = [{"from": "team_size", "jump_to": "guide", "when": {"op": "gt", "value": 100}}]
    assert validate_definition({**INPUTS, "logic": rules})["logic"][0]["when"]["op"] == "gt"
    bad = [{"from": "reach", "jump_to": "guide", "when": {"op": "contains", "value": "@"}}]
    with pytest.raises(DefinitionError):
        validate_definition({**INPUTS, "logic": bad})


# ----------------------------------------------------------------------------- answers
def test_input_answers_are_stored_normalised(client, db, env, survey):
    resp = put(client, env, uid(), survey_id=survey.id, answers={
        "team_size": 12.0, "hours": "6.5", "started": "2024-03-15",
        "reach": {"email": " Ana@Example.COM ", "name": "Ana Lima"}, "guide": "clicked"})
    assert resp.status_code == 201, resp.get_json()
    row = db.session.scalar(select(Response))
    assert row.answers == {"team_size": 12, "hours": 6.5, "started": "2024-03-15",
                           "reach": {"name": "Ana Lima", "email": "ana@example.com"},
                           "guide": "clicked"}


@pytest.mark.parametrize("answers", [
    {"team_size": 0},  # under min
    {"team_size": 2.5},  # off the step
    {"team_size": True},
    {"team_size": "twelve"},
    {"hours": 41},
    {"hours": 6.25},  # steps of 0.5
    {"started": "2019-12-31"},  # before min
    {"started": "2024-02-30"},
    {"started": "15/03/2024"},
    {"reach": {"email": "ana@example"}},
    {"reach": {"email": "ana@example.com", "phone": "123"}},  # a field it does not ask
    {"reach": "ana@example.com"},
    {"reach": {"email": "", "name": ""}},
    {"guide": "liked"},
])
def test_a_bad_input_answer_is_a_422_and_nothing_is_stored(client, db, env, survey, answers):
    resp = put(client, env, uid(), survey_id=survey.id, answers=answers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert set(body["error"]["fields"]) == set(answers)
    assert responses(db) == 0


# ----------------------------------------------------------------------------- report
def test_the_report_gives_mean_interval_median_histogram_dates_and_clicks(client, db, env,
                                                                          survey):
    for i, (size, hours, day) in enumerate(zip(SIZES, HOURS, DATES, strict=True)):
        answers = {"team_size": size, "hours": hours, "started": day,
                   "guide": "clicked" if i % 3 == 0 else "seen"}
        if i < 4:
            answers["reach"] = {"email": f"person{i}@example.org"}
        assert put(client, env, uid(), survey_id=survey.id, answers=answers).status_code == 201
    report = survey_report(db.session, survey, ReportFilter())
    by_id = {q.id: q for q in report.questions}
    for qid, values in (("team_size", SIZES), ("hours", HOURS)):
        q = by_id[qid]
        low, high = DescrStatsW(values).zconfint_mean(alpha=0.05)
        assert q.n == 10
        assert q.figures["mean"]["mean"] == round(statistics.mean(values), 2)
        assert q.figures["mean"]["low"] == pytest.approx(low, abs=0.01)
        assert q.figures["mean"]["high"] == pytest.approx(high, abs=0.01)
        assert float(q.figures["median"]) == statistics.median(values)
        assert sum(d["count"] for d in q.distribution) == 10
    # Few distinct values: one bar each.
    assert [d["label"] for d in by_id["team_size"].distribution][:3] == ["3", "5", "8"]
    assert [d["count"] for d in by_id["hours"].distribution][:2] == [1, 2]  # 0.5, then 2 twice
    dates = by_id["started"]
    assert dates.n == 10 and dates.figures["by"] == "month"
    assert {d["label"]: d["count"] for d in dates.distribution}["2025-02"] == 3
    guide = by_id["guide"]
    clicked = sum(1 for i in range(10) if i % 3 == 0)
    lo, hi = proportion_confint(clicked, 10, method="wilson")
    assert guide.figures["saw"] == 10 and guide.figures["clicked"] == clicked
    assert guide.figures["clicked_ci"] == (round(100 * lo, 1), round(100 * hi, 1))
    assert by_id["reach"].n == 4 and by_id["reach"].distribution == []  # no personal data


def test_the_report_page_shows_the_figures_and_no_contact_details(owner_client, db, env, survey,
                                                                   team, client):
    put(client, env, uid(), survey_id=survey.id, answers={
        "team_size": 7, "reach": {"email": "ana@example.com", "name": "Ana Lima"},
        "guide": "clicked"})
    html = owner_client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}").get_data(as_text=True)
    assert "median 7 people" in html and "pressed the button" in html
    assert "left contact details" in html
    assert "ana@example.com" not in html and "Ana Lima" not in html
    feed = owner_client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}/live").get_data(
        as_text=True)
    assert "contact details given" in feed and "Ana Lima" not in feed


def test_many_distinct_numbers_are_binned_into_a_histogram():
    from surveyapp.reports.inputs import input_summary
    from surveyapp.reports.query import QuestionReport

    values = [round(1.37 * i * i, 2) for i in range(40)]  # 40 distinct, skewed right
    r = QuestionReport(id="x", title="x", type="number", kind="numeric")
    input_summary(r, {str(v): 1 for v in values}, 40, {"id": "x", "type": "number"})
    assert len(r.distribution) == 10 and sum(d["count"] for d in r.distribution) == 40
    width = max(values) / 10
    assert [d["count"] for d in r.distribution] == [
        sum(1 for v in values if min(9, int(v / width)) == b) for b in range(10)]
    assert r.distribution[0]["count"] > r.distribution[-1]["count"]
    assert float(r.figures["median"]) == statistics.median(values)


# ----------------------------------------------------------------------------- exports
def export_row(app, db, team, survey, fmt: str, **params):
    job = jobs.create_job(db.session, "export_responses", team.workspace,
                          {"survey_id": survey.id, "format": fmt, **params})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded"
    path = app.config["SETTINGS"].exports_dir / f"job-{job.id}.{fmt}"
    if fmt == "csv":
        lines = path.read_text(encoding="utf-8").splitlines()
        return list(csv.DictReader(lines[1:]))[0]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()[0]
    from openpyxl import load_workbook

    rows = list(load_workbook(path)["Responses"].iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1], strict=True))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_exports_have_the_values_and_pseudonymise_contact_info(app, client, db, env, survey,
                                                              team, fmt):
    put(client, env, uid(), survey_id=survey.id, answers={
        "team_size": 12, "hours": 6.5, "started": "2024-03-15",
        "reach": {"email": "ana@example.com", "name": "Ana Lima"}, "guide": "clicked"})
    row = export_row(app, db, team, survey, fmt)
    text = {k: str(v) for k, v in row.items()}
    if fmt == "xlsx":  # titles as headers
        assert text["How many people use it?"] == "12" and text["When did you start?"] == "2024-03-15"
        email = text["May we contact you?: E-mail"]
    else:
        assert text["team_size"] == "12" and text["hours"] == "6.5" and text["guide"] == "clicked"
        assert text["started"] == "2024-03-15"
        email = text["reach__email"]
    assert email.startswith("p_") and "ana" not in str(row).lower()
    real = export_row(app, db, team, survey, fmt, real_ids=True)
    assert "ana@example.com" in {str(v) for v in real.values()}
    assert "Ana Lima" in {str(v) for v in real.values()}
    left_out = export_row(app, db, team, survey, fmt, omit_personal=True)
    assert not [k for k in left_out if "reach" in k or "contact you" in k]
    assert "clicked" in {str(v) for v in left_out.values()}


# ----------------------------------------------------------------------------- erasure
def test_erasing_an_email_removes_the_contact_answers_that_hold_it(app, client, db, env,
                                                                   survey, team):
    from surveyapp.privacy.service import erase_contact

    put(client, env, uid(), survey_id=survey.id, answers={
        "team_size": 3, "reach": {"email": "ana@example.com", "name": "Ana Lima"}})
    put(client, env, uid(), survey_id=survey.id, answers={
        "team_size": 4, "reach": {"email": "bo@example.com"}})
    counts = erase_contact(db.session, team.workspace, "ANA@example.com")
    db.session.commit()
    assert counts["contact answers"] == 1
    db.session.expire_all()
    kept = sorted((r.answers for r in db.session.scalars(select(Response))),
                  key=lambda a: a["team_size"])
    assert kept == [{"team_size": 3}, {"team_size": 4, "reach": {"email": "bo@example.com"}}]


# ----------------------------------------------------------------------------- builder
def test_the_builder_configures_each_input_type(db, client, team):
    from surveyapp.models import Role
    from tests.builder.test_builder import create
    from tests.conftest import login, post_form

    slug = team.workspace.slug
    login(client, team.users[Role.RESEARCHER].email)
    create(client, slug, team.workspace.environments[0].id)
    survey = db.session.scalar(select(Survey))
    base = f"/w/{slug}/surveys/{survey.id}"

    def post(path, data):
        return post_form(client, base + path, data, token_from=base + "/edit")

    for qtype, qid in (("number", "n"), ("slider", "s"), ("date", "d"), ("contact", "c"),
                       ("statement", "st")):
        assert post("/questions", {"add-type": qtype, "add-qid": qid}).status_code == 302
    assert post("/questions/n", {"q-n-title": "How many?", "q-n-min": "1", "q-n-max": "9.5",
                                 "q-n-step": "0.5", "q-n-unit": "kg"}).status_code == 302
    assert post("/questions/s", {"q-s-title": "How much?", "q-s-min": "1", "q-s-max": "5",
                                 "q-s-step": "1", "q-s-required": "y"}).status_code == 302
    assert post("/questions/d", {"q-d-title": "When?", "q-d-min": "2025-01-01"}).status_code == 302
    assert post("/questions/c", {"q-c-title": "Reach you?",
                                 "q-c-fields": ["phone", "email"]}).status_code == 302
    assert post("/questions/st", {"q-st-title": "Read this", "q-st-button_label": "Go",
                                  "q-st-link": "https://example.org/x"}).status_code == 302
    db.session.expire_all()
    n, s, d, c, st = db.session.get(Survey, survey.id).draft["questions"]
    assert (n["min"], n["max"], n["step"], n["unit"]) == (1, 9.5, 0.5, "kg")
    assert (s["min"], s["max"], s["required"]) == (1, 5, True)
    assert d["min"] == "2025-01-01" and c["fields"] == ["email", "phone"]
    assert st["button_label"] == "Go" and st["link"] == "https://example.org/x"
    # A link that is not http(s) is refused, and the draft keeps the old one.
    post("/questions/st", {"q-st-title": "Read this", "q-st-button_label": "Go",
                           "q-st-link": "javascript:alert(1)"})
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft["questions"][4]["link"] == "https://example.org/x"
    page = client.get(base + "/edit").get_data(as_text=True)
    assert 'id="q-c-fields"' in page and 'id="q-st-button_label"' in page


def test_the_api_export_takes_omit_personal_as_a_boolean(client, db, team, survey):
    from surveyapp.workspaces import services

    auth = {"Authorization": "Bearer " + services.create_api_key(db.session, team.workspace,
                                                                 "tests", team.owner)}
    db.session.commit()
    bad = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                      json={"omit_personal": "yes"})
    assert bad.status_code == 422 and "omit_personal" in bad.get_json()["error"]["fields"]
    ok = client.post(f"/api/v1/surveys/{survey.id}/exports", headers=auth,
                     json={"omit_personal": True})
    assert ok.status_code == 202
    from surveyapp.models import Job

    job = db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert job.params["omit_personal"] is True
