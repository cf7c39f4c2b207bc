"""Bulk import of events, contacts and orders from CSV, JSONL or Parquet.

The file is read as a stream of small batches (bounded memory whatever its size) and
written in chunked inserts inside the caller's single transaction, so an import is
all-or-nothing: the first pass validates every row (errors name the row and column)
and only a clean file is written by the second pass. Re-importing the same file adds
nothing: events carry a content hash (or the file's ``event_id``) as ``client_id``,
orders their ``order_id``, contacts their ``user_id``; rows already stored are counted
as duplicates and skipped. Events and orders of contacts who denied or withdrew
consent are skipped, never stored. The file is only ever parsed, never executed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from surveyapp.models import ConsentState, Contact, Environment, Event
from surveyapp.models.segments import Order
from surveyapp.privacy.ids import stored_external_id

KINDS = ("events", "contacts", "orders")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
BATCH = 2000  # rows per read batch and per insert statement
MAX_ERRORS = 20
MAX_ID = 255
# Column names accepted for each field (first match wins); any other column becomes a
# property (events, orders) or an attribute (contacts).
ALIASES = {
    "user_id": ("user_id", "external_id", "userid", "user"),
    "timestamp": ("timestamp", "occurred_at", "time", "ts", "ordered_at", "date"),
    "event": ("event", "name", "event_name"),
    "event_id": ("event_id", "id"),
    "session_id": ("session_id", "session"),
    "order_id": ("order_id", "id"),
    "amount": ("amount", "revenue", "total", "value"),
    "currency": ("currency",),
    "properties": ("properties",),
    "attributes": ("attributes",),
}
REQUIRED = {"events": ("user_id", "timestamp", "event"), "contacts": ("user_id",),
            "orders": ("user_id", "order_id", "amount", "timestamp")}
OPTIONAL = {"events": ("event_id", "session_id", "properties"), "contacts": ("attributes",),
            "orders": ("currency", "properties")}
BLOCKED = {ConsentState.DENIED, ConsentState.OPTED_OUT}


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` are [{row, column, message}] (row 1 is the
    first data row; for CSV that is line 2)."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    skipped: int = 0  # no consent
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, kind: str) -> str:
        parts = [f"{self.rows:,} rows read", f"{self.inserted:,} {kind} added"]
        if self.updated:
            parts.append(f"{self.updated:,} updated")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already there")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (no consent)")
        return ", ".join(parts)


def file_format(name: str) -> str | None:
    return FORMATS.get(Path(name).suffix.lower())


def sniff(path: Path, fmt: str) -> str | None:
    """Why the file's content does not match its declared format (None: looks fine)."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    if fmt == "parquet":
        return None if head[:4] == b"PAR1" else "This is not a Parquet file."
    if b"\x00" in head:
        return "This looks like a binary file, not text."
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the end is fine
            return "The file is not UTF-8 text."
    return None


# ----------------------------------------------------------------------------- reading
def read_batches(path: Path, fmt: str) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """(row number, raw row) batches; row 1 is the first data row."""
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            batch: list[tuple[int, dict[str, Any]]] = []
            for n, row in enumerate(reader, 1):
                if None in row:
                    raise ImportFailed("Bad CSV", [{"row": n, "column": "",
                                                    "message": "more values than columns"}])
                batch.append((n, {k: v for k, v in row.items() if v not in (None, "")}))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
    elif fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as fh:
            batch = []
            n = 0
            for line in fh:
                if not line.strip():
                    continue
                n += 1
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    raise ImportFailed("Bad JSON", [{"row": n, "column": "",
                                                     "message": f"not valid JSON ({exc.msg})"}]
                                       ) from None
                if not isinstance(obj, dict):
                    raise ImportFailed("Bad JSON", [{"row": n, "column": "",
                                                     "message": "each line must be a JSON object"}])
                batch.append((n, {k: v for k, v in obj.items() if v is not None}))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            raise ImportFailed(f"This Parquet file cannot be read: {exc}") from None
        n = 0
        for record_batch in pf.iter_batches(batch_size=BATCH):
            rows = []
            for obj in record_batch.to_pylist():
                n += 1
                rows.append((n, {k: v for k, v in obj.items() if v is not None}))
            yield rows
    else:
        raise ImportFailed(f"Unknown file format {fmt!r}.")


def count_rows(path: Path, fmt: str) -> int | None:
    """Rows in the file, cheaply (for a progress bar); None if unknown."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # noqa: BLE001
            return None
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(lines - (1 if fmt == "csv" else 0), 0)


# ----------------------------------------------------------------------------- parsing
def _columns(kind: str, keys: set[str]) -> dict[str, str]:
    """Field -> column name present in the file."""
    out = {}
    for fld in REQUIRED[kind] + OPTIONAL[kind]:
        for alias in ALIASES[fld]:
            if alias in keys and alias not in out.values():
                out[fld] = alias
                break
    return out


def parse_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return parse_time(float(text))
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return _jsonable(value)
    obj = json.loads(value)
    if not isinstance(obj, dict):
        raise ValueError
    return _jsonable(obj)


def _scalar(value: Any) -> Any:
    """CSV cells are text: numbers and booleans become what they look like."""
    if not isinstance(value, str):
        return _jsonable(value)
    low = value.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() and "." not in value and "e" not in low else number


def parse_row(kind: str, cols: dict[str, str], raw: dict[str, Any]) -> dict[str, Any]:
    """A validated row, or ValueError(column, message)."""
    out: dict[str, Any] = {}
    for fld in REQUIRED[kind]:
        if fld not in cols or cols[fld] not in raw or str(raw[cols[fld]]).strip() == "":
            raise RowError(cols.get(fld, ALIASES[fld][0]), "required")
    known = set(cols.values())
    extra = {k: _scalar(v) for k, v in raw.items() if k not in known}
    user = str(raw[cols["user_id"]]).strip()
    if len(user) > MAX_ID:
        raise RowError(cols["user_id"], f"at most {MAX_ID} characters")
    out["user_id"] = user
    if kind in ("events", "orders"):
        try:
            out["at"] = parse_time(raw[cols["timestamp"]])
        except (ValueError, OverflowError, OSError):
            raise RowError(cols["timestamp"], "not a date and time (use ISO 8601, e.g. "
                           "2026-03-01T12:00:00Z, or epoch seconds)") from None
    blob_field = "attributes" if kind == "contacts" else "properties"
    blob: dict[str, Any] = {}
    if blob_field in cols and cols[blob_field] in raw:
        try:
            blob = _object(raw[cols[blob_field]])
        except (ValueError, TypeError):
            raise RowError(cols[blob_field], "must be a JSON object") from None
    out[blob_field] = {**extra, **blob}
    if kind == "events":
        name = str(raw[cols["event"]]).strip()
        if len(name) > 200:
            raise RowError(cols["event"], "at most 200 characters")
        out["name"] = name
        for fld in ("event_id", "session_id"):
            value = raw.get(cols.get(fld, ""))
            if value is not None and len(str(value)) > 64:
                raise RowError(cols[fld], "at most 64 characters")
            out[fld] = str(value) if value is not None else None
    if kind == "orders":
        order_id = str(raw[cols["order_id"]]).strip()
        if len(order_id) > 64:
            raise RowError(cols["order_id"], "at most 64 characters")
        out["order_id"] = order_id
        try:
            amount = float(raw[cols["amount"]])
        except (TypeError, ValueError):
            raise RowError(cols["amount"], "not a number") from None
        if not math.isfinite(amount) or amount < 0:
            raise RowError(cols["amount"], "a number of at least 0")
        out["amount"] = amount
        currency = raw.get(cols.get("currency", ""))
        if currency is not None and (len(str(currency)) != 3 or not str(currency).isalpha()):
            raise RowError(cols["currency"], "a three-letter code such as EUR")
        out["currency"] = str(currency).upper() if currency is not None else None
    return out


class RowError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def event_key(row: dict[str, Any]) -> str:
    """The natural key of an imported event: its own id, or a hash of its content."""
    if row.get("event_id"):
        return "imp:" + row["event_id"][:60]
    blob = json.dumps([row["user_id"], row["at"].isoformat(), row["name"], row["properties"]],
                      sort_keys=True, separators=(",", ":"))
    return "imp:" + hashlib.sha256(blob.encode()).hexdigest()[:60]


# ----------------------------------------------------------------------------- import
Progress = Callable[[float, str], None]


def validate(path: Path, fmt: str, kind: str, progress: Progress | None = None,
             total: int | None = None) -> int:
    """First pass: every row checked, nothing written. Raises ImportFailed with up to
    MAX_ERRORS row errors; returns the number of rows."""
    errors: list[dict[str, Any]] = []
    rows = 0
    cols: dict[str, str] | None = None
    for batch in read_batches(path, fmt):
        for n, raw in batch:
            rows = n
            if cols is None:
                cols = _columns(kind, set(raw))
                missing = [f for f in REQUIRED[kind] if f not in cols]
                if missing:
                    names = ", ".join(" or ".join(ALIASES[f][:2]) for f in missing)
                    raise ImportFailed(f"Missing column(s): {names}.", [
                        {"row": 0, "column": ALIASES[f][0], "message": "column missing"}
                        for f in missing])
            try:
                parse_row(kind, cols, raw)
            except RowError as exc:
                errors.append({"row": n, "column": exc.column, "message": exc.message})
                if len(errors) >= MAX_ERRORS:
                    break
        if len(errors) >= MAX_ERRORS:
            break
        if progress and total:
            progress(min(rows / total, 1.0), f"Checked {rows:,} rows")
    if errors:
        more = " (first 20 shown)" if len(errors) >= MAX_ERRORS else ""
        first = errors[0]
        raise ImportFailed(f"{len(errors)} row(s) are invalid{more}; nothing was imported. "
                           f"First: row {first['row']}, column “{first['column']}”: "
                           f"{first['message']}.", errors)
    if rows == 0:
        raise ImportFailed("The file has no rows.")
    return rows


def import_file(session: Session, env_id: int, kind: str, path: Path, fmt: str,
                progress: Progress | None = None) -> ImportResult:
    """Validate, then write everything in the caller's transaction (which it must commit,
    or roll back on any exception). ``progress(fraction, message)`` is called as it goes."""
    if kind not in KINDS:
        raise ImportFailed(f"Unknown import kind {kind!r} (one of {', '.join(KINDS)}).")
    total = count_rows(path, fmt)
    half = (lambda f, m: progress(f * 0.5, m)) if progress else None
    rows = validate(path, fmt, kind, half, total)
    result = ImportResult(rows=rows)
    cols: dict[str, str] | None = None
    done = 0
    writer = {"events": _write_events, "contacts": _write_contacts, "orders": _write_orders}[kind]
    stored_id = _id_mapper(session, env_id)
    for batch in read_batches(path, fmt):
        if cols is None:
            cols = _columns(kind, set(batch[0][1]))
        parsed = [parse_row(kind, cols, raw) for _, raw in batch]
        for row in parsed:
            row["user_id"] = stored_id(row["user_id"])
        writer(session, env_id, parsed, result)
        done += len(batch)
        if progress:
            progress(0.5 + 0.5 * done / max(rows, 1), f"Imported {done:,} of {rows:,} rows")
    return result


def _id_mapper(session: Session, env_id: int) -> Callable[[str], str]:
    """Product user id -> what ``contact.external_id`` holds (a keyed hash when the
    workspace stores hashed ids; see surveyapp/privacy/ids.py)."""
    workspace_id = session.scalar(select(Environment.workspace_id).where(Environment.id == env_id))
    return lambda user_id: stored_external_id(session, workspace_id, user_id)


def _contacts(session: Session, env_id: int, user_ids: set[str], create: bool = True
              ) -> dict[str, tuple[int, ConsentState]]:
    """external id -> (contact id, consent), creating the missing contacts."""
    found: dict[str, tuple[int, ConsentState]] = {}
    ids = sorted(user_ids)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for cid, ext, consent in session.execute(
                select(Contact.id, Contact.external_id, Contact.consent)
                .where(Contact.environment_id == env_id, Contact.external_id.in_(part))):
            found[ext] = (cid, consent)
    missing = [u for u in ids if u not in found]
    if missing and create:
        session.execute(insert(Contact), [{"environment_id": env_id, "external_id": u,
                                           "attributes": {}} for u in missing])
        for i in range(0, len(missing), 500):
            part = missing[i:i + 500]
            for cid, ext, consent in session.execute(
                    select(Contact.id, Contact.external_id, Contact.consent)
                    .where(Contact.environment_id == env_id, Contact.external_id.in_(part))):
                found[ext] = (cid, consent)
    return found


def _write_events(session: Session, env_id: int, rows: list[dict[str, Any]],
                  result: ImportResult) -> None:
    keyed: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = event_key(row)
        if key in keyed:
            result.duplicates += 1
        keyed[key] = row
    existing = set(session.scalars(select(Event.client_id).where(
        Event.environment_id == env_id, Event.client_id.in_(list(keyed)))))
    result.duplicates += len(existing)
    todo = {k: r for k, r in keyed.items() if k not in existing}
    contacts = _contacts(session, env_id, {r["user_id"] for r in todo.values()})
    out = []
    for key, row in todo.items():
        cid, consent = contacts[row["user_id"]]
        if consent in BLOCKED:
            result.skipped += 1
            continue
        out.append({"environment_id": env_id, "contact_id": cid, "client_id": key,
                    "session_id": row["session_id"], "name": row["name"],
                    "properties": row["properties"], "occurred_at": row["at"],
                    "received_at": dt.datetime.now(dt.UTC)})
    if out:
        session.execute(insert(Event), out)
    result.inserted += len(out)


def _write_orders(session: Session, env_id: int, rows: list[dict[str, Any]],
                  result: ImportResult) -> None:
    keyed: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["order_id"] in keyed:
            result.duplicates += 1
        keyed[row["order_id"]] = row
    existing = set(session.scalars(select(Order.external_id).where(
        Order.environment_id == env_id, Order.external_id.in_(list(keyed)))))
    result.duplicates += len(existing)
    todo = [r for k, r in keyed.items() if k not in existing]
    contacts = _contacts(session, env_id, {r["user_id"] for r in todo})
    out = []
    for row in todo:
        cid, consent = contacts[row["user_id"]]
        if consent in BLOCKED:
            result.skipped += 1
            continue
        out.append({"environment_id": env_id, "contact_id": cid, "external_id": row["order_id"],
                    "amount": row["amount"], "currency": row["currency"],
                    "properties": row["properties"], "ordered_at": row["at"]})
    if out:
        session.execute(insert(Order), out)
    result.inserted += len(out)


def _write_contacts(session: Session, env_id: int, rows: list[dict[str, Any]],
                    result: ImportResult) -> None:
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        merged[row["user_id"]] = {**merged.get(row["user_id"], {}), **row["attributes"]}
    current = {}
    ids = sorted(merged)
    for i in range(0, len(ids), 500):
        for cid, ext, attrs in session.execute(
                select(Contact.id, Contact.external_id, Contact.attributes)
                .where(Contact.environment_id == env_id, Contact.external_id.in_(ids[i:i + 500]))):
            current[ext] = (cid, attrs or {})
    new = [{"environment_id": env_id, "external_id": u, "attributes": a}
           for u, a in merged.items() if u not in current]
    if new:
        session.execute(insert(Contact), new)
    result.inserted += len(new)
    changes = []
    for ext, (cid, attrs) in current.items():
        updated = {**attrs, **merged[ext]}
        if updated != attrs:
            changes.append({"id": cid, "attributes": updated})
        else:
            result.duplicates += 1
    if changes:
        session.execute(update(Contact), changes)
    result.updated += len(changes)


def write_upload(stream: io.BufferedIOBase | Any, dest: Path, limit: int) -> int:
    """Copy an upload to ``dest`` in chunks, refusing more than ``limit`` bytes."""
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                dest.unlink(missing_ok=True)
                raise ImportFailed(f"The file is larger than {limit // (1 << 20)} MB.")
            out.write(chunk)
    return size
