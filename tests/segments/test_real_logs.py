"""Segments on a real purchase log (the BTYDplus online grocery, 2006-2007): one event
name, no sessions, a period long gone, half the customers buying once or twice."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select

from surveyapp.models import Role
from surveyapp.models.segments import SegmentRun
from surveyapp.segments import methods, service
from tests.conftest import login, post_form
from tests.segments.helpers import cli, run_jobs
from tests.segments.real_logs import grocery_rows, import_grocery_as_events

END = dt.datetime(2008, 1, 1, tzinfo=dt.UTC)


def _run(db, team, **kw):
    env = team.workspace.environments[0]
    run = service.new_run(db.session, team.workspace.id, env.id, 730, False, None, end=END)
    service.compute(db.session, run, **kw)
    db.session.commit()
    return run


def test_one_event_name_skips_the_embedding_with_its_reason_and_keeps_the_other_methods(
        app, db, team, tmp_path):
    import_grocery_as_events(db, team.workspace.environments[0].id, tmp_path, customers=300)
    run = _run(db, team)
    found = run.result["methods"]
    assert run.status == "ready" and run.contacts == 300
    assert found["embedding"]["status"] == "skipped"
    assert "one name" in found["embedding"]["reason"]
    for key in ("kmeans", "ward", "hdbscan"):
        assert found[key]["status"] == "ok", found[key]
        assert len(found[key]["labels"]) == 300
    assert run.result["recommended"] != "embedding"
    assert "Usage embedding (SVD) + k-means skipped" in run.message


def test_runs_on_the_same_data_give_the_same_segments(app, db, team, tmp_path):
    import_grocery_as_events(db, team.workspace.environments[0].id, tmp_path, customers=300)
    first, second = _run(db, team), _run(db, team)
    assert first.id != second.id
    for key, m in first.result["methods"].items():
        other = second.result["methods"][key]
        assert m["params"] == other["params"], key
        assert m["labels"] == other["labels"], key
    assert first.result["recommended"] == second.result["recommended"]


def test_a_method_that_fails_is_reported_and_the_others_are_kept():
    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(0, 1, (60, 3)), rng.normal(6, 1, (60, 3))])
    usage = rng.poisson(3, (120, 4)).astype(float)
    usage[5, 2] = np.nan  # a broken usage matrix: only the embedding reads it
    results, _ = methods.compare(x, usage, range(2, 5))
    assert results["embedding"].status == "failed"
    assert results["embedding"].reason.startswith("ValueError")
    assert all(results[k].ok and results[k].metrics["clusters"] == 2
               for k in ("kmeans", "ward", "hdbscan"))


def test_the_window_defaults_to_the_data_s_own_last_90_days(app, db, team, tmp_path):
    import_grocery_as_events(db, team.workspace.environments[0].id, tmp_path, customers=300)
    slug = team.workspace.slug
    result = cli(app, "segments", "run", "--workspace", slug)
    assert result.exit_code == 0, result.output
    last = max(r["timestamp"] for r in grocery_rows(300))  # long ago: 2007-12-28
    start = dt.date.fromisoformat(last) - dt.timedelta(days=90)
    assert f"Window: {start} up to {last} (90 days)" in result.output
    run = db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()
    assert run.window_days == 90 and run.status == "ready"
    assert 20 <= run.contacts < 300  # those who bought in the log's last 90 days


def test_any_period_and_why_a_window_is_empty(app, db, team, tmp_path):
    import_grocery_as_events(db, team.workspace.environments[0].id, tmp_path, customers=300)
    slug = team.workspace.slug
    longer = cli(app, "segments", "run", "--workspace", slug, "--start", "2005-01-01",
                 "--end", "2008-01-01")  # three years: more than the old 730-day limit
    assert longer.exit_code == 0, longer.output
    run = db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()
    assert run.window_days == 1095 and run.contacts == 300
    since = cli(app, "segments", "run", "--workspace", slug, "--start", "2007-07-01")
    assert "Window: 2007-07-01 up to 2007-12-29 (181 days)" in since.output  # the data's end

    empty = cli(app, "segments", "run", "--workspace", slug, "--start", "2005-01-01",
                "--end", "2005-07-01")
    assert empty.exit_code != 0
    assert ("Only 0 contacts were active between 2005-01-01 and 2005-07-01: nothing happened "
            "in this window, its data runs from 2006-01-01 to 2007-12-28") in empty.output
    backwards = cli(app, "segments", "run", "--workspace", slug, "--start", "2007-01-01",
                    "--end", "2006-01-01")
    assert backwards.exit_code != 0 and "must end after it starts" in backwards.output


def test_an_analyst_picks_a_past_period_in_the_page(app, db, client, team, tmp_path):
    env = team.workspace.environments[0]
    import_grocery_as_events(db, env.id, tmp_path, customers=300)
    slug = team.workspace.slug
    login(client, team.users[Role.ANALYST].email)
    page = client.get(f"/w/{slug}/segments").get_data(as_text=True)
    assert "the data&#39;s own last N days" in page or "the data's own last N days" in page
    resp = post_form(client, f"/w/{slug}/segments/runs", {
        "environment": str(env.id), "days": "90", "start": "2006-01-01", "end": "2007-01-01"},
        token_from=f"/w/{slug}/segments")
    assert resp.status_code == 302
    run_jobs(db, "segments_compute")
    run = db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()
    assert run.window_days == 365 and run.window_end.date() == dt.date(2007, 1, 1)
    assert run.status == "ready"
    page = client.get(f"/w/{slug}/segments/runs/{run.id}").get_data(as_text=True)
    assert "2006-01-01" in page and "2007-01-01" in page

    resp = post_form(client, f"/w/{slug}/segments/runs", {
        "environment": str(env.id), "days": "90", "start": "2005-01-01", "end": "2005-02-01"},
        token_from=f"/w/{slug}/segments")
    run_jobs(db, "segments_compute")
    failed = db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()
    assert failed.status == "failed" and "its data runs from 2006-01-01" in failed.message
    page = client.get(f"/w/{slug}/segments/runs/{failed.id}").get_data(as_text=True)
    assert "nothing happened in this window" in page
