"""``surveyapp events``: build, check and inspect the Parquet copy of the events."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from surveyapp.events import store as st
from surveyapp.extensions import db


@click.group("events")
def events_group() -> None:
    """The columnar copy of the events (Parquet in DATA_DIR/events, read by DuckDB)."""


@events_group.command("sync")
@click.option("--check", is_flag=True,
              help="Also compare every bucket with the database and rewrite those that "
                   "differ (deletes, filled-in session ids).")
@click.option("--rebuild", is_flag=True, help="Throw the copy away and read every event again.")
@with_appcontext
def sync_command(check: bool, rebuild: bool) -> None:
    """Bring the copy up to date with the database (what the worker does every 30 s)."""
    store = st.store_of_app()
    if rebuild:
        result = st.rebuild(db.session, store)
    elif check:
        result = st.verify(db.session, store)
    else:
        result = st.sync(db.session, store)
    db.session.rollback()
    click.echo(f"{result.added:,} events added, {result.repaired} bucket(s) rewritten; "
               f"{'up to date' if not result.behind else f'{result.behind:,} ids behind'}.")


@events_group.command("status")
@with_appcontext
def status_command() -> None:
    """Where the copy is, how far behind the database, and how to read it."""
    store = st.store_of_app()
    m = store.load()
    top = st.db_max_id(db.session)
    files = store.files(m)
    size = sum(p.stat().st_size for p in files if p.exists())
    when = (dt.datetime.fromtimestamp(m.synced_at, dt.UTC).isoformat(timespec="seconds")
            if m.synced_at else "never")
    click.echo(f"copy: {store.root} ({len(files)} Parquet files, {size / 1e6:.1f} MB)")
    click.echo(f"last event id: copy {m.max_id:,}, database {top:,}; last sync {when}")
    click.echo(f"read it: pandas.read_parquet('{store.root}') or DuckDB "
               f"read_parquet('{store.root}/*/*.parquet')")


#: Added to the `surveyapp` command line by the experiments area.
COMMANDS = (events_group,)
