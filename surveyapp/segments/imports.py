"""Bulk import of events, contacts and orders from CSV, JSONL or Parquet.

The file is read as a stream of small batches and written in chunked inserts inside the
caller's single transaction, so an import is all-or-nothing: the first pass validates
every row (errors name the line, or the row, and the column; the count of invalid rows is
the true one) and only a clean file is written by the second pass.

* **Timestamps** are read the same way for the whole column, decided by the first pass:
  ISO 8601 dates (basic ``19970101``, ``19970101T120000Z`` or extended ``1997-01-01``,
  ``1997-01-01T12:00:00+02:00``; no zone means UTC), or -- only when the values are
  numbers -- epoch seconds or milliseconds between 2000 and 2100. A number of eight digits
  is a ``YYYYMMDD`` date, never seconds. Rows that do not fit the column's reading are
  refused; the result says which reading was used.
* **Orders** may come as line items (several rows per order id): the lines are summed
  into the order (amount, or unit price x quantity; quantity summed; the order's time is
  its earliest line's). A file holds whole orders: an order already stored is replaced by
  the file's total for it, so re-importing the same file changes nothing and a re-export
  with more lines updates the total.
* **Duplicates.** Events carry a content hash (or the file's ``event_id``) as
  ``client_id``, contacts their ``user_id``; rows already stored before this import are
  "already there", rows that repeat another row of the same file are counted as repeats
  (and stored once). An event stored without a session id gets the one a re-import
  brings (counted as updated), so a log imported before its sessions were known can be
  completed by importing it again.
* **CSV** files are read with the delimiter they use (``,``, ``;``, tab or ``|``, sniffed
  from the first lines).

Events and orders of contacts who denied or withdrew consent are skipped, never stored.
The file is only ever parsed, never executed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from surveyapp.models import ConsentState, Contact, Environment, Event
from surveyapp.models.segments import Order
from surveyapp.privacy.ids import stored_external_id

KINDS = ("events", "contacts", "orders")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
BATCH = 2000  # rows per read batch and per insert statement
MAX_ERRORS = 20
MAX_ID = 255
# Column names accepted for each field (first match wins; compared ignoring case, spaces,
# "_" and "-", so ``CustomerID`` is ``customer_id``). Any other column becomes a property
# (events, orders) or an attribute (contacts).
ALIASES = {
    "user_id": ("user_id", "external_id", "userid", "user", "customer_id", "customer"),
    "timestamp": ("timestamp", "occurred_at", "time", "ts", "ordered_at", "date",
                  "invoice_date", "order_date"),
    "event": ("event", "name", "event_name"),
    "event_id": ("event_id", "id"),
    "session_id": ("session_id", "session"),
    "order_id": ("order_id", "id", "invoice_id", "invoice_no", "invoice", "order_no",
                 "order_number"),
    "amount": ("amount", "revenue", "total", "value", "line_total"),
    "unit_price": ("unit_price", "price"),
    "quantity": ("quantity", "qty"),
    "currency": ("currency",),
    "properties": ("properties",),
    "attributes": ("attributes",),
}
# Orders need an amount, or a unit price (times the quantity, 1 without one): see _plan.
REQUIRED = {"events": ("user_id", "timestamp", "event"), "contacts": ("user_id",),
            "orders": ("user_id", "order_id", "timestamp")}
OPTIONAL = {"events": ("event_id", "session_id", "properties"), "contacts": ("attributes",),
            "orders": ("amount", "unit_price", "quantity", "currency", "properties")}
BLOCKED = {ConsentState.DENIED, ConsentState.OPTED_OUT}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "“|”"}

# Timestamp readings of a column. Epoch numbers are only believed between these dates:
# anything else (19970101 read as seconds is 1970-08-20) is a misreading, not a time.
DATES, TYPED, SECONDS, MILLIS = "dates", "typed", "seconds", "milliseconds"
READINGS = {DATES: "ISO 8601 dates", TYPED: "the file's own date/time values",
            SECONDS: "epoch seconds", MILLIS: "epoch milliseconds"}
EPOCH_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
EPOCH_TO = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_ISO = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{8})"
                  r"(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?"
                  r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
TIME_HELP = ("use ISO 8601, e.g. 2026-03-01T12:00:00Z, 2026-03-01 or 20260301, "
             "or a column of epoch seconds")


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` are [{row, line, column, message}] (row 1
    is the first data row; ``line`` is the line of the file, for CSV and JSONL)."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0  # already stored before this import
    repeats: int = 0  # rows that repeat another row of this file
    skipped: int = 0  # no consent
    lines: int = 0  # orders: distinct lines summed into the orders
    reading: str | None = None  # how the timestamp column was read (READINGS)
    delimiter: str | None = None  # CSV: the column separator
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def timestamps(self) -> str | None:
        return READINGS[self.reading] if self.reading else None

    @property
    def separator(self) -> str | None:
        return DELIMITER_NAMES.get(self.delimiter or "")

    def summary(self, kind: str) -> str:
        parts = [f"{self.rows:,} rows read", f"{self.inserted:,} {kind} added"]
        if self.updated:
            parts.append(f"{self.updated:,} updated")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already there")
        if self.repeats:
            parts.append(f"{self.repeats:,} rows repeat another row of this file "
                         "(counted once)")
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped (no consent)")
        orders = self.inserted + self.updated + self.duplicates + self.skipped
        if kind == "orders" and self.lines > orders:
            parts.append(f"{self.lines:,} lines summed into {orders:,} orders")
        if self.timestamps:
            parts.append(f"timestamps read as {self.timestamps}")
        if self.delimiter and self.delimiter != ",":
            parts.append(f"columns separated by {self.separator}")
        return ", ".join(parts)

    def details(self) -> dict[str, Any]:
        """What the import page shows besides the counts stored on the import."""
        return {"repeats": self.repeats, "lines": self.lines, "timestamps": self.timestamps,
                "separator": self.separator if self.delimiter not in (None, ",") else None}


@dataclass
class Plan:
    """How to read the file: decided by the first pass, used by the second."""

    kind: str
    cols: dict[str, str]  # field -> column of the file
    delimiter: str | None = None  # CSV only
    reading: str | None = None  # the timestamp column's reading

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter not in (None, ",")


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
def sniff_delimiter(path: Path) -> str:
    """The CSV column separator: of , ; tab and |, the one that splits the header into
    the most columns with the same number of values on the first lines (a comma when
    none splits the header)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        sample = fh.read(65536)
        complete = not fh.read(1)
    lines = sample.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # perhaps cut in the middle
    lines = lines[:50]
    best, best_score = ",", (False, 1)
    for delimiter in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        if not widths or widths[0] < 2:
            continue
        score = (all(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


Raw = tuple[int, int | None, dict[str, Any]]  # (row, line, values)


def read_header(path: Path, fmt: str, delimiter: str | None) -> list[str] | None:
    """The file's column names (None for JSON Lines, whose keys vary by line)."""
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return [str(c).strip() for c in next(csv.reader(fh, delimiter=delimiter or ","), [])]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            raise ImportFailed(f"This Parquet file cannot be read: {exc}") from None
    return None


def read_batches(path: Path, fmt: str, delimiter: str | None = None) -> Iterator[list[Raw]]:
    """(row number, line number, raw row) batches; row 1 is the first data row. Empty
    values are left out."""
    if fmt == "csv":
        sep = delimiter or ","
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh, delimiter=sep)
            batch: list[Raw] = []
            for n, row in enumerate(reader, 1):
                if None in row:
                    width = len(reader.fieldnames or ()) + len(row[None])
                    raise ImportFailed("Bad CSV", [{
                        "row": n, "line": reader.line_num, "column": "",
                        "message": f"{width} values separated by {DELIMITER_NAMES[sep]}, but "
                                   f"the header has {len(reader.fieldnames or ())} columns"}])
                values = {k.strip(): v for k, v in row.items() if v not in (None, "")}
                batch.append((n, reader.line_num, values))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
    elif fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as fh:
            batch = []
            n = 0
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                n += 1
                where = {"row": n, "line": number, "column": ""}
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    why = getattr(exc, "msg", str(exc))
                    raise ImportFailed("Bad JSON", [{**where, "message": f"not valid JSON "
                                                                         f"({why})"}]
                                       ) from None
                if not isinstance(obj, dict):
                    raise ImportFailed("Bad JSON", [{**where, "message": "each line must be "
                                                                         "a JSON object"}])
                batch.append((n, number, {k: v for k, v in obj.items() if v is not None}))
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
            rows: list[Raw] = []
            for obj in record_batch.to_pylist():
                n += 1
                rows.append((n, None, {k: v for k, v in obj.items() if v is not None}))
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
def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


def _columns(kind: str, keys: list[str]) -> dict[str, str]:
    """Field -> column name present in the file."""
    by_norm: dict[str, str] = {}
    for key in keys:
        by_norm.setdefault(_norm(key), key)
    out: dict[str, str] = {}
    for fld in REQUIRED[kind] + OPTIONAL[kind]:
        for alias in ALIASES[fld]:
            column = by_norm.get(_norm(alias))
            if column is not None and column not in out.values():
                out[fld] = column
                break
    if "amount" in out:
        out.pop("unit_price", None)  # the line's own total wins; a price stays a property
    return out


def _plan(kind: str, keys: list[str], delimiter: str | None) -> Plan:
    cols = _columns(kind, keys)
    missing = [f for f in REQUIRED[kind] if f not in cols]
    names = [" or ".join(ALIASES[f][:2]) for f in missing]
    if kind == "orders" and "amount" not in cols and "unit_price" not in cols:
        missing.append("amount")
        names.append("amount (or unit_price, with quantity)")
    if missing:
        message = f"Missing column(s): {', '.join(names)}."
        if delimiter is not None:
            if len(keys) <= 1:
                message += (f" The header was read as one column (“{keys[0] if keys else ''}”): "
                            "separate the columns with commas, semicolons, tabs or “|”.")
            else:
                message += (f" Columns found (separated by {DELIMITER_NAMES[delimiter]}): "
                            f"{', '.join(keys[:12])}.")
        raise ImportFailed(message, [{"row": 0, "line": None, "column": ALIASES[f][0], "message": "column missing"}
                                     for f in missing])
    return Plan(kind, cols, delimiter)


class RowError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def read_time(value: Any) -> tuple[str, dt.datetime]:
    """(reading, UTC datetime) of one timestamp value; ValueError(message) if it is none.

    Numbers are read by their size: eight digits are a YYYYMMDD date; otherwise epoch
    seconds, or milliseconds, between 2000 and 2100. Which one applies to the column is
    decided over all its values (see ``validate``)."""
    if isinstance(value, dt.datetime):
        at = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return TYPED, at
    if isinstance(value, dt.date):
        return TYPED, dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, bool):
        raise ValueError(f"not a date and time ({TIME_HELP})")
    text = str(value).strip()
    if isinstance(value, int | float) or _NUMBER.fullmatch(text):
        try:
            number = float(value if isinstance(value, int | float) else text)
        except ValueError:
            raise ValueError(f"not a date and time ({TIME_HELP})") from None
        if not math.isfinite(number):
            raise ValueError(f"not a date and time ({TIME_HELP})")
        if number.is_integer() and 10_000_000 <= number < 100_000_000:
            digits = str(int(number))
            try:
                day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                raise ValueError(f"not a date and time: {text} is no YYYYMMDD date "
                                 f"({TIME_HELP})") from None
            return DATES, dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        for reading, seconds in ((SECONDS, number), (MILLIS, number / 1000)):
            if EPOCH_FROM.timestamp() <= seconds < EPOCH_TO.timestamp():
                return reading, dt.datetime.fromtimestamp(seconds, dt.UTC)
        raise ValueError(f"not a date and time: {text} is a number but neither a YYYYMMDD "
                         "date nor epoch seconds or milliseconds between 2000 and 2100")
    if not _ISO.fullmatch(text):
        raise ValueError(f"not a date and time ({TIME_HELP})")
    try:
        parsed = dt.datetime.fromisoformat(text.upper())
    except ValueError as exc:
        raise ValueError(f"not a date and time: {exc} ({TIME_HELP})") from None
    at = parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    return DATES, at


def _fits(found: str, reading: str) -> bool:
    """A value read as ``found`` belongs in a column read as ``reading``."""
    return found == reading or {found, reading} <= {DATES, TYPED}


def choose_reading(counts: Counter[str]) -> str | None:
    """The column's reading: the one most values have (dates first on a tie), dates and the
    file's own date/time values counting together."""
    if not counts:
        return None
    dates = counts[DATES] + counts[TYPED]
    options = [(dates, 2, DATES if counts[DATES] else TYPED), (counts[SECONDS], 1, SECONDS),
               (counts[MILLIS], 0, MILLIS)]
    return max(options)[2]


def parse_time(value: Any, reading: str | None = None) -> dt.datetime:
    """One timestamp as an aware UTC datetime (ValueError if it is none, or does not fit
    the column's ``reading``)."""
    found, at = read_time(value)
    if reading is not None and not _fits(found, reading):
        raise ValueError(f"reads as {READINGS[found]}, not {READINGS[reading]}")
    return at


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


def _number(plan: Plan, fld: str, raw: dict[str, Any]) -> float:
    """A number of at least 0 (a decimal comma is fine in a file not separated by commas)."""
    column = plan.cols[fld]
    value = raw.get(column)
    if value is None or str(value).strip() == "":
        raise RowError(column, "required")
    if isinstance(value, str):
        value = value.strip()
        if plan.decimal_comma and _DECIMAL_COMMA.fullmatch(value):
            value = value.replace(",", ".")
    if isinstance(value, bool):
        raise RowError(column, "not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RowError(column, "not a number") from None
    if not math.isfinite(number) or number < 0:
        raise RowError(column, "a number of at least 0")
    return number


def parse_row(plan: Plan, raw: dict[str, Any]) -> dict[str, Any]:
    """A validated row (with the ``reading`` of its timestamp), or RowError(column,
    message). With ``plan.reading`` set, a timestamp that does not fit it is an error."""
    kind, cols = plan.kind, plan.cols
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
            out["reading"], out["at"] = read_time(raw[cols["timestamp"]])
        except (ValueError, OverflowError, OSError) as exc:
            raise RowError(cols["timestamp"], str(exc) or "not a date and time") from None
        if plan.reading is not None and not _fits(out["reading"], plan.reading):
            raise RowError(cols["timestamp"], _misfit(raw[cols["timestamp"]], out["reading"],
                                                      plan.reading))
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
        quantity = _number(plan, "quantity", raw) if "quantity" in cols else None
        if "amount" in cols:
            out["amount"] = _number(plan, "amount", raw)
        else:
            out["amount"] = _number(plan, "unit_price", raw) * (1 if quantity is None else quantity)
        out["quantity"] = quantity
        currency = raw.get(cols.get("currency", ""))
        if currency is not None and (len(str(currency)) != 3 or not str(currency).isalpha()):
            raise RowError(cols["currency"], "a three-letter code such as EUR")
        out["currency"] = str(currency).upper() if currency is not None else None
    return out


def _misfit(value: Any, found: str, reading: str) -> str:
    return (f"{str(value)[:40]} reads as {READINGS[found]}, but the rest of the column "
            f"reads as {READINGS[reading]}: write the whole column one way")


def event_key(row: dict[str, Any]) -> str:
    """The natural key of an imported event: its own id, or a hash of its content."""
    if row.get("event_id"):
        return "imp:" + row["event_id"][:60]
    blob = json.dumps([row["user_id"], row["at"].isoformat(), row["name"], row["properties"]],
                      sort_keys=True, separators=(",", ":"))
    return "imp:" + hashlib.sha256(blob.encode()).hexdigest()[:60]


def _where(n: int, line: int | None) -> str:
    return f"line {line}" if line else f"row {n}"


# ----------------------------------------------------------------------------- import
Progress = Callable[[float, str], None]


def validate(path: Path, fmt: str, kind: str, progress: Progress | None = None,
             total: int | None = None) -> tuple[int, Plan]:
    """First pass: every row checked, nothing written; decides how to read the file (the
    CSV delimiter, the timestamp column's reading). Raises ImportFailed with the number of
    invalid rows and the first MAX_ERRORS errors; returns the number of rows and the plan."""
    delimiter = sniff_delimiter(path) if fmt == "csv" else None
    header = read_header(path, fmt, delimiter)
    if header == []:
        raise ImportFailed("The file has no rows.")
    plan = _plan(kind, header, delimiter) if header is not None else None
    errors: list[dict[str, Any]] = []
    invalid = rows = 0
    readings: Counter[str] = Counter()
    samples: dict[str, list[tuple[int, int | None, Any]]] = {}  # reading -> first rows
    owners: dict[str, tuple[str, str | None, int, int | None]] = {}  # orders: first line
    for batch in read_batches(path, fmt, delimiter):
        if plan is None:  # JSON Lines: the columns of the first rows
            plan = _plan(kind, list(dict.fromkeys(k for _, _, raw in batch for k in raw)), None)
        for n, line, raw in batch:
            rows = n
            try:
                row = parse_row(plan, raw)
                if kind == "orders":
                    _same_order(plan, row, n, line, owners)
            except RowError as exc:
                invalid += 1
                if len(errors) < MAX_ERRORS:
                    errors.append({"row": n, "line": line, "column": exc.column,
                                   "message": exc.message})
                continue
            if "reading" in row:
                readings[row["reading"]] += 1
                kept = samples.setdefault(row["reading"], [])
                if len(kept) < MAX_ERRORS:
                    kept.append((n, line, raw[plan.cols["timestamp"]]))
        if progress and total:
            progress(min(rows / total, 1.0), f"Checked {rows:,} rows")
    if plan is not None and "timestamp" in plan.cols:
        plan.reading = choose_reading(readings)
        for found, count in readings.items():
            if plan.reading is not None and not _fits(found, plan.reading):
                invalid += count
                errors += [{"row": n, "line": line, "column": plan.cols["timestamp"],
                            "message": _misfit(value, found, plan.reading)}
                           for n, line, value in samples[found]]
    if invalid:
        errors = sorted(errors, key=lambda e: e["row"])[:MAX_ERRORS]
        first = errors[0]
        listed = f" (the first {len(errors)} are listed)" if invalid > len(errors) else ""
        noun = "1 row is" if invalid == 1 else f"{invalid:,} rows are"
        raise ImportFailed(f"{noun} invalid{listed}; nothing was imported. First: "
                           f"{_where(first['row'], first['line'])}, column “{first['column']}”: "
                           f"{first['message']}.", errors)
    if rows == 0 or plan is None:
        raise ImportFailed("The file has no rows.")
    return rows, plan


def _same_order(plan: Plan, row: dict[str, Any], n: int, line: int | None,
                owners: dict[str, tuple[str, str | None, int, int | None]]) -> None:
    """Lines of one order belong to one user and are in one currency."""
    first = owners.setdefault(row["order_id"], (row["user_id"], row["currency"], n, line))
    where = _where(first[2], first[3])
    if first[0] != row["user_id"]:
        raise RowError(plan.cols["user_id"], f"order {row['order_id']} belongs to "
                                             f"{first[0]} ({where}): one order, one user")
    if first[1] != row["currency"]:
        raise RowError(plan.cols.get("currency", "currency"),
                       f"order {row['order_id']} is in {first[1] or 'no currency'} ({where}): "
                       "all lines of an order in one currency")


# The pyarrow fast path for events CSV (bulk_events.try_import), set by the area's
# init_app: bulk_events builds on this module, so this one does not import it.
FAST_EVENTS_CSV: Any = None


def import_file(session: Session, env_id: int, kind: str, path: Path, fmt: str,
                progress: Progress | None = None) -> ImportResult:
    """Validate, then write everything in the caller's transaction (which it must commit,
    or roll back on any exception). ``progress(fraction, message)`` is called as it goes."""
    if kind not in KINDS:
        raise ImportFailed(f"Unknown import kind {kind!r} (one of {', '.join(KINDS)}).")
    if kind == "events" and fmt == "csv" and FAST_EVENTS_CSV is not None:
        fast = FAST_EVENTS_CSV(session, env_id, path, progress)
        if fast is not None:
            return fast
    total = count_rows(path, fmt)
    half = (lambda f, m: progress(f * 0.5, m)) if progress else None
    rows, plan = validate(path, fmt, kind, half, total)
    result = ImportResult(rows=rows, reading=plan.reading, delimiter=plan.delimiter)
    writers = {"events": _Events, "contacts": _Contacts, "orders": _Orders}
    writer = writers[kind](session, env_id, result)
    stored_id = _id_mapper(session, env_id)
    done = 0
    for batch in read_batches(path, fmt, plan.delimiter):
        parsed = []
        for n, line, raw in batch:
            try:
                row = parse_row(plan, raw)
            except RowError as exc:  # the file changed between the passes
                raise ImportFailed(f"{_where(n, line)} changed while it was imported: "
                                   f"{exc.message}; nothing was imported.") from None
            row["user_id"] = stored_id(row["user_id"])
            parsed.append(row)
        writer.write(parsed)
        done += len(batch)
        if progress:
            progress(0.5 + 0.5 * done / max(rows, 1), f"Imported {done:,} of {rows:,} rows")
    writer.finish()
    return result


def _id_mapper(session: Session, env_id: int) -> Callable[[str], str]:
    """Product user id -> what ``contact.external_id`` holds (a keyed hash when the
    workspace stores hashed ids; see surveyapp/privacy/ids.py)."""
    workspace_id = session.scalar(select(Environment.workspace_id).where(Environment.id == env_id))
    if workspace_id is None:
        raise ImportFailed("The environment no longer exists.")
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


class _Writer:
    def __init__(self, session: Session, env_id: int, result: ImportResult) -> None:
        self.session, self.env_id, self.result = session, env_id, result

    def write(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last batch."""


class _Events(_Writer):
    """Keyed by ``client_id``. An event found with an id above the largest one before the
    import was written by this import: its row repeats an earlier row of the file."""

    def __init__(self, session: Session, env_id: int, result: ImportResult) -> None:
        super().__init__(session, env_id, result)
        self.before = session.scalar(select(func.max(Event.id))) or 0
        self.analysed = _analyse_events(session, -1)

    def write(self, rows: list[dict[str, Any]]) -> None:
        session, env_id, result = self.session, self.env_id, self.result
        self.analysed = _analyse_events(session, self.analysed, result.inserted)
        keyed: dict[str, dict[str, Any]] = {}
        for row in rows:
            key = event_key(row)
            if key in keyed:
                result.repeats += 1
            else:
                keyed[key] = row
        existing: dict[str | None, int] = {}
        fill = []  # a re-import fills in the session id an earlier import lacked (#22)
        for key, event_id, sid in session.execute(
                select(Event.client_id, Event.id, Event.session_id).where(
                    Event.environment_id == env_id, Event.client_id.in_(list(keyed)))):
            existing[key] = event_id
            if event_id > self.before:
                result.repeats += 1
            elif sid is None and key is not None and keyed[key].get("session_id"):
                fill.append({"eid": event_id, "sid": keyed[key]["session_id"]})
                result.updated += 1
            else:
                result.duplicates += 1
        if fill:
            table = Event.__table__
            assert isinstance(table, Table)
            session.execute(update(table).where(table.c.id == bindparam("eid"))
                            .values(session_id=bindparam("sid")), fill)
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
            _insert_events(session, out)
        result.inserted += len(out)


EVENT_COLUMNS = ("environment_id", "contact_id", "client_id", "session_id", "name",
                 "properties", "occurred_at", "received_at")


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert events in the session's transaction: by COPY on PostgreSQL (about 20 times
    fewer round trips and parameter conversions than a multi-row INSERT; #22), else by
    ``executemany``."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(Event), rows)
        return
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row([json.dumps(row[c]) if c == "properties" else row[c]
                          for c in EVENT_COLUMNS])


def _analyse_events(session: Session, analysed: int, written: int = 0) -> int:
    """Keep PostgreSQL's statistics of ``event`` and ``contact`` true while an import grows
    them (#22).

    Without them (a fresh or freshly loaded table; autovacuum cannot see this transaction's
    rows) the planner takes the tables for tiny and answers the duplicate check
    (``client_id = ANY(...)``) by reading every event of the environment through the time
    index, and the contact look-up every contact, once per batch: quadratic (164k events
    did not finish in 900 s). ANALYZE sees
    the transaction's own rows; run at the start and whenever the rows written since the
    last run have doubled, it costs a sample per doubling. Returns the rows written at the
    last run. SQLite plans by rule and needs nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return written
    if analysed < 0 or written >= 2 * max(analysed, 10_000):
        session.execute(text("ANALYZE event, contact"))
        return written
    return analysed


@dataclass
class _Lines:
    """The lines of one order read so far."""

    user_id: str
    currency: str | None
    at: dt.datetime
    amount: float
    quantity: float | None
    lines: int
    properties: dict[str, Any]

    def add(self, row: dict[str, Any]) -> None:
        self.at = min(self.at, row["at"])
        self.amount += row["amount"]
        if self.quantity is not None:
            self.quantity += row["quantity"]
        self.lines += 1
        self.properties = _common(self.properties, row["properties"])


META = ("lines", "quantity")  # order properties the importer writes


def _common(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Properties on which two lines agree (a product or a description differs by line)."""
    return {k: v for k, v in a.items() if k in b and b[k] == v}


def _fingerprint(row: dict[str, Any]) -> int:
    blob = json.dumps([row["order_id"], row["user_id"], row["at"].isoformat(), row["amount"],
                       row["quantity"], row["currency"], row["properties"]],
                      sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(blob.encode(), digest_size=8).digest(), "big")


def _whole(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if value.is_integer() else value


class _Orders(_Writer):
    """Lines summed into orders keyed by ``order_id``.

    A file holds whole orders: the first time this import meets an order that was stored
    before, the order is replaced by the file's lines for it (later batches add their
    lines), so the same file imported twice changes nothing and a re-export with more
    lines updates the total. Lines that repeat another line of the file exactly are
    counted once. Memory: a 64-bit fingerprint per line and the ids of the file's orders.
    """

    def __init__(self, session: Session, env_id: int, result: ImportResult) -> None:
        super().__init__(session, env_id, result)
        self.seen: set[int] = set()  # fingerprints of the lines read
        self.mine: set[str] = set()  # orders this import wrote
        self.blocked: set[str] = set()  # orders skipped: no consent
        self.before: dict[str, tuple[Any, ...]] = {}  # stored orders replaced, as they were

    def write(self, rows: list[dict[str, Any]]) -> None:
        session, env_id, result = self.session, self.env_id, self.result
        orders: dict[str, _Lines] = {}
        for row in rows:
            fingerprint = _fingerprint(row)
            if fingerprint in self.seen:
                result.repeats += 1
                continue
            self.seen.add(fingerprint)
            result.lines += 1
            if row["order_id"] in orders:
                orders[row["order_id"]].add(row)
            else:
                orders[row["order_id"]] = _Lines(row["user_id"], row["currency"], row["at"],
                                                 row["amount"], row["quantity"], 1,
                                                 row["properties"])
        todo = {k: o for k, o in orders.items() if k not in self.blocked}
        if not todo:
            return
        stored = {o.external_id: o for o in session.execute(
            select(Order.id, Order.external_id, Order.contact_id, Order.amount, Order.currency,
                   Order.properties, Order.ordered_at)
            .where(Order.environment_id == env_id, Order.external_id.in_(list(todo))))}
        contacts = _contacts(session, env_id, {o.user_id for o in todo.values()})
        new, changes = [], []
        for order_id, lines in todo.items():
            cid, consent = contacts[lines.user_id]
            old = stored.get(order_id)
            if order_id in self.mine and old is not None:  # more lines of an order of this file
                props = {k: v for k, v in (old.properties or {}).items() if k not in META}
                count = int((old.properties or {}).get("lines", 1)) + lines.lines
                quantity = None if lines.quantity is None else (
                    (old.properties or {}).get("quantity", 0) + lines.quantity)
                changes.append(self._values(
                    lines, cid, amount=old.amount + lines.amount, quantity=quantity,
                    count=count, at=min(old.ordered_at, lines.at),
                    props=_common(props, lines.properties), id=old.id))
                continue
            if consent in BLOCKED:
                self.blocked.add(order_id)
                result.skipped += 1
                continue
            self.mine.add(order_id)
            values = self._values(lines, cid, amount=lines.amount, quantity=lines.quantity,
                                  count=lines.lines, at=lines.at, props=lines.properties)
            if old is None:
                new.append({"environment_id": env_id, "external_id": order_id, **values})
            else:
                self.before[order_id] = _signature(old)
                changes.append({"id": old.id, **values})
        if new:
            session.execute(insert(Order), new)
        if changes:
            session.execute(update(Order), changes)
        result.inserted += len(new)

    @staticmethod
    def _values(lines: _Lines, cid: int, amount: float, quantity: float | None, count: int,
                at: dt.datetime, props: dict[str, Any], **extra: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if count > 1:
            meta["lines"] = count
        if quantity is not None:
            meta["quantity"] = _whole(quantity)
        return {"contact_id": cid, "amount": round(amount, 6), "currency": lines.currency,
                "properties": {**props, **meta}, "ordered_at": at, **extra}

    def finish(self) -> None:
        """Orders stored before: unchanged ones were already there, the others updated."""
        ids = list(self.before)
        for i in range(0, len(ids), 500):
            for now in self.session.execute(
                    select(Order.id, Order.external_id, Order.contact_id, Order.amount,
                           Order.currency, Order.properties, Order.ordered_at)
                    .where(Order.environment_id == self.env_id,
                           Order.external_id.in_(ids[i:i + 500]))):
                if _signature(now) == self.before[now.external_id]:
                    self.result.duplicates += 1
                else:
                    self.result.updated += 1


def _signature(order: Any) -> tuple[Any, ...]:
    return (order.contact_id, round(order.amount, 6), order.currency,
            order.ordered_at.astimezone(dt.UTC),
            json.dumps(order.properties or {}, sort_keys=True))


class _Contacts(_Writer):
    """Keyed by ``user_id``; later rows of a user merge into the contact (later values
    win). A row that adds nothing to a contact of this file is a repeat."""

    def __init__(self, session: Session, env_id: int, result: ImportResult) -> None:
        super().__init__(session, env_id, result)
        self.before = session.scalar(select(func.max(Contact.id))) or 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        session, env_id, result = self.session, self.env_id, self.result
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            user = row["user_id"]
            if user in merged:
                attrs = {**merged[user], **row["attributes"]}
                if attrs == merged[user]:
                    result.repeats += 1
                merged[user] = attrs
            else:
                merged[user] = row["attributes"]
        current = {}
        ids = sorted(merged)
        for i in range(0, len(ids), 500):
            for cid, ext, attrs in session.execute(
                    select(Contact.id, Contact.external_id, Contact.attributes)
                    .where(Contact.environment_id == env_id,
                           Contact.external_id.in_(ids[i:i + 500]))):
                current[ext] = (cid, attrs or {})
        new = [{"environment_id": env_id, "external_id": u, "attributes": a}
               for u, a in merged.items() if u not in current]
        if new:
            session.execute(insert(Contact), new)
        result.inserted += len(new)
        changes = []
        for ext, (cid, attrs) in current.items():
            updated = {**attrs, **merged[ext]}
            ours = cid > self.before  # added by an earlier batch of this file
            if updated != attrs:
                changes.append({"id": cid, "attributes": updated})
                if not ours:
                    result.updated += 1
            elif ours:
                result.repeats += 1
            else:
                result.duplicates += 1
        if changes:
            session.execute(update(Contact), changes)


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
