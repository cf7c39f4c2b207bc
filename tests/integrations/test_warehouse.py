"""Warehouse export: incremental, partitioned Parquet to a directory (read back with
DuckDB, as docs/integrations.md shows) and to an S3-compatible bucket (moto in server
mode on loopback, through boto3)."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
import uuid
from collections.abc import Iterator

import boto3
import duckdb
import pyarrow.parquet as pq
import pytest
import requests
from sqlalchemy import select

from surveyapp.integrations import service, tasks, warehouse
from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Event,
    Response,
    Survey,
    SurveyStatus,
    utcnow,
)
from surveyapp.models.integrations import WarehouseRun


def _data(db, team, n=3):
    ws = team.workspace
    env = ws.environments[0]
    survey = Survey(workspace=ws, environment=env, name="NPS", status=SurveyStatus.LIVE)
    survey.publish({"questions": [{"id": "score", "type": "nps", "title": "How likely?"},
                                  {"id": "why", "type": "open_text", "title": "Why?"}]})
    person = Contact(environment_id=env.id, external_id="u-1", attributes={})
    db.session.add_all([survey, person])
    db.session.commit()
    rows = []
    for i in range(n):
        when = utcnow() - dt.timedelta(days=i)
        r = Response(survey_id=survey.id, version_id=survey.current_version_id, environment_id=env.id,
                     client_id=str(uuid.uuid4()), contact_id=person.id, answers={"score": 9 - i, "why": f"reason {i}"},
                     finished=i != 0, created_at=when, updated_at=when)
        db.session.add(r)
        db.session.flush()
        db.session.add(AnswerAnnotation(response_id=r.id, survey_id=survey.id, question_id="why",
                                        kind="ok", theme=1, sentiment="positive"))
        db.session.add(Event(environment_id=env.id, contact_id=person.id, name="Report Exported",
                             properties={"format": "csv"}, occurred_at=when))
        rows.append(r)
    db.session.commit()
    return survey, rows


def test_a_directory_export_is_incremental_partitioned_and_reads_in_duckdb(db, team, tmp_path):
    survey, rows = _data(db, team)
    target = tmp_path / "lake"
    target.mkdir()
    export = service.create_export(db.session, team.workspace, "directory", str(target), {})
    db.session.commit()

    first = warehouse.run(db.session, export)
    db.session.commit()
    assert first.status == "succeeded", first.error
    assert first.rows == {"responses": 3, "annotations": 3, "events": 3}
    days = sorted(p.name for p in (target / "events").iterdir())
    assert len(days) == 3 and all(d.startswith("date=") for d in days)

    # Nothing new: nothing written. Then one response finishes and one event arrives.
    again = warehouse.run(db.session, export)
    assert again.rows == {} and again.files == []
    rows[0].finished = True
    rows[0].finished_at = rows[0].updated_at = utcnow()
    db.session.add(Event(environment_id=survey.environment_id, name="Signed Out", properties={},
                         occurred_at=utcnow()))
    db.session.commit()
    third = warehouse.run(db.session, export)
    db.session.commit()
    assert third.rows == {"responses": 1, "events": 1}

    con = duckdb.connect()
    latest = con.execute(f"""
        SELECT id, finished, json_extract(answers, '$.score')::INT AS score
        FROM read_parquet('{target}/responses/*/*.parquet', hive_partitioning = true)
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC) = 1
        ORDER BY id""").fetchall()
    assert latest == [(rows[0].id, True, 9), (rows[1].id, True, 8), (rows[2].id, True, 7)]
    events = con.execute(f"""SELECT count(*), count(DISTINCT date) FROM
        read_parquet('{target}/events/*/*.parquet', hive_partitioning = true)""").fetchone()
    assert events[0] == 4
    themes = con.execute(f"""SELECT theme, count(*) FROM
        read_parquet('{target}/annotations/*/*.parquet') GROUP BY theme""").fetchall()
    assert themes == [(1, 3)]


@pytest.fixture(autouse=True)
def _private_receivers(app_config):
    """moto's S3 runs on loopback: a private address, allowed by the webhooks' setting."""
    app_config["webhook_allow_private"] = True


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    config = {"endpoint_url": f"http://127.0.0.1:{port}", "region": "eu-west-1",
              "access_key_id": "testing", "secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=config["endpoint_url"], region_name="eu-west-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket="lake", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield config
    requests.post(f"{config['endpoint_url']}/moto-api/reset", timeout=10)  # moto's state is per process
    server.stop()


def test_an_s3_export_lands_in_the_bucket(db, team, s3):
    _data(db, team, n=2)
    export = service.create_export(db.session, team.workspace, "s3", "s3://lake/surveyapp", s3,
                                   every_hours=1)
    db.session.commit()
    assert tasks.export_due() == {str(export.id): "succeeded"}
    assert tasks.export_due() == {}  # not due again within the hour
    client = boto3.client("s3", endpoint_url=s3["endpoint_url"], region_name="eu-west-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket="lake")["Contents"])
    assert all(k.startswith("surveyapp/") and k.endswith(".parquet") for k in keys)
    response_keys = [k for k in keys if k.startswith("surveyapp/responses/date=")]
    assert len(response_keys) == 2
    body = client.get_object(Bucket="lake", Key=response_keys[0])["Body"].read()
    table = pq.read_table(io.BytesIO(body))
    assert table.schema.names == warehouse.SCHEMAS["responses"].names
    assert json.loads(table.column("answers")[0].as_py())["why"].startswith("reason")
    assert table.column("contact")[0].as_py() == "u-1"


def test_a_failed_run_says_why_and_moves_no_cursor(db, team, s3):
    _data(db, team, n=1)
    export = service.create_export(db.session, team.workspace, "s3", "s3://no-such-bucket/x",
                                   s3)
    db.session.commit()
    record = warehouse.run(db.session, export)
    db.session.commit()
    assert record.status == "failed" and "NoSuchBucket" in record.error
    assert export.cursors == {}
    assert db.session.scalar(select(WarehouseRun.status)) == "failed"


def test_the_page_adds_and_runs_an_export(db, team, owner_client, tmp_path):
    from pathlib import Path

    import surveyapp
    from tests.conftest import post_form

    _data(db, team, n=1)
    page = f"/w/{team.workspace.slug}/integrations"
    bad = post_form(owner_client, f"{page}/exports", {"export-destination": "directory",
                                                      "export-location": "relative/dir",
                                                      "export-every_hours": "24"}, token_from=page)
    assert bad.status_code == 422 and "an absolute directory path" in bad.get_data(as_text=True)
    for where, why in ((tmp_path / "missing", "no such directory"),
                       (Path(surveyapp.__file__).parent / "templates", "not the application")):
        refused = post_form(owner_client, f"{page}/exports", {
            "export-destination": "directory", "export-location": str(where),
            "export-every_hours": "24"}, token_from=page)
        assert refused.status_code == 422 and why in refused.get_data(as_text=True)
    (tmp_path / "out").mkdir()
    ok = post_form(owner_client, f"{page}/exports", {"export-destination": "directory",
                                                     "export-location": str(tmp_path / "out"),
                                                     "export-every_hours": "24"}, token_from=page)
    assert ok.status_code == 302
    export_id = db.session.scalar(select(WarehouseRun.export_id)) or 1
    resp = post_form(owner_client, f"{page}/exports/{export_id}/run", token_from=page,
                     follow_redirects=True)
    assert "Exported 3 rows in 3 files." in resp.get_data(as_text=True)
    assert list((tmp_path / "out" / "responses").glob("date=*/*.parquet"))


def test_the_duckdb_example_in_the_docs_runs_on_an_export(db, team, tmp_path):
    """docs/integrations.md's one-command DuckDB example, run on a real export."""
    import re
    from pathlib import Path

    _data(db, team, n=3)
    target = tmp_path / "lake"
    target.mkdir()
    export = service.create_export(db.session, team.workspace, "directory", str(target), {})
    assert warehouse.run(db.session, export).status == "succeeded"
    docs = (Path(__file__).parents[2] / "docs" / "integrations.md").read_text()
    sql = re.search(r'duckdb feedback\.duckdb -c "(.*?)"\n```', docs, re.DOTALL).group(1)
    con = duckdb.connect()
    statements = [s for s in sql.replace("/srv/lake/surveyapp", str(target)).split(";") if s.strip()]
    for statement in statements[:-1]:
        con.execute(statement)
    weeks = con.execute(statements[-1]).fetchall()
    assert sum(n for _, n, _ in weeks) == 3
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 3


def test_segment_memberships_are_exported_once_per_saved_run(db, team, tmp_path):
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

    _data(db, team, n=1)
    ws = team.workspace
    person = db.session.scalar(select(Contact))
    run = SegmentRun(workspace_id=ws.id, environment_id=ws.environments[0].id, status="saved",
                     window_end=utcnow(), saved_at=utcnow())
    segment = Segment(workspace_id=ws.id, run=run, key="power", name="Power users", size=1)
    db.session.add_all([run, segment])
    db.session.flush()
    db.session.add(SegmentMember(segment_id=segment.id, contact_id=person.id))
    db.session.commit()
    (tmp_path / "lake").mkdir()
    export = service.create_export(db.session, ws, "directory", str(tmp_path / "lake"), {})
    first = warehouse.run(db.session, export)
    assert first.rows["segments"] == 1
    assert "segments" not in warehouse.run(db.session, export).rows
    [file] = (tmp_path / "lake" / "segments").glob("date=*/*.parquet")
    table = pq.read_table(file).to_pylist()
    assert table[0]["segment_key"] == "power" and table[0]["contact"] == "u-1"


def test_an_s3_endpoint_on_a_private_address_is_refused_by_default(app, db, team):
    import dataclasses

    from surveyapp.integrations.errors import IntegrationInvalid

    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], webhook_allow_private=False)
    with pytest.raises(IntegrationInvalid) as refused:
        service.create_export(db.session, team.workspace, "s3", "s3://lake/x",
                              {"endpoint_url": "http://127.0.0.1:9000"})
    assert "not a public address" in refused.value.fields["endpoint_url"]
