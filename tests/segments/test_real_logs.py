"""Segments on a real purchase log (the BTYDplus online grocery, 2006-2007): one event
name, no sessions, a period long gone, half the customers buying once or twice."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
from sqlalchemy import select

from surveyapp.models import Role
from surveyapp.models.segments import SegmentRun
from surveyapp.segments import features, imports, methods, service
from tests.conftest import login, post_form
from tests.segments.helpers import cli, run_jobs
from tests.segments.real_logs import (
    FIXTURES,
    grocery_rows,
    import_grocery_as_events,
    import_grocery_as_orders,
    write_csv,
)

END = dt.datetime(2008, 1, 1, tzinfo=dt.UTC)


def _run(db, team, **kw):
    env = team.workspace.environments[0]
    run = service.new_run(db.session, team.workspace.id, env.id, 730, False, None, end=END)
    service.compute(db.session, run, **kw)
    db.session.commit()
    return run


def test_one_event_name_skips_the_embedding_with_its_reason_and_keeps_the_other_methods(
        app, db, team, tmp_path):  # (the crash: TruncatedSVD on one feature)
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
    saved = cli(app, "segments", "run", "--workspace", team.workspace.slug, "--start",
                "2006-01-01", "--end", "2008-01-01", "--save", "embedding")
    assert saved.exit_code != 0 and "Traceback" not in saved.output
    assert "skipped on this run" in saved.output and "save another method" in saved.output


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


def test_orders_alone_are_segmented_on_recency_frequency_and_tenure(app, db, client, team,
                                                                     tmp_path):
    env = team.workspace.environments[0]
    import_grocery_as_orders(db, env.id, tmp_path, customers=300)  # no events at all
    result = cli(app, "segments", "run", "--workspace", team.workspace.slug, "--start",
                 "2006-01-01", "--end", "2008-01-01", "--save", "recommended")
    assert result.exit_code == 0, result.output
    run = db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()
    assert run.contacts == 300 and run.status == "saved"
    assert run.result["features"] == ["tenure_days", "orders", "order_recency_days",
                                      "order_span_days"]
    assert run.result["constant"] == ["revenue"]  # the log has no amounts
    assert run.result["methods"]["embedding"]["status"] == "skipped"
    login(client, team.users[Role.VIEWER].email)
    page = client.get(f"/w/{team.workspace.slug}/segments/runs/{run.id}").get_data(as_text=True)
    assert "Left out, the same for every contact" in page and "session_depth" not in page
    pages = []
    for segment in run.segments:
        assert set(segment.profile["means"]) == {"tenure_days", "orders", "revenue",
                                                 "order_recency_days", "order_span_days"}
        pages.append(client.get(f"/w/{team.workspace.slug}/segments/{segment.id}").get_data(
            as_text=True))
        assert "Events per session" not in pages[-1] and "buyers" in pages[-1]
    assert any("Orders" in p for p in pages) and any("Days from first to last order" in p
                                                     for p in pages)


def test_order_amounts_are_the_monetary_feature(app, db, team, tmp_path):
    env = team.workspace.environments[0]
    with (FIXTURES / "chinook_invoices.csv").open(newline="") as f:
        invoices = list(csv.DictReader(f))
    write_csv(tmp_path / "invoices.csv", [
        {"order_id": r["InvoiceId"], "user_id": r["CustomerId"], "timestamp": r["InvoiceDate"],
         "amount": r["Total"]} for r in invoices])
    imports.import_file(db.session, env.id, "orders", tmp_path / "invoices.csv", "csv")
    db.session.commit()
    fs = features.extract(db.session, env.id, dt.datetime(2022, 1, 1, tzinfo=dt.UTC), 365)
    assert fs.behaviour == ["tenure_days", "orders", "revenue", "order_recency_days",
                            "order_span_days"]
    by_customer: dict[str, float] = {}
    for r in invoices:
        by_customer[r["CustomerId"]] = by_customer.get(r["CustomerId"], 0) + float(r["Total"])
    assert len(fs.frame) == len(by_customer) == 40
    assert abs(fs.frame["revenue"].sum() - sum(by_customer.values())) < 1e-6
    assert "events" not in fs.frame and "session_depth" not in fs.frame


def _purity(labels, truth) -> float:
    labels, truth = np.asarray(labels), np.asarray(truth)
    return sum(np.bincount(truth[labels == c]).max() for c in set(labels.tolist())) / len(labels)


def _analyst_and_recommended(db, run) -> tuple[float, float]:
    """(the analyst's best purity at k = 2 or 3, the recommended segmentation's purity)
    against whether each customer bought more than once."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    from surveyapp.models import Contact

    ids = dict(db.session.execute(select(Contact.id, Contact.external_id)).all())
    orders: dict[str, int] = {}
    last: dict[str, str] = {}
    for r in grocery_rows():
        orders[r["user_id"]] = orders.get(r["user_id"], 0) + 1
        last[r["user_id"]] = max(last.get(r["user_id"], ""), r["timestamp"])
    customers = [ids[c] for c in run.result["contact_ids"]]
    truth = np.array([int(orders[c] > 1) for c in customers])  # 64% come back
    # The analyst: recency and log frequency, z-scored, k-means at k = 2 and 3.
    rfm = StandardScaler().fit_transform(np.column_stack([
        [(END.date() - dt.date.fromisoformat(last[c])).days for c in customers],
        np.log1p([orders[c] for c in customers])]))
    analyst = max(_purity(KMeans(k, n_init=10, random_state=0).fit_predict(rfm), truth)
                  for k in (2, 3))
    chosen = run.result["methods"][run.result["recommended"]]
    assert chosen["metrics"]["stability_ari"] >= methods.STABLE
    return analyst, _purity(chosen["labels"], truth)


def test_the_recommended_segments_separate_one_time_buyers_at_least_as_well_as_an_analyst(
        app, db, team, tmp_path):
    import_grocery_as_orders(db, team.workspace.environments[0].id, tmp_path)  # all 1,525
    run = _run(db, team)
    assert "order_span_days" in run.result["features"]
    analyst, recommended = _analyst_and_recommended(db, run)
    assert recommended >= analyst


def test_a_purchase_log_imported_as_events_and_orders_is_not_mixed_up_either(
        app, db, team, tmp_path):
    """The issue's case: the log imported twice, as events and as orders, where Ward k = 2
    was recommended and mixed one-time and repeat buyers."""
    env = team.workspace.environments[0]
    import_grocery_as_events(db, env.id, tmp_path)
    import_grocery_as_orders(db, env.id, tmp_path)
    run = _run(db, team)
    analyst, recommended = _analyst_and_recommended(db, run)
    assert recommended >= analyst
    ward = run.result["methods"]["ward"]
    assert run.result["recommended"] != "ward" or ward["metrics"]["stability_ari"] >= 0.75


def test_personas_fill_pain_points_and_goals_from_linked_research_or_say_they_are_empty(
        app, db, client, team, tmp_path):
    from surveyapp.models.research import Passage, StudyKind
    from surveyapp.models.segments import Persona
    from surveyapp.research import service as research

    env = team.workspace.environments[0]
    import_grocery_as_orders(db, env.id, tmp_path, customers=300)
    assert cli(app, "segments", "run", "--workspace", team.workspace.slug, "--start",
               "2006-01-01", "--end", "2008-01-01", "--save", "recommended").exit_code == 0
    persona = db.session.scalars(select(Persona).order_by(Persona.id)).first()
    assert persona.pain_points == "" and persona.goals == ""  # no answers, no research yet
    slug = team.workspace.slug
    url = f"/w/{slug}/personas/{persona.id}"
    login(client, team.users[Role.RESEARCHER].email)
    page = client.get(url).get_data(as_text=True)
    assert "No pain points found: none of its members&#39;" in page.replace("'", "&#39;")
    assert "no interview highlight or insight is linked to this persona" in page
    assert "No goals found" in page

    # An interview: one frustrated remark and a stated goal, linked to the persona.
    study = research.create_study(db.session, team.workspace.id, "Grocery shoppers",
                                  StudyKind.INTERVIEWS)
    db.session.flush()
    research.import_source(db.session, study, (
        b"Ana: The delivery slots are always full on weekends, so I give up and go to the shop.\n\n"
        b"Interviewer: What would help?\n\n"
        b"Ana: What I want is to get the weekly basket done in five minutes.\n"),
        filename="ana.txt")
    db.session.flush()
    said = db.session.scalars(select(Passage).where(Passage.study_id == study.id)
                              .order_by(Passage.position)).all()
    full = next(p for p in said if "slots" in p.text)
    want = next(p for p in said if "basket" in p.text)
    pain = research.add_highlight(
        db.session, full, "The delivery slots are always full on weekends",
        tags=research.tags_by_name(db.session, team.workspace.id, ["frustration"]))
    goal = research.add_highlight(
        db.session, want, "get the weekly basket done in five minutes",
        tags=research.tags_by_name(db.session, team.workspace.id, ["goal"]))
    db.session.flush()
    research.link_persona(db.session, persona, pain, None)
    research.link_persona(db.session, persona, goal, None)
    db.session.commit()

    resp = post_form(client, f"{url}/fill", {}, token_from=url)
    assert resp.status_code == 302
    db.session.expire_all()
    persona = db.session.get(Persona, persona.id)
    assert "“The delivery slots are always full on weekends” (Ana, ana.txt)" in persona.pain_points
    assert "“get the weekly basket done in five minutes” (Ana, ana.txt)" in persona.goals
    page = client.get(url).get_data(as_text=True)
    assert "No pain points found" not in page and "Filled goals and pain points" in page
    post_form(client, f"{url}/fill", {}, token_from=url)  # nothing new: no new version
    db.session.expire_all()
    assert db.session.get(Persona, persona.id).version == persona.version

    # Filling is a researcher's edit: viewers cannot.
    viewer = client.application.test_client()
    login(viewer, team.users[Role.VIEWER].email)
    assert post_form(viewer, f"{url}/fill", {}, token_from=url).status_code == 403


def test_a_window_with_too_few_contacts_says_what_it_holds(app, db, team, tmp_path):
    import_grocery_as_events(db, team.workspace.environments[0].id, tmp_path, customers=10)
    events = len(grocery_rows(10))
    result = cli(app, "segments", "run", "--workspace", team.workspace.slug, "--start",
                 "2006-01-01", "--end", "2008-01-01")
    assert result.exit_code != 0
    assert "Only 10 contacts were active between 2006-01-01 and 2008-01-01" in result.output
    assert f"{events:,} events and 0 orders of known contacts in the window" in result.output
    assert "contacts who denied or withdrew consent are left out" in result.output
