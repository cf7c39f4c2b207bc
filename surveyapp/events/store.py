"""The Parquet copy of the ``event`` table in ``DATA_DIR/events/``, and how it is kept
equal to the database.

Layout (readable with any Parquet reader: ``pandas.read_parquet("var/events")`` or
DuckDB's ``read_parquet('var/events/*/*.parquet')``)::

    events/_manifest.json                 which files make up the copy, the last event id
    events/env=<environment id>/b<bucket>-<sequence>.parquet

Each file holds the events of one environment whose ids fall in one bucket of
``BUCKET`` ids, with the columns of ``schema()``: a full bucket in one file sorted by
event name (``SORTED``), the open bucket in delta files (each sorted the same way). Files are written whole
and never changed; the manifest names the current set, and is replaced atomically
after the files it names are on disk, so a reader that reads the manifest first never
sees half a change. Writers (the worker's sync, erasure, a page catching up) take one
file lock.

Keeping it current, cheapest first:

* :func:`sync` appends the events with an id above the copy's last one (a delta file
  per bucket; a bucket's deltas are merged into one file once it is full). Ids that were
  skipped (a transaction that commits after a later one, on PostgreSQL) are remembered as
  gaps and looked up again by the next syncs for ``GAP_TTL`` seconds.
* :func:`verify` compares, per environment and bucket, the number of events, of events
  with a session and of events with a contact in the database and in the copy, and
  rewrites every bucket that differs from the database. That repairs what the append
  cannot see: deletes (retention, a deleted workspace, a rolled-back erasure), session
  ids filled in by a re-import, a restored backup.
* :func:`erase_contacts` (and :func:`erase_events`, the eraser-shaped wrapper) rewrites
  at once every file holding events of the erased people.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Event

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from surveyapp.models import Contact

BUCKET = 1 << 20  # event ids per bucket: ~1M events per file
CHUNK = 250_000  # rows read from the database per batch
GAP_TTL = 3600.0  # seconds a skipped id is looked for again (longer than any import)
MAX_GAPS = 2000  # gap ranges remembered
MAX_DELTAS = 16  # delta files of an open bucket before they are merged
#: A full bucket's file is sorted by name first: a query for a few event names (a funnel's
#: steps) then reads only the row groups holding them (Parquet keeps each group's min/max).
SORTED = "name, contact_id, occurred_at, id"
ROW_GROUP = 65_536
#: Integers and times are delta-encoded: sorted by name then contact, a contact's ids and
#: times rise, so the deltas are small; a funnel's scan decodes them about twice as fast
#: as dictionary/plain pages (which overflow into plain for 10M distinct times), and the
#: files are a third smaller (bench/README.md). Text columns keep their dictionaries.
DELTA = {c: "DELTA_BINARY_PACKED" for c in ("id", "environment_id", "contact_id", "occurred_at")}
DICTIONARY = ("session_id", "name", "properties")
MANIFEST = "_manifest.json"
LOCK = "_lock"


def schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([
        ("id", pa.int64()), ("environment_id", pa.int64()), ("contact_id", pa.int64()),
        ("session_id", pa.string()), ("name", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")), ("properties", pa.string())])


@dataclass
class Manifest:
    max_id: int = 0  # every event with an id up to this one was read (gaps aside)
    seq: int = 0  # the last file sequence number used
    files: dict[str, list[str]] = field(default_factory=dict)  # "env/bucket" -> paths
    gaps: list[list[float]] = field(default_factory=list)  # [first id, last id, seen at]
    synced_at: float | None = None
    verified_at: float | None = None


@dataclass
class SyncResult:
    added: int = 0
    files_written: int = 0
    repaired: int = 0  # buckets rewritten from the database
    behind: int = 0  # event ids the copy still lacks (0: up to date)


class StoreBusy(RuntimeError):
    """Another process is writing the copy (only raised when asked not to wait)."""


class EventStore:
    """The copy under ``root``; cheap to make (reads nothing until asked)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------------ manifest
    def load(self) -> Manifest:
        try:
            data = json.loads((self.root / MANIFEST).read_text())
        except FileNotFoundError:
            return Manifest()
        return Manifest(**data)

    def save(self, manifest: Manifest) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{MANIFEST}.{os.getpid()}"
        tmp.write_text(json.dumps(asdict(manifest), separators=(",", ":")))
        os.replace(tmp, self.root / MANIFEST)

    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise StoreBusy("the event copy is being written") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def files(self, manifest: Manifest, env_ids: Collection[int] | None = None) -> list[Path]:
        envs = None if env_ids is None else {str(e) for e in env_ids}
        return [self.root / rel for key, rels in sorted(manifest.files.items())
                if envs is None or key.split("/")[0] in envs for rel in rels]

    # ------------------------------------------------------------------ files
    def write(self, manifest: Manifest, table: pa.Table, env: int, bucket: int) -> str:
        """Write ``table`` (one environment, one bucket) as a new file; returns its path
        relative to the root. The manifest is not saved here."""
        import pyarrow.parquet as pq

        manifest.seq += 1
        rel = f"env={env}/b{bucket:06d}-{manifest.seq:08d}.parquet"
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("." + path.name)
        pq.write_table(table.cast(schema()), tmp, compression="zstd", row_group_size=ROW_GROUP,
                       use_dictionary=list(DICTIONARY), column_encoding=dict(DELTA))
        os.replace(tmp, path)
        return rel

    def replace(self, manifest: Manifest, key: str, rels: list[str]) -> list[str]:
        """Point ``key`` at ``rels``; returns the files it pointed at before (to unlink
        once the manifest is saved)."""
        old = manifest.files.get(key, [])
        if rels:
            manifest.files[key] = rels
        else:
            manifest.files.pop(key, None)
        return [r for r in old if r not in rels]

    def unlink(self, rels: list[str]) -> None:
        for rel in rels:
            with contextlib.suppress(FileNotFoundError):
                (self.root / rel).unlink()


def _key(env: int, bucket: int) -> str:
    return f"{env}/{bucket}"


def duck() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never installs or loads an extension from the network
    (Parquet and JSON are built in)."""
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    return con


_SHARED: tuple[int, Any] | None = None  # (pid, database) of this process
_SHARED_LOCK = threading.Lock()


def shared() -> duckdb.DuckDBPyConnection:
    """A new connection (close it after use) to this process's one in-memory DuckDB, for
    queries over the copy. Sharing the database shares its Parquet metadata cache: the
    files are never changed once written (a change is a new file), so a page's next query
    does not parse the same footers again. Temporary views and registered tables are the
    connection's own, so concurrent requests do not see each other's. A forked child
    (gunicorn, Celery) makes its own: a DuckDB database is not fork-safe."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or _SHARED[0] != os.getpid():
            con = duck()
            con.execute("SET parquet_metadata_cache = true")
            _SHARED = (os.getpid(), con)
        return _SHARED[1].cursor()


def arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The rows of ``sql`` as an Arrow table (``to_arrow_table`` in newer DuckDBs)."""
    rel = con.sql(sql)
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    table: pa.Table = fetch()
    return table


def scan(paths: list[Path], *, filename: bool = False) -> str:
    """``read_parquet`` of these files (ours: no "env=1" directory read as a column)."""
    extra = ", filename = true" if filename else ""
    return f"read_parquet({parquet_list(paths)}, hive_partitioning = false{extra})"


def parquet_list(paths: list[Path]) -> str:
    """A SQL list of file names for ``read_parquet`` (the names are ours; quoted anyway)."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


# ---------------------------------------------------------------------- reading the database
def _select(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return ("SELECT id, environment_id, contact_id, session_id, name, "
                "CAST(EXTRACT(EPOCH FROM occurred_at) * 1000000 AS BIGINT), "
                "CAST(properties AS TEXT) FROM event")
    return ("SELECT id, environment_id, contact_id, session_id, name, occurred_at, "
            "properties FROM event")


def _batches(session: Session, where: str, limit: int | None = None) -> Iterator[pa.Table]:
    """Events matching ``where`` (SQL built from our own integers), in id order, as
    Arrow tables of at most CHUNK rows."""
    import pyarrow as pa

    sql = f"{_select(session)} WHERE {where} ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    postgres = session.get_bind().dialect.name == "postgresql"
    result = session.connection().exec_driver_sql(
        sql, execution_options={"stream_results": True, "max_row_buffer": CHUNK})
    names = schema().names
    while rows := result.fetchmany(CHUNK):
        cols = list(zip(*rows, strict=True))
        at = pa.array(cols[5], pa.int64()).cast(pa.timestamp("us", tz="UTC")) if postgres \
            else _sqlite_times(cols[5])
        props = [p if isinstance(p, str) or p is None else json.dumps(p) for p in cols[6]]
        yield pa.table([pa.array(cols[0], pa.int64()), pa.array(cols[1], pa.int64()),
                        pa.array(cols[2], pa.int64()), pa.array(cols[3], pa.string()),
                        pa.array(cols[4], pa.string()), at, pa.array(props, pa.string())],
                       names=names)


def _sqlite_times(values: tuple[Any, ...]) -> pa.Array:
    """SQLite keeps UTC timestamps as ISO text ('2026-08-01 10:00:00.123456')."""
    import pandas as pd
    import pyarrow as pa

    stamps = pd.to_datetime(pd.Series(values, dtype="string"), format="ISO8601", utc=True)
    return pa.array(stamps.astype("datetime64[us, UTC]"), pa.timestamp("us", tz="UTC"))


def _split(table: pa.Table) -> Iterator[tuple[int, int, pa.Table]]:
    """(environment, bucket, rows) groups of a batch."""
    import pyarrow.compute as pc

    buckets = pc.divide(table["id"], BUCKET)  # integer division for integers
    for env in pc.unique(table["environment_id"]).to_pylist():
        in_env = pc.equal(table["environment_id"], env)
        for bucket in pc.unique(pc.filter(buckets, in_env)).to_pylist():
            part = table.filter(pc.and_(in_env, pc.equal(buckets, bucket)))
            yield int(env), int(bucket), part


# ---------------------------------------------------------------------- sync
def db_max_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)


def sync(session: Session, store: EventStore, *, wait: bool = True,
         limit: int | None = None) -> SyncResult:
    """Append the events the copy lacks (at most ``limit`` new ones). Reads only."""
    out = SyncResult()
    with store.lock(wait):
        m = store.load()
        now = time.time()
        top = db_max_id(session)
        if top < m.max_id:  # the newest events were deleted (SQLite may reuse their ids)
            first = top // BUCKET
            out.repaired += _repair(session, store, m, {
                k for k in m.files if int(k.split("/")[1]) >= first}, top)
            m.max_id = top
        touched: set[str] = set()
        m.gaps = [g for g in m.gaps if now - g[2] < GAP_TTL][-MAX_GAPS:]
        if m.gaps:
            out.added += _fill_gaps(session, store, m, touched)
        last = m.max_id
        for batch in _batches(session, f"id > {int(m.max_id)}", limit):
            ids = batch["id"].to_numpy()
            _note_gaps(m, last, ids, now)
            last = int(ids[-1])
            for env, bucket, part in _split(batch):
                key = _key(env, bucket)
                m.files.setdefault(key, []).append(store.write(m, _sorted(part), env, bucket))
                touched.add(key)
                out.files_written += 1
            out.added += batch.num_rows
        m.max_id = max(m.max_id, last)
        stale: list[str] = []
        for key in touched:
            stale += _compact(store, m, key)
        m.synced_at = now
        store.save(m)
        store.unlink(stale)
        out.behind = max(db_max_id(session) - m.max_id, 0)
    return out


def _note_gaps(m: Manifest, last: int, ids: Any, now: float) -> None:
    """Remember ids skipped between ``last`` and the sorted ``ids`` just read."""
    import numpy as np

    prev = np.concatenate(([last], ids[:-1]))
    for lo, hi in zip((prev + 1)[ids - prev > 1].tolist(), (ids - 1)[ids - prev > 1].tolist(),
                      strict=True):
        m.gaps.append([lo, hi, now])
    del m.gaps[:-MAX_GAPS]


def _fill_gaps(session: Session, store: EventStore, m: Manifest, touched: set[str]) -> int:
    """Look the remembered gaps up again; keep what is still missing."""
    import pyarrow as pa

    ranges = " OR ".join(f"id BETWEEN {int(lo)} AND {int(hi)}" for lo, hi, _ in m.gaps)
    found = [t for t in _batches(session, f"({ranges}) AND id <= {int(m.max_id)}")]
    if not found:
        return 0
    table = pa.concat_tables(found)
    table = _not_stored(store, m, table)
    added = 0
    for env, bucket, part in _split(table):
        key = _key(env, bucket)
        m.files.setdefault(key, []).append(store.write(m, part, env, bucket))
        touched.add(key)
        added += part.num_rows
    seen = sorted(table["id"].to_pylist())
    gaps = []
    for lo, hi, at in m.gaps:  # what the found ids leave of each range
        start = int(lo)
        for i in (x for x in seen if lo <= x <= hi):
            if i > start:
                gaps.append([start, i - 1, at])
            start = i + 1
        if start <= hi:
            gaps.append([start, int(hi), at])
    m.gaps = gaps[-MAX_GAPS:]
    return added


def _not_stored(store: EventStore, m: Manifest, table: pa.Table) -> pa.Table:
    """The rows of ``table`` whose ids the copy does not hold yet."""
    import pyarrow.compute as pc

    keys = {_key(env, b) for env, b, _ in _split(table)}
    files = [store.root / rel for k in keys for rel in m.files.get(k, [])]
    if not files or not table.num_rows:
        return table
    con = duck()
    con.register("found", table)
    held = arrow(con, (f"SELECT id FROM {scan(files)} "
                             "WHERE id IN (SELECT id FROM found)"))
    held_ids = held.column("id") if held.num_rows else None
    con.close()
    if held_ids is None:
        return table
    return table.filter(pc.invert(pc.is_in(table["id"], value_set=held_ids.combine_chunks())))


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([("name", "ascending"), ("contact_id", "ascending"),
                          ("occurred_at", "ascending"), ("id", "ascending")])


def _compact(store: EventStore, m: Manifest, key: str) -> list[str]:
    """Merge a bucket's files into one once it is full (or has too many deltas)."""
    rels = m.files.get(key, [])
    env, bucket = (int(x) for x in key.split("/"))
    full = (bucket + 1) * BUCKET - 1 <= m.max_id
    if len(rels) < 2 or (not full and len(rels) < MAX_DELTAS):
        return []
    con = duck()
    table = arrow(con, (
        f"SELECT * FROM {scan([store.root / r for r in rels])} "
        f"ORDER BY {SORTED}"))
    con.close()
    return store.replace(m, key, [store.write(m, table, env, bucket)])


# ---------------------------------------------------------------------- verify and repair
def _repair(session: Session, store: EventStore, m: Manifest, keys: set[str], upto: int) -> int:
    """Rewrite the buckets ``keys`` from the database (events up to id ``upto``)."""
    import pyarrow as pa

    stale: list[str] = []
    for key in keys:
        env, bucket = (int(x) for x in key.split("/"))
        lo, hi = bucket * BUCKET, min((bucket + 1) * BUCKET - 1, upto)
        parts = list(_batches(session, f"environment_id = {env} AND id BETWEEN {lo} AND {hi}"))
        rels = [store.write(m, _sorted(pa.concat_tables(parts)), env, bucket)] if parts else []
        stale += store.replace(m, key, rels)
    m.gaps = [g for g in m.gaps if g[1] <= upto]
    store.save(m)
    store.unlink(stale)
    return len(keys)


def counts_in_database(session: Session, upto: int) -> dict[str, tuple[int, int, int]]:
    rows = session.connection().exec_driver_sql(
        f"SELECT environment_id, id / {BUCKET}, count(*), count(session_id), count(contact_id) "
        f"FROM event WHERE id <= {int(upto)} GROUP BY environment_id, id / {BUCKET}")
    return {_key(int(e), int(b)): (int(n), int(s), int(c)) for e, b, n, s, c in rows}


def counts_in_copy(store: EventStore, m: Manifest) -> dict[str, tuple[int, int, int]]:
    files = store.files(m)
    if not files:
        return {}
    con = duck()
    rows = con.execute(
        f"SELECT environment_id, id // {BUCKET}, count(*), count(session_id), count(contact_id) "
        f"FROM {scan(files)} GROUP BY ALL").fetchall()
    con.close()
    return {_key(int(e), int(b)): (int(n), int(s), int(c)) for e, b, n, s, c in rows}


def verify(session: Session, store: EventStore, *, wait: bool = True) -> SyncResult:
    """Rewrite every bucket whose counts differ from the database's, then sync."""
    with store.lock(wait):
        m = store.load()
        upto = min(m.max_id, db_max_id(session))  # the newest events may have been deleted
        ours, theirs = counts_in_copy(store, m), counts_in_database(session, upto)
        wrong = {k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)}
        repaired = _repair(session, store, m, wrong, upto) if wrong else 0
        m.max_id = upto
        m.verified_at = time.time()
        store.save(m)
    out = sync(session, store, wait=wait)
    out.repaired += repaired
    return out


def rebuild(session: Session, store: EventStore) -> SyncResult:
    """Throw the copy away and read every event again."""
    with store.lock():
        m = store.load()
        old = [rel for rels in m.files.values() for rel in rels]
        store.save(Manifest(seq=m.seq))
        store.unlink(old)
    return sync(session, store)


# ---------------------------------------------------------------------- erasure
def erase_contacts(store: EventStore, contact_ids: Collection[int],
                   env_ids: Collection[int] | None = None) -> int:
    """Rewrite every file holding events of ``contact_ids`` without them; returns the
    number of events removed from the copy. Needs no database: the files themselves say
    whose events they hold."""
    import pyarrow as pa

    ids = sorted({int(c) for c in contact_ids})
    if not ids or not (store.root / MANIFEST).exists():
        return 0
    removed = 0
    with store.lock():
        m = store.load()
        files = store.files(m, env_ids)
        if not files:
            return 0
        con = duck()
        con.register("erased", pa.table({"cid": pa.array(ids, pa.int64())}))
        hit = con.execute(
            f"SELECT filename, count(*) FROM {scan(files, filename=True)} "
            "WHERE contact_id IN (SELECT cid FROM erased) GROUP BY filename").fetchall()
        by_path = {str(store.root / rel): (key, rel) for key, rels in m.files.items() for rel in rels}
        stale: list[str] = []
        for filename, n in hit:
            key, rel = by_path[str(filename)]
            env, bucket = (int(x) for x in key.split("/"))
            kept = arrow(con, (
                f"SELECT * FROM {scan([store.root / rel])} "
                "WHERE contact_id IS NULL OR contact_id NOT IN (SELECT cid FROM erased) "
                f"ORDER BY {SORTED}"))
            rels = [r for r in m.files[key] if r != rel]
            if kept.num_rows:
                rels.append(store.write(m, kept, env, bucket))
            stale += store.replace(m, key, rels)
            removed += int(n)
        con.close()
        if stale:
            store.save(m)
            store.unlink(stale)
    return removed


def store_of_app() -> EventStore:
    """The copy of the current app (``DATA_DIR/events``)."""
    from flask import current_app

    return EventStore(Path(current_app.config["SETTINGS"].data_dir) / "events")


def erase_events(session: Session, contacts: list[Contact]) -> int:
    """Eraser-shaped (``Wiring.eraser``): remove the events of ``contacts`` from the
    Parquet copy at once, before the next sync or check. ``session`` is not used (the
    database's own rows go with the contacts); returns the events removed from the copy."""
    del session
    if not contacts:
        return 0
    return erase_contacts(store_of_app(), [c.id for c in contacts],
                          {c.environment_id for c in contacts})
