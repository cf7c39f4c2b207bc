"""The Parquet copy of the events: what a notebook reads equals the database, appends by
event id (late commits included), repairs deletes and filled-in sessions, erasure takes
a person's events out of the files themselves, and the worker's tasks keep it current."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import delete, func, insert, select, update

from surveyapp.events import analytics, tasks
from surveyapp.events import store as st
from surveyapp.experiments import funnels
from surveyapp.models import Contact, Event
from surveyapp.platform.wiring import registry
from tests.experiments.helpers import T0, contacts

STEPS = ["signup", "tour", "report"]


def add(db, env_id: int, rows: list[tuple[int | None, str, float]], start_id: int | None = None,
        session: str | None = None) -> None:
    """Events as (contact, name, hours after T0); explicit ids from ``start_id`` on."""
    db.session.execute(insert(Event), [
        {**({"id": start_id + i} if start_id is not None else {}), "environment_id": env_id,
         "contact_id": cid, "name": name, "occurred_at": T0 + dt.timedelta(hours=h),
         "received_at": T0, "session_id": session, "properties": {"path": f"/p/{i}", "n": i}}
        for i, (cid, name, h) in enumerate(rows)])
    db.session.commit()


def copy_frame(store: st.EventStore) -> pd.DataFrame:
    """The copy as a notebook reads it: every Parquet file under the directory."""
    return pd.read_parquet(store.root).sort_values("id").reset_index(drop=True)


def db_frame(db) -> pd.DataFrame:
    rows = db.session.execute(select(Event.id, Event.contact_id, Event.session_id, Event.name,
                                     Event.occurred_at, Event.properties).order_by(Event.id))
    return pd.DataFrame(rows.all(), columns=["id", "contact_id", "session_id", "name",
                                             "occurred_at", "properties"])


def assert_same(db, store: st.EventStore) -> None:
    ours, theirs = copy_frame(store), db_frame(db)
    assert ours["id"].tolist() == theirs["id"].tolist()
    assert ours["name"].tolist() == theirs["name"].tolist()
    assert [None if pd.isna(c) else int(c) for c in ours["contact_id"]] == [
        None if pd.isna(c) else int(c) for c in theirs["contact_id"]]
    assert [None if s is None or pd.isna(s) else s for s in ours["session_id"]] == [
        None if s is None or pd.isna(s) else s for s in theirs["session_id"]]
    # microsecond-exact UTC times, and the properties as JSON
    assert [t.to_pydatetime() for t in ours["occurred_at"]] == theirs["occurred_at"].tolist()
    assert [json.loads(p) for p in ours["properties"]] == theirs["properties"].tolist()


def test_the_copy_is_plain_parquet_equal_to_the_database_and_grows_by_appends(app, db, team):
    env_id = team.workspace.environments[0].id
    a, b = contacts(db, env_id, 2)
    add(db, env_id, [(a, "signup", 0), (a, "tour", 0.25 + 1e-6 / 3600), (b, "signup", 1),
                     (None, "page_view", 2)])
    store = st.store_of_app()
    first = st.sync(db.session, store)
    assert (first.added, first.behind) == (4, 0)
    assert_same(db, store)
    frame = copy_frame(store)
    assert str(frame["occurred_at"].dtype) == "datetime64[us, UTC]"
    assert pq.read_schema(store.files(store.load())[0]).names == st.schema().names

    add(db, env_id, [(b, "tour", 3), (b, "report", 4)])
    second = st.sync(db.session, store)
    assert second.added == 2  # only the new ones
    assert st.sync(db.session, store).added == 0
    assert_same(db, store)
    assert len(copy_frame(store)) == 6  # nothing twice


def test_an_event_committed_after_a_later_one_is_found_by_the_next_sync(app, db, team):
    """PostgreSQL hands out ids at insert time: a slow transaction can commit id 12 after
    id 15 was copied. The skipped ids are looked up again."""
    env_id = team.workspace.environments[0].id
    (a,) = contacts(db, env_id, 1)
    add(db, env_id, [(a, "signup", h) for h in range(10)], start_id=1)
    add(db, env_id, [(a, "tour", 11)], start_id=15)
    store = st.store_of_app()
    st.sync(db.session, store)
    assert store.load().gaps and store.load().gaps[0][:2] == [11, 14]
    add(db, env_id, [(a, "report", 10.5)], start_id=12)  # the late commit
    assert st.sync(db.session, store).added == 1
    assert_same(db, store)
    assert [g[:2] for g in store.load().gaps] == [[11, 11], [13, 14]]
    assert st.sync(db.session, store).added == 0  # found once, not again


def test_the_check_repairs_deletes_and_filled_in_sessions(app, db, team):
    env_id = team.workspace.environments[0].id
    a, b, c = contacts(db, env_id, 3)
    add(db, env_id, [(a, "signup", 0), (b, "signup", 1), (c, "signup", 2), (c, "tour", 3)])
    store = st.store_of_app()
    st.sync(db.session, store)
    # retention deletes old events; a re-import fills in the session ids it lacked
    db.session.execute(delete(Event).where(Event.contact_id == a))
    db.session.execute(update(Event).where(Event.contact_id == c).values(session_id="s-c"))
    db.session.commit()
    assert st.sync(db.session, store).added == 0  # appends cannot see either
    result = st.verify(db.session, store)
    assert result.repaired == 1
    assert_same(db, store)
    assert st.verify(db.session, store).repaired == 0


def test_erasure_rewrites_the_files_holding_the_persons_events(app, db, team):
    env_id = team.workspace.environments[0].id
    a, b = contacts(db, env_id, 2)
    add(db, env_id, [(a, "signup", 0), (b, "signup", 1), (a, "tour", 2), (None, "page_view", 3)])
    store = st.store_of_app()
    st.sync(db.session, store)
    add(db, env_id, [(a, "report", 4)])  # a second (delta) file with the person in it
    st.sync(db.session, store)
    person = db.session.get(Contact, a)
    assert st.erase_events(db.session, [person]) == 3
    on_disk = pd.concat([pd.read_parquet(p) for p in store.root.rglob("*.parquet")])
    assert a not in set(on_disk["contact_id"].dropna().astype(int))  # gone from every file
    assert sorted(on_disk["name"]) == ["page_view", "signup"]  # the others kept
    assert st.erase_events(db.session, [person]) == 0
    # the database's erasure then deletes the rows; the copy agrees with it
    db.session.execute(delete(Contact).where(Contact.id == a))
    db.session.commit()
    assert st.counts_in_copy(store, store.load()) == st.counts_in_database(db.session, 10**9)
    st.verify(db.session, store)
    assert_same(db, store)


def test_a_copy_far_behind_falls_back_to_sql_and_asks_the_worker(app, db, team, monkeypatch):
    env_id = team.workspace.environments[0].id
    ids = contacts(db, env_id, 6)
    add(db, env_id, [(c, s, i * 0.1) for c in ids for i, s in enumerate(STEPS)])
    monkeypatch.setattr(analytics, "CATCH_UP_MAX", 5)  # 18 events missing: too many
    asked = []
    monkeypatch.setattr(analytics, "_ask_worker", lambda: asked.append(True))
    store = st.store_of_app()
    with analytics.open_events(db.session, team.workspace.id) as events:
        assert events is None
    assert asked and store.load().max_id == 0  # nothing copied in the request
    overall = funnels.compute(db.session, team.workspace.id, STEPS, 24)[0]
    assert [s.count for s in overall.steps] == [6, 6, 6]  # the SQL path, same answer
    st.sync(db.session, store)
    add(db, env_id, [(ids[0], "signup", 9)])  # a small lag is caught up in the request
    with analytics.open_events(db.session, team.workspace.id) as events:
        assert events is not None
        assert events.query("SELECT count(*) FROM events").fetchone() == (19,)


def test_the_worker_tasks_sync_and_check_the_copy(app, db, team):
    env_id = team.workspace.environments[0].id
    (a,) = contacts(db, env_id, 1)
    add(db, env_id, [(a, "signup", 0), (a, "tour", 1)])
    reg = registry(app)
    assert reg.tasks[tasks.SYNC] == reg.tasks[tasks.VERIFY] == "experiments"
    assert {"sync-event-copy", "verify-event-copy"} <= set(reg.beat)
    celery = app.extensions["celery"]
    assert celery.tasks[tasks.SYNC].apply().get()["added"] == 2
    db.session.execute(delete(Event).where(Event.name == "tour"))
    db.session.commit()
    assert celery.tasks[tasks.VERIFY].apply().get()["repaired"] == 1
    assert copy_frame(st.store_of_app())["name"].tolist() == ["signup"]
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_the_events_commands_sync_check_rebuild_and_say_where_the_copy_is(app, db, team):
    env_id = team.workspace.environments[0].id
    (a,) = contacts(db, env_id, 1)
    add(db, env_id, [(a, "signup", 0), (a, "tour", 1), (a, "report", 2)])
    runner = app.test_cli_runner()
    out = runner.invoke(args=["events", "sync"])
    assert out.exit_code == 0 and "3 events added" in out.output and "up to date" in out.output
    status = runner.invoke(args=["events", "status"]).output
    store = st.store_of_app()
    assert str(store.root) in status and "copy 3, database 3" in status
    db.session.execute(delete(Event).where(Event.name == "tour"))
    db.session.commit()
    assert "1 bucket(s) rewritten" in runner.invoke(args=["events", "sync", "--check"]).output
    rebuilt = runner.invoke(args=["events", "sync", "--rebuild"]).output
    assert "2 events added" in rebuilt
    assert copy_frame(store)["name"].tolist() == ["signup", "report"]
