"""Segment features from DuckDB over the Parquet copy equal those of the SQL path, on
SQLite and PostgreSQL (#22, item 8): on planted behaviour with sessions, on a real permit
log (no sessions, timestamps with UTC offsets) and a real grocery log (events and orders);
people who withdrew consent, events of other environments and a retention-style delete
are accounted for the same way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select, update

from surveyapp.events import store as st
from surveyapp.models import ConsentState, Contact, Event, utcnow
from surveyapp.segments import features, imports
from tests.segments.helpers import plant
from tests.segments.real_logs import import_grocery_as_events, import_grocery_as_orders

LOG = Path(__file__).parents[1] / "fixtures" / "events" / "wabo_receipt_400_cases.csv"


def assert_same(a: features.FeatureSet, b: features.FeatureSet) -> None:
    assert a.behaviour == b.behaviour and a.attributes == b.attributes
    assert list(a.frame.index) == list(b.frame.index) and len(a.frame)
    # SQLite measures seconds through julianday (a float of days): ~1e-4 s apart
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, atol=1e-6, rtol=1e-9)
    pd.testing.assert_frame_equal(a.usage, b.usage, check_dtype=False)
    assert a.event_names == b.event_names


def both(db, env_id: int, end: dt.datetime, days: int) -> features.FeatureSet:
    duck = features.extract(db.session, env_id, end, days, engine="duckdb")
    sql = features.extract(db.session, env_id, end, days, engine="sql")
    assert_same(duck, sql)
    assert st.store_of_app().load().max_id > 0  # DuckDB really read the copy
    return duck


def test_planted_features_on_duckdb_equal_sql_with_consent_and_other_environments(app, db, team):
    end = utcnow().replace(microsecond=0)
    truth = plant(db, team.workspace, n_per_group=8, end=end)
    env = team.workspace.environments[0]
    # A second environment's events must not count; one person withdrew consent.
    other = team.workspace.environments[1]
    stranger = db.session.scalar(insert(Contact).values(
        environment_id=other.id, external_id="s1", attributes={}).returning(Contact.id))
    db.session.execute(insert(Event), [
        {"environment_id": other.id, "contact_id": stranger, "name": "view_dashboard",
         "properties": {}, "occurred_at": end - dt.timedelta(days=1, minutes=i)}
        for i in range(5)])
    withdrew = sorted(truth)[0]
    db.session.execute(update(Contact).where(Contact.id == withdrew)
                       .values(consent=ConsentState.OPTED_OUT))
    # An event exactly at the window's start counts, one exactly at its end does not.
    edge = sorted(truth)[1]
    db.session.execute(insert(Event), [
        {"environment_id": env.id, "contact_id": edge, "name": "export", "properties": {},
         "occurred_at": end - dt.timedelta(days=30)},
        {"environment_id": env.id, "contact_id": edge, "name": "export", "properties": {},
         "occurred_at": end}])
    db.session.commit()

    fs = both(db, env.id, end, 30)
    assert withdrew not in fs.frame.index and stranger not in fs.frame.index
    assert set(fs.frame.index) <= set(truth) and len(fs.frame) >= len(truth) - 2
    assert "sessions_per_week" in fs.behaviour and fs.usage.loc[edge, "export"] == 1
    both(db, env.id, end, 90)

    # Retention deletes a group's old events: the copy cannot see that by event ids, but
    # the next run counts them and repairs the copy before computing.
    admins = [c for c, g in truth.items() if g == "admins"]
    db.session.execute(delete(Event).where(Event.contact_id.in_(admins)))
    db.session.commit()
    fs = features.extract(db.session, env.id, end, 90)  # engine "auto", as a run does
    assert st.store_of_app().load().verified_at is not None  # the copy was repaired
    assert not set(admins) & set(fs.frame.index)
    assert_same(fs, features.extract(db.session, env.id, end, 90, engine="sql"))


def test_real_permit_log_features_on_duckdb_equal_sql(app, db, team):
    env_id = team.workspace.environments[0].id
    result = imports.import_file(db.session, env_id, "events", LOG, "csv")
    db.session.commit()
    assert result.inserted == 2366
    end = dt.datetime(2012, 3, 1, tzinfo=dt.UTC)
    fs = both(db, env_id, end, 180)
    assert "sessions_per_week" not in fs.behaviour  # the log has no session ids
    assert fs.frame["events"].sum() > 1000
    both(db, env_id, dt.datetime(2011, 12, 1, 13, 30, tzinfo=dt.UTC), 45)


def test_real_grocery_events_and_orders_on_duckdb_equal_sql(app, db, team, tmp_path):
    env_id = team.workspace.environments[0].id
    import_grocery_as_events(db, env_id, tmp_path, customers=300)
    import_grocery_as_orders(db, env_id, tmp_path, customers=300, amount=12.5)
    end = dt.datetime(2008, 1, 1, tzinfo=dt.UTC)
    fs = both(db, env_id, end, 730)
    assert {"orders", "revenue", "events", "active_span_days"} <= set(fs.behaviour)
    assert len(fs.frame) == len(set(db.session.scalars(select(Contact.id))))
