"""DuckDB over the Parquet copy gives the same funnels, paths and sequences as the SQL,
on SQLite and PostgreSQL; paths cut session-less events into sessions by an inactivity gap.

The real log: 400 cases of the receipt phase of a Dutch municipality's environmental
permit process (tests/fixtures/events/, 2,366 events, no session ids; see the README):
clerks' work on one application comes in bursts minutes apart with days between them,
which is what sessionizing has to cut.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, update

from surveyapp.events import store as st
from surveyapp.experiments import clicks, funnels, paths, sequences
from surveyapp.models import Contact, Event
from surveyapp.models.experiments import ExperimentExposure
from surveyapp.segments import imports
from tests.conftest import login
from tests.experiments.helpers import T0, contacts, events, experiment

LOG = Path(__file__).parents[1] / "fixtures" / "events" / "wabo_receipt_400_cases.csv"
RECEIPT = ["Confirmation of receipt", "T02 Check confirmation of receipt",
           "T04 Determine confirmation of receipt", "T05 Print and send confirmation of receipt"]
CHECK = "T02 Check confirmation of receipt"


@pytest.fixture
def receipt_log(app, db, team) -> int:
    """The real log imported through the importer; contacts get their department."""
    env_id = team.workspace.environments[0].id
    result = imports.import_file(db.session, env_id, "events", LOG, "csv")
    assert result.inserted == 2366
    with LOG.open() as fh:
        department = {r["user_id"]: r["department"] for r in csv.DictReader(fh)}
    for cid, ext in db.session.execute(select(Contact.id, Contact.external_id)).all():
        db.session.execute(update(Contact).where(Contact.id == cid).values(
            attributes={"department": department.get(ext, "")}))
    db.session.commit()
    return env_id


def figures(groups: list[funnels.FunnelGroup]) -> dict[str, list[tuple]]:
    return {g.key: [(s.name, s.count, s.dropped, s.mean_seconds, s.median_seconds)
                    for s in g.steps] for g in groups}


def assert_same_funnel(a: list[funnels.FunnelGroup], b: list[funnels.FunnelGroup]) -> None:
    fa, fb = figures(a), figures(b)
    assert fa.keys() == fb.keys() and fa
    for key in fa:
        for (n1, c1, d1, m1, md1), (n2, c2, d2, m2, md2) in zip(fa[key], fb[key], strict=True):
            assert (n1, c1, d1) == (n2, c2, d2), key
            # SQLite measures seconds through julianday (a float of days): ~1e-4 s apart
            assert m1 == pytest.approx(m2, abs=1e-3) if m1 is not None else m2 is None
            assert md1 == pytest.approx(md2, abs=1e-3) if md1 is not None else md2 is None


def test_funnel_on_duckdb_equals_sql_on_the_real_log(db, team, receipt_log):
    ws = team.workspace.id
    for kwargs in ({}, {"breakdown": {"by": "attribute", "attribute": "department"}},
                   {"since": dt.datetime(2011, 10, 20, tzinfo=dt.UTC),
                    "until": dt.datetime(2012, 3, 1, tzinfo=dt.UTC)}):
        for window in (1, 24 * 30):
            duck = funnels.compute(db.session, ws, RECEIPT, window, engine="duckdb", **kwargs)
            sql = funnels.compute(db.session, ws, RECEIPT, window, engine="sql", **kwargs)
            assert_same_funnel(duck, sql)
    overall = funnels.compute(db.session, ws, RECEIPT, 24 * 30, engine="duckdb")[0]
    assert overall.entered == 400 and 300 < overall.steps[-1].count < 400
    assert st.store_of_app().load().max_id > 0  # it really ran on the copy


def test_funnel_variant_breakdown_on_duckdb_equals_sql(db, team):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 40)
    exp = experiment(db, team.workspace)
    db.session.execute(insert(ExperimentExposure), [
        {"experiment_id": exp.id, "unit_id": f"u:user-{i}", "contact_id": cid,
         "variant": "control" if i % 2 else "short", "exposed_at": T0} for i, cid in enumerate(ids)])
    rows = []
    for i, cid in enumerate(ids):
        rows.append((cid, "cart", i * 0.01))
        if i % 3:
            rows.append((cid, "checkout", i * 0.01 + 0.5 + (i % 2)))
        if i % 4 == 1:
            rows.append((cid, "purchase", i * 0.01 + 3.0))
    rows.append((ids[0], "checkout", 30.0))  # after the window: not counted
    events(db, env_id, rows)
    db.session.commit()
    steps, by = ["cart", "checkout", "purchase"], {"by": "variant", "experiment_id": exp.id}
    duck = funnels.compute(db.session, team.workspace.id, steps, 24, by, engine="duckdb")
    sql = funnels.compute(db.session, team.workspace.id, steps, 24, by, engine="sql")
    assert_same_funnel(duck, sql)
    assert {g.key: g.entered for g in duck} == {"control": 20, "short": 20}


def pandas_paths(frame: pd.DataFrame, anchor: str, gap_minutes: float, depth: int = 3
                 ) -> dict[tuple[str, ...], int]:
    """An independent sessionizer: a person's events, a new session after each pause
    longer than the gap; the ``depth`` events after the first anchor of each session."""
    frame = frame.sort_values(["contact_id", "occurred_at", "id"])
    pause = frame.groupby("contact_id")["occurred_at"].diff()
    frame = frame.assign(session=(pause.isna() | (pause > pd.Timedelta(minutes=gap_minutes)))
                         .cumsum())
    out: dict[tuple[str, ...], int] = {}
    for _, s in frame.groupby("session"):
        names = s["name"].tolist()
        if anchor in names:
            i = names.index(anchor)
            after = [*names[i + 1:i + 1 + depth], *["(end)"] * depth][:depth]
            key = tuple(after[:after.index("(end)") + 1] if "(end)" in after else after)
            out[key] = out.get(key, 0) + 1
    return out


def test_paths_without_session_ids_are_cut_at_pauses_on_both_engines(db, team, receipt_log):
    ws = team.workspace.id
    frame = pd.DataFrame(db.session.execute(select(
        Event.id, Event.contact_id, Event.name, Event.occurred_at)).all(),
        columns=["id", "contact_id", "name", "occurred_at"])
    for gap in (30, 24 * 60):
        expected = pandas_paths(frame, CHECK, gap)
        results = {}
        for engine in ("duckdb", "sql"):
            total, found = paths.top_paths(db.session, ws, CHECK, "after", limit=1000,
                                           gap_minutes=gap, engine=engine)
            results[engine] = {tuple(p.steps[1:]): p.count for p in found}
            assert total == sum(expected.values())
        assert results["duckdb"] == results["sql"] == expected
    # A clerk's check and its follow-up minutes later are one session at 30 minutes;
    # case-10011's check on 12 October and its adjustment six weeks later are not.
    _, found = paths.top_paths(db.session, ws, "T03 Adjust confirmation of receipt", "after",
                               limit=1000, engine="duckdb")
    assert any(p.steps[1:] == [CHECK, "(end)"] for p in found)
    _, before = paths.top_paths(db.session, ws, CHECK, "before", depth=2, limit=1000,
                                engine="duckdb")
    _, before_sql = paths.top_paths(db.session, ws, CHECK, "before", depth=2, limit=1000,
                                    engine="sql")
    assert {tuple(p.steps): p.count for p in before} == {tuple(p.steps): p.count
                                                         for p in before_sql}


def test_session_ids_win_where_there_are_any(db, team):
    """Events with a session id stay in it; a person's events without one are sessionized
    apart from them, so a re-import that fills in session ids changes the paths."""
    env_id = team.workspace.environments[0].id
    a, b = contacts(db, env_id, 2)
    rows = [(a, "signup", 0), (a, "tour", 0.2), (a, "report", 2), (a, "share", 2.1),
            (b, "signup", 0), (b, "tour", 0.1), (b, "report", 0.2)]
    events(db, env_id, rows, session_id=lambda cid, i: "web-1" if cid == b else None)
    db.session.commit()
    ws = team.workspace.id

    def after(engine: str) -> dict[tuple[str, ...], int]:
        _, found = paths.top_paths(db.session, ws, "signup", "after", engine=engine)
        return {tuple(p.steps): p.count for p in found}

    assert after("duckdb") == after("sql") == {("signup", "tour", "(end)"): 1,
                                               ("signup", "tour", "report", "(end)"): 1}
    # the re-import fills a's session in: one session over two hours
    db.session.execute(update(Event).where(Event.contact_id == a).values(session_id="web-2"))
    db.session.commit()
    st.verify(db.session, st.store_of_app())  # what the worker's check does
    assert after("duckdb") == after("sql") == {("signup", "tour", "report", "share"): 1,
                                               ("signup", "tour", "report", "(end)"): 1}


def test_a_re_import_with_session_ids_fills_them_in_and_the_paths_follow(
        db, team, receipt_log, tmp_path):
    """The log was first imported without sessions (sessionized by the gap); the same
    file again with a session column (here: one session per case and day) adds nothing
    and fills the session ids in; the paths then follow the file's sessions."""
    with LOG.open() as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["session_id"] = f"{r['user_id']}/{r['timestamp'][:10]}"
    again = tmp_path / "with-sessions.csv"
    with again.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = paths.top_paths(db.session, team.workspace.id, CHECK, limit=1000, engine="duckdb")
    result = imports.import_file(db.session, receipt_log, "events", again, "csv")
    db.session.commit()
    assert (result.inserted, result.updated, result.duplicates) == (0, 2366, 0)
    assert "2,366 updated" in result.summary("events")
    assert db.session.scalar(select(func.count()).where(Event.session_id.is_(None))) == 0
    st.verify(db.session, st.store_of_app())  # what the worker's check does
    duck = paths.top_paths(db.session, team.workspace.id, CHECK, limit=1000, engine="duckdb")
    sql = paths.top_paths(db.session, team.workspace.id, CHECK, limit=1000, engine="sql")
    assert [(p.steps, p.count) for p in duck[1]] == [(p.steps, p.count) for p in sql[1]]
    assert duck[0] == sql[0] and duck != before
    by_day = pd.DataFrame(rows).groupby("session_id")["event"].apply(list)
    assert duck[0] == sum(CHECK in names for names in by_day)  # sessions with the check
    second = imports.import_file(db.session, receipt_log, "events", again, "csv")
    assert (second.updated, second.duplicates) == (0, 2366)  # nothing left to fill


def test_funnel_sequences_on_duckdb_equal_sql_on_the_real_log(db, team, receipt_log):
    ws = team.workspace.id
    steps = RECEIPT[:2] + ["T10 Determine necessity to stop indication"]
    duck = sequences.funnel_sequences(db.session, ws, steps, 24 * 7, limit=100, length=5,
                                      engine="duckdb")
    sql = sequences.funnel_sequences(db.session, ws, steps, 24 * 7, limit=100, length=5,
                                     engine="sql")
    assert duck == sql
    assert len(duck["converted"]) == 100 and duck["dropped"]
    assert funnels.reached_by_contact(db.session, ws, steps, 24 * 7, engine="duckdb") == \
        funnels.reached_by_contact(db.session, ws, steps, 24 * 7, engine="sql")


def test_the_paths_page_sessionizes_an_import_without_sessions(client, db, team, receipt_log):
    login(client, team.owner.email)
    url = f"/w/{team.workspace.slug}/journeys/paths"
    page = client.get(url, query_string={"event": CHECK}).get_data(as_text=True)
    assert "No session has" not in page and "<svg" in page
    assert 'name="gap"' in page and 'value="30"' in page
    day = client.get(url, query_string={"event": CHECK, "gap": "1440"}).get_data(as_text=True)
    assert day != page and 'value="1440"' in day
    bad = client.get(url, query_string={"event": CHECK, "gap": "soon"})
    assert bad.status_code == 200
    assert "The inactivity gap is a number of minutes" in bad.get_data(as_text=True)


def test_click_maps_on_duckdb_equal_sql(db, team):
    """Rage clicks (3 on one element within 1.5 s in a session), dead clicks, positions,
    a segment's members only and an attribute breakdown: the same on both engines."""
    import random

    from tests.experiments.helpers import segment

    rng = random.Random(5)
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 30, attributes=lambda i: {"plan": ["pro", "free", "team"][i % 3]})
    rows, props = [], []
    for n, cid in enumerate(ids):
        at = n * 3.0
        for _ in range(rng.randint(3, 12)):
            at += rng.choice([0.1, 0.3, 1.0, 2.0, 5.0]) / 3600  # seconds apart
            rows.append((cid, "$click", at))
            props.append((rng.choice(["/app", "/app", "/settings"]),
                          rng.choice(["button#export", "div.card", "a.help", "button#save"]),
                          rng.random(), rng.randint(0, 1)))
        for _ in range(3 if n < 5 else 0):  # a rage burst: 3 clicks 0.4 s apart
            at += 0.4 / 3600
            rows.append((cid, "$click", at))
            props.append(("/app", "button#export", 0.9, 0))
    events(db, env_id, rows, session_id=lambda cid, i: f"s{cid}-{int(rows[i][2] // 1.5)}",
           properties=lambda cid, name, i: {"path": props[i][0], "selector": props[i][1],
                                            "x": round(props[i][2], 3), "y": 0.5, "px": 0.25,
                                            "py": 100 + i, "dead": props[i][3]})
    db.session.commit()
    segment(db, team.workspace, "power", ids[:12])
    ws = team.workspace.id

    def figures(elements: list) -> list[tuple]:
        return [(e.selector, e.clicks, e.sessions, e.rage, e.dead,
                 *(round(v, 9) for v in (e.x, e.y, e.page_x, e.page_y))) for e in elements]

    assert clicks.pages(db.session, ws, engine="duckdb") == clicks.pages(db.session, ws,
                                                                         engine="sql")
    for page in ("/app", "/settings"):
        duck = clicks.element_map(db.session, ws, page, engine="duckdb")
        assert figures(duck) == figures(clicks.element_map(db.session, ws, page, engine="sql"))
        assert sum(e.dead for e in duck) > 0
        assert (sum(e.rage for e in duck) == 5) == (page == "/app")  # the five bursts
        assert figures(clicks.element_map(db.session, ws, page, segment_key="power",
                                          engine="duckdb")) == figures(clicks.element_map(
            db.session, ws, page, segment_key="power", engine="sql"))
        selectors = [e.selector for e in duck]
        assert clicks.breakdown(db.session, ws, page, "plan", selectors, engine="duckdb") == \
            clicks.breakdown(db.session, ws, page, "plan", selectors, engine="sql")


def test_an_import_job_that_fills_in_sessions_repairs_the_event_copy_at_once(
        app, db, client, team, tmp_path):
    """Uploaded in the app: the second import only fills session ids in; the import job
    checks the columnar copy, so DuckDB's paths see the sessions without waiting for the
    worker's periodic check."""
    from surveyapp.models import Role
    from tests.conftest import csrf_token
    from tests.segments.helpers import run_jobs

    slug = team.workspace.slug
    env = team.workspace.environments[0]
    login(client, team.users[Role.ANALYST].email)
    page = f"/w/{slug}/segments/imports"
    plain = "user_id,timestamp,event\n" + "".join(
        f"u{i % 3},2026-03-0{1 + i % 2}T10:{i:02d}:00Z,step{i % 4}\n" for i in range(24))
    with_sessions = "user_id,timestamp,event,session_id\n" + "".join(
        f"u{i % 3},2026-03-0{1 + i % 2}T10:{i:02d}:00Z,step{i % 4},s{i % 3}-{i % 2}\n"
        for i in range(24))
    for body in (plain, with_sessions):
        client.post(page, data={"kind": "events", "environment": str(env.id),
                                "csrf_token": csrf_token(client, page),
                                "file": (io.BytesIO(body.encode()), "events.csv")},
                    content_type="multipart/form-data")
        run_jobs(db, "segments_import")
        if body is plain:
            st.sync(db.session, st.store_of_app())  # the copy exists, without sessions
    copy = pd.read_parquet(st.store_of_app().root / f"env={env.id}")
    assert len(copy) == 24 and copy["session_id"].notna().all()
