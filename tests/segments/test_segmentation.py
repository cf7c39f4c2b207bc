"""Features in SQL, methods compared, planted segments recovered, runs saved from the UI."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import select

from surveyapp.models import Event, Role, utcnow
from surveyapp.models.segments import Persona, Segment, SegmentMember, SegmentRun
from surveyapp.segments import features, methods
from tests.conftest import login, post_form
from tests.segments.helpers import cli, plant, run_jobs


def test_kmeans_and_hdbscan_recover_planted_segments(app, db, team):
    end = utcnow()
    truth = plant(db, team.workspace, n_per_group=30, end=end)
    fs = features.extract(db.session, team.workspace.environments[0].id, end, 90)
    assert len(fs.frame) == 120
    x, recipe = features.transform(fs.frame, fs.behaviour)
    assert "events" in recipe["log1p"] and "share:view_dashboard" not in recipe["log1p"]
    planted = [truth[c] for c in fs.frame.index]

    km = methods.kmeans_auto(x, range(2, 8))
    assert km.params["k"] == 4
    assert adjusted_rand_score(planted, km.labels) >= 0.8
    assert km.metrics["stability_ari"] >= 0.8
    hdb = methods.hdbscan(x)
    clustered = hdb.labels >= 0
    assert adjusted_rand_score(planted, hdb.labels) >= 0.8
    assert clustered.mean() >= 0.8  # noise stays noise (-1) but is rare here
    emb, _ = methods.embedding(fs.usage.to_numpy(), range(2, 8))
    assert adjusted_rand_score(planted, emb.labels) >= 0.8


def test_sql_features_match_a_pandas_computation_of_the_raw_events(app, db, team):
    end = utcnow().replace(microsecond=0)
    plant(db, team.workspace, n_per_group=5, end=end)
    env_id = team.workspace.environments[0].id
    fs = features.extract(db.session, env_id, end, 30)  # a shorter window cuts some events
    raw = pd.DataFrame(db.session.execute(select(Event.contact_id, Event.occurred_at, Event.name,
                                                 Event.session_id)).all(),
                       columns=["contact_id", "at", "name", "session_id"])
    raw = raw[(raw["at"] >= end - dt.timedelta(days=30)) & (raw["at"] < end)]
    by = raw.groupby("contact_id")
    expected = pd.DataFrame({
        "events": by.size(), "active_days": by["at"].apply(lambda s: s.dt.date.nunique()),
        "sessions_per_week": by["session_id"].nunique() / (30 / 7),
        "recency_days": by["at"].max().map(lambda t: (end - t).total_seconds() / 86400)})
    got = fs.frame.loc[expected.index, expected.columns]
    pd.testing.assert_frame_equal(got, expected.astype(float), check_names=False, atol=1e-3)
    share = (raw[raw["name"] == "view_dashboard"].groupby("contact_id").size()
             / by.size()).fillna(0).reindex(expected.index, fill_value=0)
    assert (fs.frame.loc[expected.index, "share:view_dashboard"] - share).abs().max() < 1e-9


def _start_and_save(db, client, slug: str, method: str = "kmeans") -> SegmentRun:
    resp = post_form(client, f"/w/{slug}/segments/runs", {"environment": str(
        db.session.scalar(select(SegmentRun.environment_id)) or ""), "days": "90"},
        token_from=f"/w/{slug}/segments")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    run_url = resp.headers["Location"].split("?")[0]  # (?job= shows the progress bar)
    run_jobs(db, "segments_compute")
    page = client.get(run_url).get_data(as_text=True)
    assert "Methods side by side" in page
    for title in ("k-means", "Ward hierarchical", "HDBSCAN", "Usage embedding"):
        assert title in page
    resp = post_form(client, f"{run_url}/save", {"method": method}, token_from=run_url)
    assert resp.status_code == 302
    run_jobs(db, "segments_save")
    return db.session.scalars(select(SegmentRun).order_by(SegmentRun.id.desc())).first()


def test_analyst_compares_saves_and_a_researcher_edits_a_persona_that_survives_a_recompute(
        app, db, client, team):
    truth = plant(db, team.workspace, n_per_group=25)
    slug = team.workspace.slug
    env = team.workspace.environments[0]
    login(client, team.users[Role.ANALYST].email)
    resp = post_form(client, f"/w/{slug}/segments/runs", {"environment": str(env.id), "days": "90"},
                     token_from=f"/w/{slug}/segments")
    run_url = resp.headers["Location"].split("?")[0]  # (?job= shows the progress bar)
    assert "Progress" in client.get(run_url).get_data(as_text=True)  # a progress bar while queued
    run_jobs(db, "segments_compute")
    page = client.get(run_url).get_data(as_text=True)
    assert "Methods side by side" in page and "Stability (ARI)" in page and "recommended" in page
    svg = client.get(f"{run_url}/dendrogram.svg")
    assert svg.mimetype == "image/svg+xml" and b"cut: " in svg.data
    post_form(client, f"{run_url}/save", {"method": "kmeans"}, token_from=run_url)
    run_jobs(db, "segments_save")
    first = db.session.scalar(select(SegmentRun))
    assert first.status == "saved" and len(first.segments) == 4
    index = client.get(f"/w/{slug}/segments").get_data(as_text=True)
    assert "Current segments" in index and "draft" in index

    # Segments match the planted groups; their profiles name what distinguishes them.
    builders = next(s for s in first.segments if any(
        e["feature"] == "share:create_report" and e["d"] > 0.8 for e in s.profile["effects"]))
    members = set(db.session.scalars(select(SegmentMember.contact_id)
                                     .where(SegmentMember.segment_id == builders.id)))
    assert {truth[c] for c in members} == {"builders"}
    seg_page = client.get(f"/w/{slug}/segments/{builders.id}").get_data(as_text=True)
    assert "What distinguishes them" in seg_page and "create_report" in seg_page

    # A researcher edits the draft persona: a new version, shown in the history.
    persona = db.session.scalar(select(Persona).where(Persona.segment_id == builders.id))
    researcher = client.application.test_client()
    login(researcher, team.users[Role.RESEARCHER].email)
    url = f"/w/{slug}/personas/{persona.id}"
    data = {"name": "Report builders", "summary": "Build and share reports daily.",
            "motivations": "Impress their stakeholders", "pain_points": "Slow exports",
            "goals": "Automate weekly reporting", "notes": "Interviewed 3 of them."}
    assert post_form(researcher, url, {**data, "name": ""}, token_from=url).status_code == 422
    assert post_form(researcher, url, data, token_from=url).status_code == 302
    html = researcher.get(url).get_data(as_text=True)
    assert "Report builders" in html and "Version 2" in html and "Edited name, summary" in html
    # a browser sends textarea line breaks as CRLF: an untouched multi-line field is no edit
    lines = {**data, "goals": "Automate weekly reporting\nShare with the board"}
    assert post_form(researcher, url, lines, token_from=url).status_code == 302
    crlf = {**lines, "goals": lines["goals"].replace("\n", "\r\n"), "summary": "Share reports daily."}
    assert post_form(researcher, url, crlf, token_from=url).status_code == 302
    html = researcher.get(url).get_data(as_text=True)
    assert "Version 4" in html and "Edited summary<" in html and "Edited summary, goals" not in html
    assert post_form(client, url, data, token_from=url).status_code == 403  # analysts read only

    # Recompute on the same behaviour: the persona follows its matched segment.
    second = _start_and_save(db, client, slug, "ward")
    assert second.id != first.id and second.status == "saved"
    db.session.expire_all()
    persona = db.session.get(Persona, persona.id)
    assert persona.segment.run_id == second.id and persona.segment.key == builders.key
    assert persona.name == "Report builders" and persona.notes == "Interviewed 3 of them."
    assert db.session.get(SegmentRun, first.id).status == "superseded"
    run_page = client.get(f"/w/{slug}/segments/runs/{second.id}").get_data(as_text=True)
    assert f"Drift since run #{first.id}" in run_page and builders.key in run_page
    assert "Matched to the recomputed segment" in researcher.get(url).get_data(as_text=True)
    assert db.session.scalar(select(Segment.jaccard).where(Segment.id == persona.segment_id)) >= 0.8


def test_cli_runs_compares_and_saves(app, db, team):
    plant(db, team.workspace, n_per_group=15)
    result = cli(app, "segments", "run", "--workspace", team.workspace.slug, "--save", "kmeans")
    assert result.exit_code == 0, result.output
    assert "HDBSCAN (density)" in result.output and "Recommended:" in result.output
    db.session.expire_all()
    run = db.session.scalar(select(SegmentRun))
    assert run.status == "saved" and run.method == "kmeans" and len(run.segments) == 4
    assert db.session.scalar(select(Persona.id)) is not None
    assert cli(app, "segments", "run", "--workspace", "nope").exit_code != 0


def test_a_segment_that_disappears_keeps_its_persona_and_shows_in_the_drift(app, db, client, team):
    from sqlalchemy import delete

    from surveyapp.segments import service

    truth = plant(db, team.workspace, n_per_group=15)
    env = team.workspace.environments[0]
    first = service.new_run(db.session, team.workspace.id, env.id, 90, False, None)
    service.save(db.session, first, "kmeans", features=service.compute(
        db.session, first, only=("kmeans",)))
    db.session.commit()
    admins = [c for c, g in truth.items() if g == "admins"]
    admin_segment = db.session.scalar(select(SegmentMember.segment_id)
                                      .where(SegmentMember.contact_id == admins[0]))
    persona = db.session.scalar(select(Persona).where(Persona.segment_id == admin_segment))
    db.session.execute(delete(Event).where(Event.contact_id.in_(admins)))  # they stopped coming
    db.session.commit()

    second = service.new_run(db.session, team.workspace.id, env.id, 90, False, None)
    service.save(db.session, second, "kmeans", features=service.compute(
        db.session, second, ks=range(3, 4), only=("kmeans",)))
    db.session.commit()
    db.session.expire_all()
    persona = db.session.get(Persona, persona.id)
    assert persona.segment_id is None and persona.versions[0].change.startswith("Its segment has no match")
    old_key = db.session.get(Segment, admin_segment).key
    assert second.drift["vanished"] == [{"key": old_key, "size": 15}]
    assert second.drift["left"] == 15 and len(second.drift["matched"]) == 3
    login(client, team.users[Role.VIEWER].email)
    index = client.get(f"/w/{team.workspace.slug}/segments").get_data(as_text=True)
    assert "Personas without a current segment" in index and persona.name in index
