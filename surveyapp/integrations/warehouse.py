"""Scheduled, incremental Parquet exports of a workspace to a directory or an
S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...), for a warehouse or DuckDB.

Layout (Hive-style partitions, which DuckDB, Spark, Athena, BigQuery and Snowflake
external tables read as columns)::

    <location>/<table>/date=<YYYY-MM-DD>/part-<first>-<last>.parquet

Tables and their columns are ``SCHEMAS`` (docs/integrations.md lists them). Each run
writes only what is new since the last one:

- ``events``, ``annotations``: rows with an id above the table's cursor;
- ``responses``: rows *changed* since the cursor (``updated_at``), so a response that
  was finished after the last run comes again: keep the row with the latest
  ``updated_at`` per ``id`` (the DuckDB example in the docs does);
- ``segments``: the saved segmentation's memberships, once per saved run (``run_id``).

A file's name is its first and last key, so a run that failed half-way and is run again
rewrites the same files instead of adding copies; a table's cursor moves only after its
file is written. Rows are read in chunks (``CHUNK``), never a whole table at once.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Environment,
    Event,
    Response,
    SurveyVersion,
    utcnow,
)
from surveyapp.models.integrations import WarehouseExport, WarehouseRun
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

from .errors import IntegrationInvalid

CHUNK = 50_000
CODE = Path(__file__).resolve().parents[1]  # the surveyapp package
TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "responses": pa.schema([
        ("id", pa.int64()), ("survey_id", pa.int64()), ("version", pa.int32()),
        ("environment", pa.string()), ("contact", pa.string()), ("finished", pa.bool_()),
        ("answers", pa.string()), ("meta", pa.string()), ("created_at", TS),
        ("updated_at", TS), ("finished_at", TS)]),
    "annotations": pa.schema([
        ("id", pa.int64()), ("response_id", pa.int64()), ("survey_id", pa.int64()),
        ("question_id", pa.string()), ("kind", pa.string()), ("theme", pa.int32()),
        ("sentiment", pa.string()), ("sentiment_score", pa.float64()), ("created_at", TS)]),
    "segments": pa.schema([
        ("run_id", pa.int64()), ("segment_id", pa.int64()), ("segment_key", pa.string()),
        ("segment_name", pa.string()), ("contact", pa.string()), ("saved_at", TS)]),
    "events": pa.schema([
        ("id", pa.int64()), ("environment", pa.string()), ("contact", pa.string()),
        ("name", pa.string()), ("properties", pa.string()), ("session_id", pa.string()),
        ("occurred_at", TS), ("received_at", TS)]),
}
#: The column each table's files are partitioned by (as date=YYYY-MM-DD).
PARTITION = {"responses": "created_at", "annotations": "created_at", "segments": "saved_at",
             "events": "occurred_at"}


# ----------------------------------------------------------------------------- destinations
class Destination:
    def write(self, key: str, data: bytes) -> str:
        raise NotImplementedError


class Directory(Destination):
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def write(self, key: str, data: bytes) -> str:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # a reader never sees half a file
        return str(path)


class Bucket(Destination):
    def __init__(self, location: str, config: dict[str, Any]) -> None:
        import boto3  # only when an S3 export runs

        parts = urlsplit(location)
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=config.get("endpoint_url") or None,
            region_name=config.get("region") or "us-east-1",
            aws_access_key_id=config.get("access_key_id") or None,
            aws_secret_access_key=config.get("secret_access_key") or None)

    def write(self, key: str, data: bytes) -> str:
        full = f"{self.prefix}/{key}" if self.prefix else key
        self.client.put_object(Bucket=self.bucket, Key=full, Body=data,
                               ContentType="application/vnd.apache.parquet")
        return f"s3://{self.bucket}/{full}"


def destination(export: WarehouseExport) -> Destination:
    if export.destination == "s3":
        return Bucket(export.location, export.config)
    return Directory(export.location)


def check_location(kind: str, location: str) -> str:
    location = location.strip()
    if kind == "s3":
        parts = urlsplit(location)
        if parts.scheme != "s3" or not parts.netloc:
            raise IntegrationInvalid("invalid", "Some settings are invalid.",
                                     {"location": "s3://bucket/prefix"})
    elif kind == "directory":
        # Owners type this path into a web form: it must be absolute, exist already (an
        # administrator made it for the export) and lie outside the application's code.
        if not location.startswith("/"):
            raise IntegrationInvalid("invalid", "Some settings are invalid.",
                                     {"location": "an absolute directory path on the server"})
        path = Path(location).resolve()
        if not path.is_dir():
            raise IntegrationInvalid("invalid", "Some settings are invalid.",
                                     {"location": "no such directory on the server (create it first)"})
        if path == CODE or CODE in path.parents or path in CODE.parents:
            raise IntegrationInvalid("invalid", "Some settings are invalid.",
                                     {"location": "not the application's own directory"})
    else:
        raise IntegrationInvalid("invalid", "Some settings are invalid.",
                                 {"destination": "directory or s3"})
    return location


# ----------------------------------------------------------------------------- reading
def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _environments(session: Session, workspace_id: int) -> dict[int, str]:
    rows = session.execute(select(Environment.id, Environment.name)
                           .where(Environment.workspace_id == workspace_id)).all()
    return {int(i): str(n) for i, n in rows}


def _responses(session: Session, workspace_id: int, cursor: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    envs = _environments(session, workspace_id)
    after = dt.datetime.fromisoformat(cursor["updated_at"]) if cursor.get("updated_at") else None
    after_id = int(cursor.get("id") or 0)
    while True:
        query = (select(Response, SurveyVersion.number, Contact.external_id)
                 .join(SurveyVersion, SurveyVersion.id == Response.version_id)
                 .outerjoin(Contact, Contact.id == Response.contact_id)
                 .where(Response.environment_id.in_(envs)))
        if after is not None:  # keyset on (updated_at, id)
            query = query.where((Response.updated_at > after)
                                | ((Response.updated_at == after) & (Response.id > after_id)))
        rows = session.execute(query.order_by(Response.updated_at, Response.id).limit(CHUNK)).all()
        if not rows:
            return
        out = [{"id": r.id, "survey_id": r.survey_id, "version": number,
                "environment": envs[r.environment_id], "contact": external_id,
                "finished": r.finished, "answers": _json(r.answers), "meta": _json(r.meta),
                "created_at": r.created_at, "updated_at": r.updated_at,
                "finished_at": r.finished_at} for r, number, external_id in rows]
        last = rows[-1][0]
        after, after_id = last.updated_at, last.id
        yield out, {"updated_at": after.isoformat(), "id": after_id}


def _by_id(session: Session, workspace_id: int, table: str, cursor: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    envs = _environments(session, workspace_id)
    after = int(cursor.get("id") or 0)
    while True:
        rows: Sequence[Any]
        if table == "events":
            rows = session.execute(
                select(Event, Contact.external_id).outerjoin(Contact, Contact.id == Event.contact_id)
                .where(Event.environment_id.in_(envs), Event.id > after)
                .order_by(Event.id).limit(CHUNK)).all()
            out = [{"id": e.id, "environment": envs[e.environment_id], "contact": ext,
                    "name": e.name, "properties": _json(e.properties), "session_id": e.session_id,
                    "occurred_at": e.occurred_at, "received_at": e.received_at} for e, ext in rows]
        else:
            rows = session.execute(
                select(AnswerAnnotation, Response.created_at)
                .join(Response, Response.id == AnswerAnnotation.response_id)
                .where(Response.environment_id.in_(envs), AnswerAnnotation.id > after)
                .order_by(AnswerAnnotation.id).limit(CHUNK)).all()
            out = [{"id": a.id, "response_id": a.response_id, "survey_id": a.survey_id,
                    "question_id": a.question_id, "kind": a.kind, "theme": a.theme,
                    "sentiment": a.sentiment, "sentiment_score": a.sentiment_score,
                    "created_at": created} for a, created in rows]
        if not rows:
            return
        after = int(rows[-1][0].id)
        yield out, {"id": after}


def _segments(session: Session, workspace_id: int, cursor: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    run = session.scalar(select(SegmentRun).where(SegmentRun.workspace_id == workspace_id,
                                                  SegmentRun.saved_at.is_not(None))
                         .order_by(SegmentRun.saved_at.desc()).limit(1))
    if run is None or run.id == cursor.get("run_id"):
        return
    rows = session.execute(
        select(Segment, Contact.external_id)
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .join(Contact, Contact.id == SegmentMember.contact_id)
        .where(Segment.run_id == run.id).order_by(Segment.id, Contact.id)).all()
    out = [{"run_id": run.id, "segment_id": s.id, "segment_key": s.key, "segment_name": s.name,
            "contact": ext, "saved_at": run.saved_at} for s, ext in rows]
    yield out, {"run_id": run.id}


def _chunks(session: Session, workspace_id: int, table: str, cursor: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    if table == "responses":
        return _responses(session, workspace_id, cursor)
    if table == "segments":
        return _segments(session, workspace_id, cursor)
    return _by_id(session, workspace_id, table, cursor)


# ----------------------------------------------------------------------------- writing
def parquet(table: str, rows: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[table]), buffer, compression="zstd")
    return buffer.getvalue()


def _key_of(table: str, row: dict[str, Any]) -> str:
    return str(row["segment_id"] if table == "segments" else row["id"])


def run(session: Session, export: WarehouseExport, now: dt.datetime | None = None) -> WarehouseRun:
    """One incremental run; the caller commits (also when the run failed: the run row
    says why, and the cursors say how far it got)."""
    now = now or utcnow()
    record = WarehouseRun(export_id=export.id, started_at=now, rows={}, files=[])
    session.add(record)
    cursors = dict(export.cursors or {})
    counts: dict[str, int] = {}
    files: list[str] = []
    try:
        target = destination(export)
        for table in SCHEMAS:
            cursor = dict(cursors.get(table) or {})
            for rows, moved in _chunks(session, export.workspace_id, table, cursor):
                by_day: dict[str, list[dict[str, Any]]] = {}
                for row in rows:
                    when = row[PARTITION[table]] or now
                    by_day.setdefault(when.date().isoformat(), []).append(row)
                for day, part in sorted(by_day.items()):
                    if table == "segments":
                        name = f"part-run{part[0]['run_id']}.parquet"
                    else:
                        name = f"part-{_key_of(table, part[0])}-{_key_of(table, part[-1])}.parquet"
                    if table == "responses":  # the same ids can come again when changed
                        name = name.replace(".parquet", f"-{part[-1]['updated_at']:%Y%m%dT%H%M%S%f}.parquet")
                    files.append(target.write(f"{table}/date={day}/{name}", parquet(table, part)))
                counts[table] = counts.get(table, 0) + len(rows)
                cursors[table] = moved
                export.cursors = dict(cursors)  # moves only once the chunk's files are written
        record.status = "succeeded"
    except Exception as exc:  # noqa: BLE001 - any failure (disk, S3, credentials) is recorded
        record.status = "failed"
        record.error = f"{exc.__class__.__name__}: {exc}"[:2000]
    record.rows, record.files, record.finished_at = counts, files, utcnow()
    export.last_run_at = now
    session.flush()
    return record


def due(session: Session, now: dt.datetime | None = None) -> list[WarehouseExport]:
    now = now or utcnow()
    return [e for e in session.scalars(select(WarehouseExport).where(WarehouseExport.active.is_(True)))
            if e.last_run_at is None or e.last_run_at + dt.timedelta(hours=e.every_hours) <= now]
