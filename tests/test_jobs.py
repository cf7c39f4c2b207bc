"""Background jobs through a real Celery worker: embedded SQLite broker and Redis."""

from __future__ import annotations

import csv
import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import insert, select

from surveyapp import jobs
from surveyapp.models import Job, JobStatus, Response, Role, Survey, SurveyStatus
from tests.conftest import login, post_form


@pytest.fixture(params=["embedded", "redis"])
def broker(request, app_config, tmp_path):
    """Which broker the worker uses: the embedded SQLite one, or a real Redis."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        import redis

        redis.Redis.from_url(f"{url}/15").flushdb()
        app_config["broker_url"] = f"{url}/15"
    return request.param


@pytest.fixture
def survey(db, team):
    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="Onboarding CES",
                    status=SurveyStatus.LIVE)
    v1 = survey.publish({"questions": [{"id": "ces", "type": "ces", "title": "Easy?"}]})
    db.session.add(survey)
    db.session.flush()
    v2 = survey.publish({"questions": [{"id": "ces", "type": "ces", "title": "Easy?"},
                                       {"id": "why", "type": "open_text", "title": "Why?"}]})
    db.session.flush()
    rows = []
    for i in range(2500):
        version = v1 if i < 500 else v2
        answers = {"ces": 1 + i % 7} if version is v1 else {"ces": 1 + i % 7, "why": f"reason {i}"}
        rows.append({"environment_id": env.id, "client_id": f"r{i}", "survey_id": survey.id,
                     "version_id": version.id, "finished": i % 10 != 0, "answers": answers,
                     "meta": {"device": "mobile" if i % 3 else "desktop"}})
    db.session.execute(insert(Response), rows)
    db.session.commit()
    return survey


def wait_for(db, job_id: int, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.status.is_final:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.status} after {seconds}s: {job.message}")


def test_an_export_started_in_the_ui_runs_on_a_worker_and_downloads(app, db, client, team,
                                                                     survey, broker):
    login(client, team.users[Role.ANALYST].email)
    slug = team.workspace.slug
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        resp = post_form(client, f"/w/{slug}/surveys/{survey.id}/export", {"finished_only": "1"})
        assert resp.status_code == 302
        job_id = int(resp.headers["Location"].rsplit("job=", 1)[1].split("#")[0])
        page = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "<progress" in page  # the page shows the job's progress while it runs
        job = wait_for(db, job_id)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress == 1.0 and job.attempts == 1
    assert job.message == "Exported 2,250 responses as CSV"
    status = client.get(f"/w/{slug}/jobs/{job_id}").get_json()
    assert status["status"] == "succeeded"
    download = client.get(f"/w/{slug}/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    text = download.get_data(as_text=True)
    download.close()
    lines = io.StringIO(text)
    next(csv.reader(lines))  # question texts; the ids are the second header row
    rows = list(csv.DictReader(lines))
    assert len(rows) == 2250 and all(r["finished"] == "True" for r in rows)
    assert set(rows[0]) >= {"response_id", "version", "ces", "why", "device"}
    assert {r["version"] for r in rows} == {"1", "2"}


def test_a_redelivered_job_does_not_run_twice(app, db, team, survey, broker):
    job = jobs.create_job(db.session, "export_responses", team.workspace, {"survey_id": survey.id})
    db.session.commit()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert jobs.enqueue(job.id)
        assert jobs.enqueue(job.id)  # the same message twice, as after a lost acknowledgement
        done = wait_for(db, job.id)
        time.sleep(1.5)  # give the second delivery time to be processed
    db.session.expire_all()
    assert done.status == JobStatus.SUCCEEDED
    assert db.session.get(Job, job.id).attempts == 1


def test_running_a_finished_job_again_changes_nothing(app, db, team, survey):
    job = jobs.create_job(db.session, "export_responses", team.workspace, {"survey_id": survey.id})
    db.session.commit()
    assert jobs.run(job.id) == JobStatus.SUCCEEDED
    finished_at = db.session.get(Job, job.id).finished_at
    assert jobs.run(job.id) == JobStatus.SUCCEEDED
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert again.attempts == 1 and again.finished_at == finished_at


def test_a_failing_job_records_why_and_keeps_data(app, db, team, survey):
    job = jobs.create_job(db.session, "export_responses", team.workspace, {"survey_id": 999999})
    db.session.commit()
    assert jobs.run(job.id) == JobStatus.FAILED
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.message == "The survey no longer exists." and failed.finished_at
    assert len(db.session.scalars(select(Response)).all()) == 2500


def test_with_no_reachable_queue_the_job_stays_visible_as_queued(app_config, backend, request):
    from tests.services import free_port

    app_config["broker_url"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = request.getfixturevalue("app")
    db = request.getfixturevalue("db")
    team = request.getfixturevalue("team")
    survey = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                    name="S")
    db.session.add(survey)
    job = jobs.create_job(db.session, "export_responses", team.workspace, {"survey_id": 1})
    db.session.commit()
    started = time.monotonic()
    assert jobs.enqueue(job.id) is False
    assert time.monotonic() - started < 10
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.QUEUED
    assert app is not None
