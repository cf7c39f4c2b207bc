"""DuckDB over one workspace's part of the Parquet copy, when the copy is current.

``open_events(session, workspace_id)`` decides per query:

* the copy has every event the database has: DuckDB;
* it lacks at most ``CATCH_UP_MAX`` events (what arrived since the worker's last sync,
  typically seconds' worth): they are appended first, in the request, then DuckDB;
* it lacks more (a first build, a big import not yet copied) or another process is
  writing it: ``None`` -- the caller runs its SQL -- and the worker is asked to sync.

The OLTP database is the system of record, so a missing or deleted copy only costs speed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.events import store as st
from surveyapp.events.tasks import SYNC
from surveyapp.models import Environment

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

CATCH_UP_MAX = 200_000
VIEW = "events"  # the workspace's events, as DuckDB sees them


@dataclass
class Events:
    """A workspace's events in DuckDB: ``con`` has the view ``events`` with the columns of
    ``store.schema()``; ``env_ids`` are the workspace's environments."""

    con: duckdb.DuckDBPyConnection
    env_ids: list[int]
    files: list[Path]

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        return self.con.execute(sql, params or [])


def workspace_envs(session: Session, workspace_id: int) -> list[int]:
    return list(session.scalars(select(Environment.id).where(
        Environment.workspace_id == workspace_id)))


def current(session: Session, store: st.EventStore, *, catch_up: int | None = None,
            wait: bool = False) -> bool:
    """Whether the copy holds every event (after catching up at most ``catch_up``,
    ``CATCH_UP_MAX`` unless given)."""
    catch_up = CATCH_UP_MAX if catch_up is None else catch_up
    m = store.load()
    top = st.db_max_id(session)
    if m.max_id == top and m.synced_at is not None:
        return True
    if top - m.max_id > catch_up:
        _ask_worker()
        return False
    try:
        result = st.sync(session, store, wait=wait)
    except st.StoreBusy:
        return False
    return result.behind == 0


def _ask_worker() -> None:
    try:
        from surveyapp.platform.wiring import send_task

        send_task(SYNC)
    except Exception as exc:  # noqa: BLE001 -- a queue that is down only delays the copy
        log.info("could not queue the event copy's sync: %s", exc)


@contextlib.contextmanager
def open_events(session: Session, workspace_id: int | None, *, force: bool = False,
                env_ids: list[int] | None = None, deletes: bool = False
                ) -> Iterator[Events | None]:
    """The workspace's events (or those of ``env_ids``) in DuckDB, or None when the SQL
    path should run.

    ``force``: catch up whatever the lag, waiting for another writer (tests, benchmarks
    and the CLI use it to get DuckDB for sure). ``deletes``: also make sure no event of
    these environments was deleted since the copy was last checked (see ``_no_deletes``)."""
    store = st.store_of_app()
    if env_ids is None:
        env_ids = workspace_envs(session, workspace_id) if workspace_id is not None else []
    if not env_ids:
        yield None
        return
    ok = current(session, store, catch_up=10**15 if force else None, wait=force)
    if ok and deletes:
        ok = _no_deletes(session, store, env_ids, force)
    if not ok:
        yield None
        return
    files = store.files(store.load(), env_ids)
    con = st.shared()
    try:
        if files:
            con.execute(f"CREATE TEMP VIEW {VIEW} AS SELECT * FROM {st.scan(files)}")
        else:  # no events yet: an empty view of the same shape
            cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}"
                             for f in st.schema())
            con.execute(f"CREATE TEMP VIEW {VIEW} AS SELECT {cols} WHERE false")
        yield Events(con, env_ids, files)
    finally:
        con.close()


def _no_deletes(session: Session, store: st.EventStore, env_ids: list[int], wait: bool) -> bool:
    """Whether the copy holds as many events of ``env_ids`` as the database (after
    repairing it if not). The append-only sync cannot see a delete (retention); the
    worker's check repairs it within 15 minutes, which is fine for a page but not for a
    segment run that would assign people by events they no longer have. Counting is cheap
    on both sides (an index-only count; the copy's from the Parquet footers)."""
    m = store.load()
    ids = ", ".join(str(int(e)) for e in env_ids)
    theirs = int(session.connection().exec_driver_sql(
        f"SELECT count(*) FROM event WHERE environment_id IN ({ids}) "
        f"AND id <= {int(m.max_id)}").scalar() or 0)
    files = store.files(m, env_ids)
    ours = 0
    if files:
        con = st.shared()
        try:
            row = con.execute(f"SELECT count(*) FROM {st.scan(files)}").fetchone()
            ours = int(row[0]) if row else 0
        finally:
            con.close()
    if ours == theirs:
        return True
    try:
        st.verify(session, store, wait=wait)
    except st.StoreBusy:
        return False
    return True


def _duck_type(arrow_type: Any) -> str:
    text = str(arrow_type)
    if text.startswith("timestamp"):
        return "TIMESTAMPTZ"
    return {"int64": "BIGINT", "string": "VARCHAR"}[text]


def run(session: Session, workspace_id: int | None, columnar: Any, sql: Any, *,
        engine: str = "auto", env_ids: list[int] | None = None, deletes: bool = False) -> Any:
    """``columnar(events)`` on DuckDB when the copy is current, else ``sql()``.

    ``engine``: "auto" (as above), "sql" (always SQL), "duckdb" (catch up whatever the
    lag, then DuckDB). ``env_ids``: these environments instead of the workspace's
    (segment features work per environment); ``deletes``: see ``open_events``. A file replaced by a concurrent writer between reading the
    manifest and reading the file is retried once with the new manifest."""
    if engine == "sql":
        return sql()
    for attempt in (1, 2):
        try:
            with open_events(session, workspace_id, force=engine == "duckdb",
                             env_ids=env_ids, deletes=deletes) as events:
                if events is None:
                    return sql()
                return columnar(events)
        except Exception as exc:
            if attempt == 2 or not _vanished(exc):
                raise
    return sql()  # pragma: no cover -- the loop returns or raises


def _vanished(exc: Exception) -> bool:
    import duckdb

    return isinstance(exc, duckdb.IOException | FileNotFoundError)
