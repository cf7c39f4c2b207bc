"""Ranking, matrix / Likert grid, picture choice and file upload (issue 24): their
definitions, the schema and JSON round-trip, answers through the public API (bad ones
refused with the one error shape and nothing stored), report figures checked against
statsmodels on both databases, export columns, and uploaded files checked by content,
stored locally or in an S3-compatible bucket, and deleted by erasure and retention."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from surveyapp import jobs
from surveyapp.models import Contact, Response, Survey, SurveyStatus
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import survey_report
from surveyapp.surveys.definition import DefinitionError, validate_definition
from surveyapp.surveys.schema import export_survey, import_survey

RICH = {"questions": [
    {"id": "rank", "type": "ranking", "title": "Order these by importance",
     "items": [{"id": "price", "label": "Price"}, {"id": "speed", "label": "Speed"},
               {"id": "support", "label": "Support"}],
     "translations": {"de": {"title": "Ordnen Sie nach Wichtigkeit",
                             "items": {"price": "Preis"}}}},
    {"id": "grid", "type": "matrix", "title": "How far do you agree?",
     "rows": [{"id": "easy", "label": "It is easy"}, {"id": "fast", "label": "It is fast"}],
     "columns": [{"id": str(i), "label": lab} for i, lab in
                 enumerate(("Disagree", "Neutral", "Agree"), 1)]},
    {"id": "look", "type": "picture_choice", "title": "Which design do you prefer?",
     "choices": [{"id": "blue", "label": "Blue", "image": "https://example.org/blue.png",
                  "alt": "A blue checkout page"},
                 {"id": "green", "label": "Green", "image": "/static/green.png",
                  "alt": "A green checkout page"}]},
    {"id": "shot", "type": "file_upload", "title": "Attach a screenshot", "max_size_mb": 1,
     "types": ["image/png", "application/pdf"]},
]}


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable PNG (grey pixels), written by the format's own rules."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def docx() -> bytes:
    import docx as python_docx

    out = io.BytesIO()
    doc = python_docx.Document()
    doc.add_paragraph("The checkout button does nothing on my phone.")
    doc.save(out)
    return out.getvalue()


def uid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def env(db, team):
    return team.workspace.environments[0]


@pytest.fixture
def survey(db, team, env):
    survey = Survey(workspace=team.workspace, environment=env, name="Rich", status=SurveyStatus.LIVE)
    survey.publish(RICH)
    db.session.add(survey)
    db.session.commit()
    return survey


def put(client, env, rid, **body):
    return client.put(f"/api/v1/client/{env.client_key}/responses/{rid}", json=body)


def upload(client, env, survey, data: bytes, name: str = "screen.png", qid: str = "shot"):
    return client.post(f"/api/v1/client/{env.client_key}/uploads/{survey.id}/{qid}?name={name}",
                       data=data, content_type="application/octet-stream")


def responses(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Response))


# ----------------------------------------------------------------------------- definitions
def test_each_rich_type_validates_and_round_trips_through_the_schema():
    definition = validate_definition(RICH)
    name, kind, back = import_survey(export_survey("Rich", "link", definition))
    assert (name, kind) == ("Rich", "link")
    assert validate_definition(back) == definition
    types = [q["type"] for q in definition["questions"]]
    assert types == ["ranking", "matrix", "picture_choice", "file_upload"]
    assert definition["questions"][3]["types"] == ["image/png", "application/pdf"]


@pytest.mark.parametrize("change,where", [
    ({"items": [{"id": "only", "label": "One"}]}, "items"),
    ({"columns": [{"id": "1", "label": "A"}]}, "columns"),
    ({"choices": [{"id": "a", "label": "A", "image": "javascript:alert(1)", "alt": "x"},
                  {"id": "b", "label": "B", "image": "https://x.org/b.png", "alt": "y"}]}, "image"),
    ({"choices": [{"id": "a", "label": "A", "image": "https://x.org/a.png"},
                  {"id": "b", "label": "B", "image": "https://x.org/b.png", "alt": "y"}]}, "alt"),
    ({"types": ["application/x-msdownload"]}, "types"),
    ({"max_size_mb": 500}, "max_size_mb"),
])
def test_a_broken_rich_question_is_refused_naming_the_field(change, where):
    target = {"items": 0, "columns": 1, "image": 2, "alt": 2, "types": 3, "max_size_mb": 3}[where]
    questions = [dict(q) for q in RICH["questions"]]
    questions[target] = {**questions[target], **change}
    with pytest.raises(DefinitionError) as exc:
        validate_definition({"questions": questions})
    assert any(where in f for f in exc.value.fields), exc.value.fields


def test_branching_on_a_ranking_allows_only_answered_or_skipped():
    ok = validate_definition({**RICH, "logic": [
        {"from": "rank", "when": {"op": "skipped"}, "jump_to": "end"}]})
    assert ok["logic"][0]["when"] == {"op": "skipped"}
    with pytest.raises(DefinitionError):
        validate_definition({**RICH, "logic": [
            {"from": "rank", "when": {"op": "eq", "value": "price"}, "jump_to": "end"}]})


def test_the_widget_gets_translated_item_labels(app):
    from surveyapp.surveys.questions import question

    q = question(validate_definition(RICH)["questions"][0])
    schema = q.widget_schema("de-AT", "en")
    assert schema["title"] == "Ordnen Sie nach Wichtigkeit"
    assert [i["label"] for i in schema["items"]] == ["Preis", "Speed", "Support"]
    assert "translations" not in schema


# ----------------------------------------------------------------------------- answers
def test_rich_answers_are_stored_normalised(client, db, env, survey):
    rid = uid()
    resp = put(client, env, rid, survey_id=survey.id, answers={
        "rank": ["speed", "price", "support"], "grid": {"easy": "3", "fast": "1"},
        "look": "green"})
    assert resp.status_code == 201, resp.get_json()
    row = db.session.scalar(select(Response))
    assert row.answers == {"rank": ["speed", "price", "support"],
                           "grid": {"easy": "3", "fast": "1"}, "look": "green"}


@pytest.mark.parametrize("answers", [
    {"rank": ["speed", "price"]},  # an item left out
    {"rank": ["speed", "speed", "price"]},  # one twice
    {"rank": "speed"},
    {"grid": {"easy": "9"}},  # not on the scale
    {"grid": {"nope": "1"}},  # not a row
    {"grid": ["1", "2"]},
    {"look": "red"},
    {"look": ["blue"]},  # single choice
    {"shot": "not-a-token"},
    {"shot": {"file": "1/2/shot/x.png", "name": "x.png", "size": 1, "type": "image/png"}},
])
def test_a_bad_rich_answer_is_a_422_and_nothing_is_stored(client, db, env, survey, answers):
    resp = put(client, env, uid(), survey_id=survey.id, answers=answers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert set(body["error"]["fields"]) == set(answers)
    assert responses(db) == 0


def test_a_required_matrix_needs_every_row_when_finished(client, db, env, survey):
    resp = put(client, env, uid(), survey_id=survey.id, finished=True, answers={
        "rank": ["price", "speed", "support"], "grid": {"easy": "2"}, "look": "blue"})
    assert resp.status_code == 422 and "grid" in resp.get_json()["error"]["fields"]


# ----------------------------------------------------------------------------- uploads
def test_a_file_is_checked_by_content_stored_and_answered_with_its_token(app, client, db, env,
                                                                         survey):
    image = png()
    resp = upload(client, env, survey, image, name="../../etc/screen.png")
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert got["type"] == "image/png" and got["size"] == len(image)
    assert got["name"] == "screen.png"  # no folders from the respondent's side
    rid = uid()
    answer = put(client, env, rid, survey_id=survey.id, answers={"shot": got["token"]})
    assert answer.status_code == 201, answer.get_json()
    stored = db.session.scalar(select(Response)).answers["shot"]
    assert stored["name"] == "screen.png" and stored["type"] == "image/png"
    path = app.config["SETTINGS"].data_dir / "uploads" / stored["file"]
    assert path.read_bytes() == image
    # Later writes re-check the stored answer; it stays valid.
    again = put(client, env, rid, answers={"look": "blue"})
    assert again.status_code == 200 and again.get_json()["answers"]["shot"]["file"] == stored["file"]


def test_a_file_named_png_is_refused_by_its_content(client, db, env, survey, app):
    resp = upload(client, env, survey, b"<html><script>alert(1)</script></html>", name="cat.png")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "file_type_not_accepted"
    # A real Word document is refused too: this question takes PNG and PDF only.
    word = upload(client, env, survey, docx(), name="notes.pdf")
    assert word.status_code == 422 and "Word" in word.get_json()["error"]["message"]
    assert not list((app.config["SETTINGS"].data_dir / "uploads").rglob("*.*"))


def test_a_file_over_the_questions_limit_is_a_413(client, env, survey):
    big = png() + b"\0" * (1024 * 1024)
    resp = upload(client, env, survey, big)
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "file_too_large"


def test_a_token_for_another_question_is_refused(client, db, env, team):
    definition = {"questions": [
        {"id": "a", "type": "file_upload", "title": "A", "types": ["image/png"]},
        {"id": "b", "type": "file_upload", "title": "B", "types": ["image/png"]}]}
    survey = Survey(workspace=team.workspace, environment=env, name="Two", status=SurveyStatus.LIVE)
    survey.publish(definition)
    db.session.add(survey)
    db.session.commit()
    token = upload(client, env, survey, png(), qid="a").get_json()["token"]
    resp = put(client, env, uid(), survey_id=survey.id, answers={"b": token})
    assert resp.status_code == 422 and responses(db) == 0
    assert upload(client, env, survey, png(), qid="nope").status_code == 404


def test_erasure_and_retention_delete_the_uploaded_files(app, client, db, env, survey, team):
    from surveyapp.privacy import service as privacy

    data_dir: Path = app.config["SETTINGS"].data_dir
    files = []
    for user in ("u_erase", "u_keep"):
        token = upload(client, env, survey, png()).get_json()["token"]
        put(client, env, uid(), survey_id=survey.id, user_id=user, answers={"shot": token})
        files.append(data_dir / "uploads" / db.session.scalar(
            select(Response).join(Contact).where(Contact.external_id == user)).answers["shot"]["file"])
    assert all(f.exists() for f in files)
    privacy.erase_contact(db.session, team.workspace, "u_erase")
    db.session.commit()
    assert not files[0].exists() and files[1].exists()

    privacy.set_retention(team.workspace, 30, None)
    removed = privacy.purge(db.session, team.workspace, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))
    db.session.commit()
    assert removed["responses"] == 1 and removed["files"] == 1
    assert not files[1].exists()


def test_uploads_go_to_an_s3_compatible_bucket_when_configured(app_config, request):
    import boto3
    from moto.server import ThreadedMotoServer

    from tests.services import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        bucket = f"answers-{uuid.uuid4().hex[:8]}"  # moto's state is per process
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={
            "LocationConstraint": "eu-west-1"})
        app_config.update(upload_s3_bucket=bucket, upload_s3_endpoint=endpoint,
                          upload_s3_region="eu-west-1", upload_s3_access_key="testing",
                          upload_s3_secret_key="testing")
        client = request.getfixturevalue("client")
        db = request.getfixturevalue("db")
        env = request.getfixturevalue("env")
        survey = request.getfixturevalue("survey")
        team = request.getfixturevalue("team")
        app = request.getfixturevalue("app")
        token = upload(client, env, survey, png()).get_json()["token"]
        put(client, env, uid(), survey_id=survey.id, user_id="u_s3", answers={"shot": token})
        key = db.session.scalar(select(Response)).answers["shot"]["file"]
        body = s3.get_object(Bucket=bucket, Key=f"uploads/{key}")["Body"].read()
        assert body == png()
        assert not (app.config["SETTINGS"].data_dir / "uploads").exists()
        from surveyapp.privacy import service as privacy

        privacy.erase_contact(db.session, team.workspace, "u_s3")
        db.session.commit()
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
        # A file uploaded and never answered with is swept from the bucket after a day.
        from surveyapp.collect import uploads

        upload(client, env, survey, png(), name="left.png")
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
        later = dt.datetime.now(dt.UTC) + uploads.UNANSWERED_AFTER + dt.timedelta(minutes=1)
        assert uploads.sweep_unanswered(db.session, later) == 1
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    finally:
        server.stop()


# ----------------------------------------------------------------------------- reports
RANKS = [["price", "speed", "support"]] * 5 + [["speed", "price", "support"]] * 3 + \
    [["support", "speed", "price"]] * 2
GRID = [{"easy": "3", "fast": "1"}] * 4 + [{"easy": "2", "fast": "2"}] * 3 + [{"easy": "3"}] * 3


def test_the_report_gives_mean_ranks_first_places_and_matrix_rows(client, db, env, survey):
    for order, grid in zip(RANKS, GRID, strict=True):
        assert put(client, env, uid(), survey_id=survey.id,
                   answers={"rank": order, "grid": grid, "look": "blue"}).status_code == 201
    report = survey_report(db.session, survey, ReportFilter())
    by_id = {q.id: q for q in report.questions}
    rank = by_id["rank"]
    assert rank.n == 10
    items = {i["id"]: i for i in rank.figures["items"]}
    for item in ("price", "speed", "support"):
        ranks = [o.index(item) + 1 for o in RANKS]
        low, high = DescrStatsW(ranks).zconfint_mean(alpha=0.05)
        assert items[item]["mean"]["mean"] == round(sum(ranks) / 10, 2)
        assert items[item]["mean"]["low"] == pytest.approx(low, abs=0.01)
        assert items[item]["mean"]["high"] == pytest.approx(high, abs=0.01)
    first = sum(o[0] == "price" for o in RANKS)
    lo, hi = proportion_confint(first, 10, method="wilson")
    assert items["price"]["first"] == 5 and items["price"]["first_ci"] == (round(100 * lo, 1),
                                                                           round(100 * hi, 1))
    assert [i["id"] for i in rank.figures["items"]] == ["price", "speed", "support"]

    grid = {r["id"]: r for r in by_id["grid"].figures["rows"]}
    assert grid["easy"]["n"] == 10 and grid["fast"]["n"] == 7
    easy = [int(g["easy"]) for g in GRID]
    assert grid["easy"]["mean"]["mean"] == round(sum(easy) / len(easy), 2)
    assert [d["count"] for d in grid["fast"]["distribution"]] == [4, 3, 0]
    assert by_id["look"].distribution[0] == {**by_id["look"].distribution[0], "label": "Blue",
                                             "count": 10}


def test_the_report_page_shows_the_rank_table(owner_client, db, env, survey, team, client):
    for order in RANKS[:6]:
        put(client, env, uid(), survey_id=survey.id, answers={"rank": order})
    html = owner_client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}").get_data(
        as_text=True)
    assert "Mean rank (1 = first)" in html and "Ranked first" in html


# ----------------------------------------------------------------------------- exports
def test_the_csv_export_has_one_column_per_matrix_row_and_the_file_name(app, client, db, env,
                                                                        survey, team):
    token = upload(client, env, survey, png(), name="bug.png").get_json()["token"]
    put(client, env, uid(), survey_id=survey.id, answers={
        "rank": ["support", "price", "speed"], "grid": {"easy": "1", "fast": "3"},
        "look": "green", "shot": token})
    for fmt in ("csv", "xlsx", "parquet"):
        job = jobs.create_job(db.session, "export_responses", team.workspace,
                              {"survey_id": survey.id, "format": fmt})
        db.session.commit()
        assert jobs.run(job.id).value == "succeeded"
        path = app.config["SETTINGS"].exports_dir / f"job-{job.id}.{fmt}"
        if fmt == "csv":
            lines = path.read_text(encoding="utf-8").splitlines()
            row = list(csv.DictReader(lines[1:]))[0]
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            row = pq.read_table(path).to_pylist()[0]
        else:
            from openpyxl import load_workbook

            sheet = load_workbook(path)["Responses"]
            rows = list(sheet.iter_rows(values_only=True))
            titles = dict(zip(rows[0], rows[1], strict=True))
            assert titles["How far do you agree?: It is easy"] == "1"
            assert titles["Attach a screenshot (file name)"] == "bug.png"
            continue
        assert str(row["grid__easy"]) == "1" and str(row["grid__fast"]) == "3"
        assert str(row["rank__support"]) == "1" and str(row["rank__speed"]) == "3"
        rid = db.session.scalar(select(Response.id))
        assert row["shot"] == "bug.png"
        assert row["shot__file"] == (f"/w/{team.workspace.slug}/surveys/{survey.id}"
                                     f"/responses/{rid}/files/shot")
        assert "iVBOR" not in str(row)  # never the bytes inline


def test_the_export_links_to_the_file_and_the_analyst_downloads_it(app, client, db, env,
                                                                   survey, team):
    from surveyapp.models import AuditEvent, Role
    from tests.conftest import login

    token = upload(client, env, survey, png(3, 3), name="bug report.png").get_json()["token"]
    put(client, env, uid(), survey_id=survey.id, answers={"shot": token})
    job = jobs.create_job(db.session, "export_responses", team.workspace,
                          {"survey_id": survey.id, "format": "csv",
                           "base_url": "https://surveys.example.org/"})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded"
    lines = (app.config["SETTINGS"].exports_dir / f"job-{job.id}.csv").read_text("utf-8")
    link = list(csv.DictReader(lines.splitlines()[1:]))[0]["shot__file"]
    assert link.startswith(f"https://surveys.example.org/w/{team.workspace.slug}/surveys/")
    path = link.removeprefix("https://surveys.example.org")

    viewer = app.test_client()
    login(viewer, team.users[Role.VIEWER].email)  # a viewer sees names, not the files
    assert viewer.get(path).status_code == 403
    login(client, team.users[Role.ANALYST].email)
    got = client.get(path)
    assert got.status_code == 200 and got.data == png(3, 3)
    assert got.mimetype == "image/png" and got.headers["X-Content-Type-Options"] == "nosniff"
    assert 'attachment; filename="bug report.png"' in got.headers["Content-Disposition"]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "upload.downloaded")) == "upload.downloaded"
    page = client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}/responses").get_data(
        as_text=True)
    assert f'href="{path}"' in page
    assert client.get(path.replace("/shot", "/rank")).status_code == 404  # not a file answer
    rid = int(path.split("/responses/")[1].split("/")[0])
    assert client.get(path.replace(f"/{rid}/", f"/{rid + 1}/")).status_code == 404

    (app.config["SETTINGS"].data_dir / "uploads" /
     db.session.scalar(select(Response)).answers["shot"]["file"]).unlink()
    gone = client.get(path)
    assert gone.status_code == 410 and "no longer stored" in gone.get_data(as_text=True)


def test_files_uploaded_but_never_answered_are_swept_after_a_day(app, client, db, env, survey):
    from surveyapp.collect import uploads

    root = app.config["SETTINGS"].data_dir / "uploads"
    answered = upload(client, env, survey, png(), name="kept.png").get_json()["token"]
    put(client, env, uid(), survey_id=survey.id, answers={"shot": answered})
    upload(client, env, survey, png(4, 4), name="abandoned.png")
    files = sorted(root.rglob("*.png"))
    assert len(files) == 2
    now = dt.datetime.now(dt.UTC)
    assert uploads.sweep_unanswered(db.session, now) == 0  # both are fresh
    later = now + uploads.UNANSWERED_AFTER + dt.timedelta(minutes=1)
    assert uploads.sweep_unanswered(db.session, later) == 1
    kept = root / db.session.scalar(select(Response)).answers["shot"]["file"]
    assert sorted(root.rglob("*.png")) == [kept] and kept.read_bytes() == png()
    from surveyapp.collect.tasks import sweep_uploads

    assert sweep_uploads() == {"deleted": 0}  # the beat task: the answered file stays
    assert kept.exists()


# ----------------------------------------------------------------------------- builder
def test_the_builder_configures_each_rich_type(db, client, team):
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

    for qtype, qid in (("ranking", "rank"), ("matrix", "grid"), ("picture_choice", "look"),
                       ("file_upload", "shot")):
        assert post("/questions", {"add-type": qtype, "add-qid": qid}).status_code == 302
    assert post("/questions/rank", {"q-rank-title": "Order these", "q-rank-required": "y",
                                    "q-rank-items": "Price\nspeed | Speed"}).status_code == 302
    assert post("/questions/grid", {"q-grid-title": "Agree?", "q-grid-multiple": "y",
                                    "q-grid-rows": "It is easy\nIt is fast",
                                    "q-grid-columns": "1 | No\n2 | Yes"}).status_code == 302
    assert post("/questions/look", {
        "q-look-title": "Which one?",
        "q-look-choices": "a | A | https://example.org/a.png | A red button\n"
                          "b | B | https://example.org/b.png | A blue button"}).status_code == 302
    assert post("/questions/shot", {"q-shot-title": "Attach", "q-shot-max_size_mb": "2",
                                    "q-shot-types": ["application/pdf"]}).status_code == 302
    db.session.expire_all()
    rank, grid, look, shot = db.session.get(Survey, survey.id).draft["questions"]
    assert rank["items"] == [{"id": "price", "label": "Price"}, {"id": "speed", "label": "Speed"}]
    assert grid["multiple"] is True and [r["id"] for r in grid["rows"]] == ["it_is_easy", "it_is_fast"]
    assert look["choices"][1] == {"id": "b", "label": "B", "image": "https://example.org/b.png",
                                  "alt": "A blue button"}
    assert shot["max_size_mb"] == 2 and shot["types"] == ["application/pdf"]
    # A picture without its alt text is refused on the page, and the draft keeps the old one.
    resp = post("/questions/look", {"q-look-title": "Which one?",
                                    "q-look-choices": "a | A | https://example.org/a.png\n"
                                                      "b | B | https://example.org/b.png | B"})
    assert resp.status_code in (200, 302, 422)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).draft["questions"][2]["choices"][0]["alt"] == "A red button"
    page = client.get(base + "/edit").get_data(as_text=True)
    assert 'id="q-grid-rows"' in page and 'id="q-shot-types"' in page


def test_the_responses_page_reads_rich_answers_in_words(owner_client, client, db, env, survey,
                                                        team):
    token = upload(client, env, survey, png(), name="bug.png").get_json()["token"]
    put(client, env, uid(), survey_id=survey.id, answers={
        "rank": ["support", "price", "speed"], "grid": {"easy": "1", "fast": "3"},
        "look": "green", "shot": token})
    html = owner_client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}/responses").get_data(
        as_text=True)
    assert "Support, Price, Speed" in html
    assert "It is easy: Disagree; It is fast: Agree" in html
    assert "bug.png (1 KB, image/png)" in html and token not in html
