"""The fast path of an events CSV import (#22, item 8): the file parsed once, by pyarrow,
checked column by column, and written set by set (COPY on PostgreSQL).

``imports.import_file`` tries this first for ``events`` CSV files. It gives the same
result as the row-by-row importer (same rows stored, same counts, same duplicate keys,
so a file imported by one and re-imported by the other adds nothing), because only the
rows it can prove valid column-wise are read here: every other row goes through the same
``imports.parse_row`` as before. When a row is invalid, a reading does not fit, or the file
is anything pyarrow's strict CSV reader does not take as it is (ragged rows, a repeated
column name, bad UTF-8), this returns None and the row-by-row importer
runs instead: it names lines and columns exactly, and a refused file is the slow path's
business, not a hot one.

Where the time went before (a profile at 200,000 events): every row parsed twice (the
validation pass, then the writing pass), the privacy id mapped per row, the contacts
looked up per batch of 2,000, the duplicate check per batch. Here: one vectorised pass,
the id mapped once per distinct user, the contacts and the duplicate keys resolved with one
staging table each, the events written by one COPY of CSV text made by pyarrow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Event
from surveyapp.segments import imports as im

if TYPE_CHECKING:
    import pyarrow as pa

# The extended ISO 8601 forms pandas and ``datetime.fromisoformat`` read the same way;
# anything else (basic 19970101, lower-case t, +0200, 7+ fraction digits, spaces around)
# is left to ``imports.read_time``.
FAST_TIME = (r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
             r"(?:Z|[+-]\d{2}:\d{2})?)?$")
CHUNK = 100_000  # rows per COPY / executemany


def try_import(session: Session, env_id: int, path: Path, progress: im.Progress | None
               ) -> im.ImportResult | None:
    """Import the events CSV at ``path`` in the caller's transaction, or None (nothing
    written) when the row-by-row importer should do it."""
    import pyarrow.compute as pc

    delimiter = im.sniff_delimiter(path)
    header = im.read_header(path, "csv", delimiter)
    if not header or len(set(header)) != len(header):
        return None
    plan = im._plan("events", header, delimiter)  # a missing column is refused the same way
    table = _read(path, header, delimiter)
    if table is None:
        return None
    n = table.num_rows
    if n == 0:
        return None
    cols = plan.cols
    trimmed = {f: pc.utf8_trim_whitespace(table[cols[f]]) for f in ("user_id", "event")}
    ok = pc.and_(pc.greater(pc.utf8_length(trimmed["user_id"]), 0),
                 pc.less_equal(pc.utf8_length(trimmed["user_id"]), im.MAX_ID))
    ok = pc.and_(ok, pc.greater(pc.utf8_length(trimmed["event"]), 0))
    ok = pc.and_(ok, pc.less_equal(pc.utf8_length(trimmed["event"]), 200))
    for fld in ("event_id", "session_id"):
        if fld in cols:
            ok = pc.and_(ok, pc.less_equal(pc.utf8_length(table[cols[fld]]), 64))
    stamps = table[cols["timestamp"]]
    ok = pc.and_(ok, pc.match_substring_regex(stamps, FAST_TIME))
    micros = _micros(stamps)
    ok = pc.and_(ok, pc.is_valid(micros))
    if progress:
        progress(0.2, f"Checked {n:,} rows")

    known = set(cols.values())
    extra = [c for c in header if c not in known]
    props: list[dict[str, Any]] | None = None
    if extra or "properties" in cols:
        props, ok = _properties(table, cols, extra, ok)

    # Rows not proven valid column-wise: the row-by-row parser, exactly as before.
    user = trimmed["user_id"].to_pylist()
    name = trimmed["event"].to_pylist()
    at = micros.to_pylist()
    sid = _optional(table, cols.get("session_id"))
    eid = _optional(table, cols.get("event_id"))
    readings = {im.DATES: int(pc.sum(ok).as_py() or 0)}
    slow = pc.indices_nonzero(pc.invert(ok)).to_pylist()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for i in slow:
        raw = {k: v for k, v in zip(header, (table[c][i].as_py() for c in header), strict=True)
               if v not in (None, "")}
        try:
            row = im.parse_row(plan, raw)
        except im.RowError:
            return None  # the row-by-row importer names it, and every other invalid row
        readings[row["reading"]] = readings.get(row["reading"], 0) + 1
        user[i], name[i], sid[i], eid[i] = (row["user_id"], row["name"], row["session_id"],
                                            row["event_id"])
        delta = row["at"] - epoch
        at[i] = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        if props is not None:
            props[i] = row["properties"]
    reading = im.choose_reading(Counter({k: v for k, v in readings.items() if v}))
    if reading is None or any(v and not im._fits(k, reading) for k, v in readings.items()):
        return None  # rows that do not fit the column's reading: listed by the slow path
    result = im.ImportResult(rows=n, reading=reading, delimiter=delimiter)
    if props is None:
        props = [{}] * n
    # What contact.external_id holds (a keyed hash in a workspace that hashes ids), once
    # per distinct user; the duplicate key is made of it, as in the row-by-row importer.
    mapper = im._id_mapper(session, env_id)
    stored_ids = {u: mapper(u) for u in set(user)}
    user = [stored_ids[u] for u in user]
    keys = _keys(user, at, name, props, eid)
    if progress:
        progress(0.4, f"Read {n:,} rows")
    _write(session, env_id, result, keys, user, at, name, sid, props, progress)
    return result


def _read(path: Path, header: list[str], delimiter: str) -> pa.Table | None:
    """The whole file as text columns, exactly as the ``csv`` module would split it, or
    None when pyarrow's reader cannot be sure (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1,
                                           block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, OSError):
        return None


def _micros(stamps: pa.ChunkedArray) -> pa.Array:
    """Microseconds since the epoch (UTC) of the values in FAST_TIME's forms; null where
    pandas cannot read one (2026-02-30), which then goes through the row parser."""
    import pandas as pd
    import pyarrow as pa

    parsed = pd.to_datetime(stamps.to_pandas(), format="ISO8601", utc=True, errors="coerce")
    values = parsed.astype("datetime64[us, UTC]")
    return pa.array(values.dt.tz_localize(None).to_numpy().astype("int64"), pa.int64(),
                    mask=values.isna().to_numpy())


def _optional(table: pa.Table, column: str | None) -> list[str | None]:
    """An optional text column: empty is missing (as the ``csv`` reader's rows leave it)."""
    if column is None:
        return [None] * table.num_rows
    return [v or None for v in table[column].to_pylist()]


def _properties(table: pa.Table, cols: dict[str, str], extra: list[str], ok: Any
                ) -> tuple[list[dict[str, Any]], Any]:
    """Per row, the extra columns as typed values merged with the ``properties`` JSON
    object (as ``parse_row``); rows whose object cannot be read become not-ok."""
    import pyarrow as pa

    values = {c: table[c].to_pylist() for c in extra}
    blobs = table[cols["properties"]].to_pylist() if "properties" in cols else None
    out: list[dict[str, Any]] = []
    bad = []
    for i in range(table.num_rows):
        props = {c: im._scalar(v[i]) for c, v in values.items() if v[i] != ""}
        if blobs is not None and blobs[i] != "":
            try:
                props = {**props, **im._object(blobs[i])}
            except (ValueError, TypeError):
                bad.append(i)
        out.append(props)
    if bad:
        mask = [True] * table.num_rows
        for i in bad:
            mask[i] = False
        ok = pa.compute.and_(ok, pa.array(mask))
    return out, ok


def _keys(user: list[str], at: list[int], name: list[str], props: list[dict[str, Any]],
          eid: list[str | None]) -> list[str]:
    """``imports.event_key`` of every row. Its hashed text is
    ``json.dumps([user, at.isoformat(), name, properties], sort_keys=True, separators=...)``;
    for a row without properties whose user and name need no JSON escaping (printable
    ASCII without quotes or backslashes: nearly every export) that text is put together
    with vectorised string operations, otherwise ``json.dumps`` makes it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    iso = pa.array(np.datetime_as_string(np.array(at, dtype="datetime64[us]"), unit="us"))
    iso = pc.replace_substring_regex(iso, r"\.000000$", "")
    iso = pc.binary_join_element_wise(iso, "+00:00", "")
    users, names = pa.array(user, pa.string()), pa.array(name, pa.string())
    safe = r"^[ !#-\[\]-~]*$"
    plain = pc.and_(pc.match_substring_regex(users, safe), pc.match_substring_regex(names, safe))
    plain = pc.and_(plain, pa.array([not p for p in props]))
    texts = pc.binary_join_element_wise('["', users, '","', iso, '","', names, '",{}]', "")
    texts_list = texts.to_pylist()
    plain_list = plain.to_pylist()
    iso_list = iso.to_pylist()
    dumps, sha = json.dumps, hashlib.sha256
    keys = []
    for i, e in enumerate(eid):
        if e:
            keys.append("imp:" + e[:60])
            continue
        blob = texts_list[i] if plain_list[i] else dumps(
            [user[i], iso_list[i], name[i], props[i]], sort_keys=True, separators=(",", ":"))
        keys.append("imp:" + sha(blob.encode()).hexdigest()[:60])
    return keys


# ----------------------------------------------------------------------------- writing
def _write(session: Session, env_id: int, result: im.ImportResult, keys: list[str],
           user: list[str], at: list[int], name: list[str], sid: list[str | None],
           props: list[dict[str, Any]], progress: im.Progress | None) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("ANALYZE event, contact"))  # see imports._analyse_events
    first: dict[str, int] = {}  # key -> its first row
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    # Stored before this import: "already there" (each row of it, as the row-by-row
    # importer counts a re-import), unless it lacked the session this row brings.
    stored = _stored(session, env_id, [(k, sid[i]) for k, i in first.items()], postgres)
    fill = [(k, sid[first[k]]) for k, s in stored.items() if s is None and sid[first[k]]]
    if fill:
        _fill_sessions(session, env_id, fill, postgres)
    result.updated = len(fill)
    result.duplicates = sum(1 for k in keys if k in stored) - result.updated
    new = [i for k, i in first.items() if k not in stored]
    result.repeats = len(keys) - len(first) - (result.duplicates + result.updated
                                               - len(stored))
    if progress:
        progress(0.6, f"{len(new):,} new events")
    contacts = _contacts(session, env_id, sorted({user[i] for i in new}), postgres)
    kept = [i for i in new if contacts[user[i]][1] not in im.BLOCKED]
    result.skipped = len(new) - len(kept)
    if progress:
        progress(0.7, f"Writing {len(kept):,} events")
    rows: dict[str, list[Any]] = {
        "cid": [contacts[user[i]][0] for i in kept], "key": [keys[i] for i in kept],
        "sid": [sid[i] for i in kept], "name": [name[i] for i in kept],
        "at": [at[i] for i in kept], "props": [props[i] for i in kept]}
    if kept and postgres:
        _copy_events(session, env_id, rows)
    elif kept:
        _insert_events(session, env_id, rows)
    result.inserted = len(kept)


def _csv(table: pa.Table) -> bytes:
    """CSV text of ``table`` for ``COPY ... (FORMAT csv)`` (nulls as empty, unquoted)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
    return bytes(buf.getvalue().to_pybytes())


def _staged(session: Session, name: str, columns: list[str], values: list[list[Any]],
            postgres: bool) -> None:
    """A temporary table ``name`` of text columns (dropped at the end of the transaction on
    PostgreSQL, emptied first on SQLite) holding the columns ``values``."""
    import pyarrow as pa

    conn = session.connection()
    decl = ", ".join(f"{c} TEXT" for c in columns)
    if postgres:
        conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({decl}) ON COMMIT DROP")
        raw = conn.connection.driver_connection
        assert raw is not None
        table = pa.table({c: pa.array(v, pa.string()) for c, v in zip(columns, values,
                                                                        strict=True)})
        with raw.cursor() as cur, cur.copy(f"COPY {name} FROM STDIN (FORMAT csv)") as cp:
            for i in range(0, table.num_rows, CHUNK):
                cp.write(_csv(table.slice(i, CHUNK)))
        conn.exec_driver_sql(f"ANALYZE {name}")
        return
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({decl})")
    conn.exec_driver_sql(f"DELETE FROM {name}")
    rows = list(zip(*values, strict=True))
    marks = ", ".join("?" * len(columns))
    for i in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(f"INSERT INTO {name} VALUES ({marks})", rows[i:i + CHUNK])


def _drop(session: Session, name: str, postgres: bool) -> None:
    if postgres:
        session.connection().exec_driver_sql(f"DROP TABLE {name}")
    else:
        session.connection().exec_driver_sql(f"DELETE FROM {name}")


def _stored(session: Session, env_id: int, firsts: list[tuple[str, str | None]],
            postgres: bool) -> dict[str, str | None]:
    """Key -> session id of the file's keys already stored in the environment."""
    _staged(session, "import_keys", ["k"], [[k for k, _ in firsts]], postgres)
    rows = session.connection().exec_driver_sql(
        "SELECT e.client_id, e.session_id FROM import_keys i JOIN event e "
        f"ON e.environment_id = {int(env_id)} AND e.client_id = i.k").all()
    _drop(session, "import_keys", postgres)
    return {k: s for k, s in rows}


def _fill_sessions(session: Session, env_id: int, fill: list[tuple[str, str | None]],
                   postgres: bool) -> None:
    """A re-import fills in the session id an earlier import lacked (#22, item 4)."""
    _staged(session, "import_fill", ["k", "sid"], [[k for k, _ in fill], [s for _, s in fill]],
            postgres)
    if postgres:
        session.connection().exec_driver_sql(
            "UPDATE event e SET session_id = f.sid FROM import_fill f "
            f"WHERE e.environment_id = {int(env_id)} AND e.client_id = f.k")
    else:
        session.connection().exec_driver_sql(
            "UPDATE event SET session_id = (SELECT f.sid FROM import_fill f "
            "WHERE f.k = event.client_id) "
            f"WHERE environment_id = {int(env_id)} AND client_id IN (SELECT k FROM import_fill)")
    _drop(session, "import_fill", postgres)


def _contacts(session: Session, env_id: int, ext_ids: list[str], postgres: bool
              ) -> dict[str, tuple[int, im.ConsentState]]:
    """External id -> (contact id, consent), creating the missing contacts."""
    from sqlalchemy import column, table

    staged = table("import_users", column("ext"))

    def look_up() -> dict[str, tuple[int, im.ConsentState]]:
        rows = session.execute(
            select(Contact.external_id, Contact.id, Contact.consent)
            .join_from(Contact, staged, staged.c.ext == Contact.external_id)
            .where(Contact.environment_id == env_id)).all()
        return {ext: (cid, consent) for ext, cid, consent in rows}

    _staged(session, "import_users", ["ext"], [ext_ids], postgres)
    found = look_up()
    missing = [e for e in ext_ids if e not in found]
    for i in range(0, len(missing), CHUNK):
        session.execute(insert(Contact), [{"environment_id": env_id, "external_id": e,
                                           "attributes": {}} for e in missing[i:i + CHUNK]])
    if missing:
        if postgres:
            session.execute(text("ANALYZE contact"))
        found = look_up()
    _drop(session, "import_users", postgres)
    return found


def _copy_events(session: Session, env_id: int, rows: dict[str, list[Any]]) -> None:
    """COPY of CSV text that pyarrow writes (no per-row Python on the way but the
    properties' JSON, and not even that for rows without properties)."""
    import pyarrow as pa

    raw = session.connection().connection.driver_connection
    assert raw is not None
    received = dt.datetime.now(dt.UTC).isoformat()
    columns = ", ".join(im.EVENT_COLUMNS)
    n = len(rows["key"])
    with raw.cursor() as cur, cur.copy(f"COPY event ({columns}) FROM STDIN (FORMAT csv)") as cp:
        for i in range(0, n, CHUNK):
            j = min(i + CHUNK, n)
            blob = [json.dumps(p) if p else "{}" for p in rows["props"][i:j]]
            cp.write(_csv(pa.table({
                "environment_id": pa.array([env_id] * (j - i), pa.int64()),
                "contact_id": pa.array(rows["cid"][i:j], pa.int64()),
                "client_id": pa.array(rows["key"][i:j], pa.string()),
                "session_id": pa.array(rows["sid"][i:j], pa.string()),
                "name": pa.array(rows["name"][i:j], pa.string()),
                "properties": pa.array(blob, pa.string()),
                "occurred_at": pa.array(rows["at"][i:j], pa.int64()).cast(
                    pa.timestamp("us", tz="UTC")),
                "received_at": pa.array([received] * (j - i), pa.string())})))


def _insert_events(session: Session, env_id: int, rows: dict[str, list[Any]]) -> None:
    """SQLite: ``executemany`` in big batches."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    received = dt.datetime.now(dt.UTC)
    n = len(rows["key"])
    for i in range(0, n, CHUNK):
        j = min(i + CHUNK, n)
        session.execute(insert(Event), [
            {"environment_id": env_id, "contact_id": c, "client_id": k, "session_id": s,
             "name": nm, "properties": p, "occurred_at": epoch + dt.timedelta(microseconds=a),
             "received_at": received}
            for c, k, s, nm, a, p in zip(rows["cid"][i:j], rows["key"][i:j], rows["sid"][i:j],
                                         rows["name"][i:j], rows["at"][i:j], rows["props"][i:j],
                                         strict=True)])
