"""Files answered to file-upload questions (``surveys.questions_rich.FileUpload``).

The widget sends the file's bytes first (``POST /api/v1/client/<key>/uploads/<survey>/<q>``,
``upload_views``); the file is checked here -- size against the question's limit, kind by
its *content* (magic bytes, never the name's extension) against the question's accepted
kinds -- and stored under a random key. The answer then carries a token signed with the
app's secret (itsdangerous) that names the stored key, so a respondent can only answer with
a file this server accepted for that question.

Where files live: ``data_dir/uploads/`` on the local disk, or an S3-compatible bucket when
``SURVEYAPP_UPLOAD_S3_BUCKET`` is set (``upload_s3_*`` settings; MinIO, Ceph, AWS S3).
Files are deleted with their responses: on erasure (the ``uploaded files`` eraser, after
the erasure commits) and by retention (``delete_for_responses`` from ``privacy.purge``).
A file uploaded but never answered with (the respondent left, or picked another file) is
deleted by ``sweep_unanswered`` once it is ``UNANSWERED_AFTER`` old (beat, every few hours).
Analysts download a response's file through the report (``reports.response_file``).

Type detection uses puremagic (pure Python, no libmagic to install, maintained, MIT): its
signature table tells PNG, JPEG, GIF, WebP, PDF and ZIP apart from the first bytes. OOXML
files (DOCX, XLSX) all start as ZIP archives, so those are told apart by the part every
such document must hold (``word/document.xml``, ``xl/workbook.xml``), read from the archive's
directory without extracting anything.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.collect import cache
from surveyapp.collect.errors import CollectInvalid, CollectNotFound
from surveyapp.errors import ApiError
from surveyapp.models import Contact, Response, SurveyVersion
from surveyapp.surveys.questions import clean_text
from surveyapp.surveys.questions_rich import (  # the tokens: the answer format is the type's
    FILE_KINDS,
    MAX_FILE_MB,
    FileUpload,
    make_token,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
              "image/webp": ".webp", "application/pdf": ".pdf", DOCX: ".docx", XLSX: ".xlsx"}
MAX_UPLOAD_BYTES = MAX_FILE_MB * 1024 * 1024


# ----------------------------------------------------------------------------- detection
def detect(data: bytes) -> str | None:
    """The MIME type of ``data`` from its content, or None when nothing is recognised."""
    import puremagic

    try:
        matches = puremagic.magic_string(data[:65536])
    except (puremagic.PureError, ValueError):
        return None
    if not matches:
        return None
    best = max(m.confidence for m in matches)
    mimes = [m.mime_type for m in matches if m.confidence == best and m.mime_type]
    if any("openxmlformats" in m or m in ("application/zip", "application/x-zip-compressed")
           for m in mimes) or data[:4] == b"PK\x03\x04":
        return _ooxml(data)
    known = [m for m in mimes if m in FILE_KINDS]
    return known[0] if known else (mimes[0] if mimes else None)


def _ooxml(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    return "application/zip"


# ----------------------------------------------------------------------------- storage
class Store(Protocol):
    def put(self, key: str, data: bytes, mime: str) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, keys: list[str]) -> None: ...
    def listing(self) -> Iterator[tuple[str, dt.datetime]]:
        """Every stored key with when it was written (UTC)."""
        ...


class LocalStore:
    """Files under a directory (``data_dir/uploads``), one file per key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("upload key outside the upload directory")
        return path

    def put(self, key: str, data: bytes, mime: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, dt.datetime]]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield (path.relative_to(self.root).as_posix(),
                       dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC))


class S3Store:
    """Files in an S3-compatible bucket, under a prefix."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix, client

    def put(self, key: str, data: bytes, mime: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                               ContentType=mime)

    def get(self, key: str) -> bytes | None:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket,
                                                Key=self.prefix + key)["Body"].read())
        except self.client.exceptions.NoSuchKey:
            return None

    def delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):  # the API's batch limit
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": self.prefix + k} for k in keys[i:i + 1000]], "Quiet": True})

    def listing(self) -> Iterator[tuple[str, dt.datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix):], item["LastModified"]


def store(app: Flask | None = None) -> Store:
    """The app's upload store (made once per app)."""
    app = app or current_app
    found = app.extensions.get("surveyapp.uploads")
    if found is None:
        settings = app.config["SETTINGS"]
        if settings.upload_s3_bucket:
            import boto3  # only when uploads go to a bucket

            client = boto3.client(
                "s3", endpoint_url=settings.upload_s3_endpoint or None,
                region_name=settings.upload_s3_region or None,
                aws_access_key_id=settings.upload_s3_access_key or None,
                aws_secret_access_key=settings.upload_s3_secret_key or None)
            found = S3Store(settings.upload_s3_bucket, settings.upload_s3_prefix, client)
        else:
            found = LocalStore(settings.data_dir / "uploads")
        app.extensions["surveyapp.uploads"] = found
    return found


# ----------------------------------------------------------------------------- service
def _file_question(session: Session, env: Any, survey_id: int, qid: str) -> FileUpload:
    survey = cache.live_survey(session, env, survey_id)  # the collection API's own check
    version = survey.current_version
    assert version is not None
    for q in version.definition.get("questions", []):
        if q.get("id") == qid and q.get("type") == FileUpload.type:
            return FileUpload(q)
    raise CollectNotFound("unknown_question",
                          f"Survey {survey_id} has no file-upload question {qid[:40]!r}.",
                          {"question": "not a file-upload question of this survey"})


def file_name(raw: str | None) -> str:
    """The name the respondent's file had, as text: no folders, no control characters."""
    name = clean_text((raw or "").replace("\\", "/").rsplit("/", 1)[-1])[:200]
    return name or "file"


def save_upload(session: Session, env: Any, survey_id: int, qid: str, data: bytes,
                name: str | None) -> dict[str, Any]:
    """Check and store one file; returns the token the answer carries, with what was stored."""
    q = _file_question(session, env, survey_id, qid)
    if not data:
        raise CollectInvalid("invalid", "The file is empty.", {"file": "empty"})
    limit = q.max_bytes
    if len(data) > limit:
        raise ApiError(413, "file_too_large",
                       f"The file is larger than {q.config.get('max_size_mb', 5)} MB.",
                       {"file": f"at most {limit} bytes"})
    mime = detect(data)
    accepted = q.config.get("types", [])
    if mime is None or mime not in accepted:
        kinds = ", ".join(FILE_KINDS[t] for t in accepted)
        raise CollectInvalid("file_type_not_accepted",
                             f"This file is not accepted here (accepted: {kinds}); its content "
                             f"is {FILE_KINDS.get(mime or '', mime or 'not a known kind of file')}.",
                             {"file": f"one of {', '.join(accepted)}"})
    key = f"{env.id}/{survey_id}/{qid}/{secrets.token_urlsafe(18)}{EXTENSIONS.get(mime, '')}"
    store().put(key, data, mime)
    info = {"key": key, "name": file_name(name), "size": len(data), "type": mime, "q": qid}
    return {"token": make_token(info), "name": info["name"], "size": info["size"],
            "type": mime}


def file_keys(definition: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """The stored files a response's answers name."""
    out = []
    for q in definition.get("questions", []):
        value = answers.get(q.get("id"))
        if q.get("type") == FileUpload.type and isinstance(value, dict) \
                and isinstance(value.get("file"), str):
            out.append(value["file"])
    return out


def keys_of_responses(session: Session, where: Iterable[Any]) -> list[str]:
    """The files of the responses matching ``where``, read only for surveys that ever had
    a file-upload question (most have none, and their answers are not read)."""
    where = list(where)
    with_files: dict[int, dict[str, Any]] = {}
    for version in session.scalars(select(SurveyVersion).where(SurveyVersion.id.in_(
            select(Response.version_id).where(*where).distinct()))):
        if any(q.get("type") == FileUpload.type for q in version.definition.get("questions", [])):
            with_files[version.id] = version.definition
    if not with_files:
        return []
    out: list[str] = []
    for version_id, answers in session.execute(select(Response.version_id, Response.answers).where(
            *where, Response.version_id.in_(with_files))):
        out += file_keys(with_files[version_id], answers or {})
    return out


def delete_for_responses(session: Session, where: Iterable[Any]) -> int:
    """Delete the files of the responses matching ``where`` once the transaction commits
    (the rows go in the same transaction); returns how many files."""
    from surveyapp.privacy.derived import after_erasure

    keys = keys_of_responses(session, list(where))
    if keys:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        # a name of its own: after_erasure runs one callback per name
        after_erasure(session, f"delete uploaded files {secrets.token_hex(4)}",
                      lambda: store(app).delete(keys))
    return len(keys)


def erase_uploads(session: Session, contacts: list[Contact]) -> int:
    """Eraser: the files these people uploaded (deleted after the erasure commits)."""
    ids = [c.id for c in contacts]
    return delete_for_responses(session, [Response.contact_id.in_(ids)]) if ids else 0


def answered_file(response: Response, qid: str) -> dict[str, Any] | None:
    """The file a response answered the file-upload question ``qid`` with (``file``: the
    stored key, ``name``, ``size``, ``type``), or None."""
    value = (response.answers or {}).get(qid)
    return value if file_keys(response.version.definition, {qid: value}) else None


# ----------------------------------------------------------------------------- sweeping
#: An uploaded file that no response names after this long is deleted: the respondent
#: uploaded it and then left, or picked another file instead.
UNANSWERED_AFTER = dt.timedelta(hours=24)
SWEEP_UPLOADS = "surveyapp.sweep_uploads"
SWEEP_EVERY = 6 * 3600.0  # seconds


def sweep_unanswered(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the stored files older than ``UNANSWERED_AFTER`` that no response's answers
    name (nor a half-written ``.part``); returns how many. Keys are
    ``<environment>/<survey>/<question>/<random>``, so each survey's answers are read once."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - UNANSWERED_AFTER
    by_survey: dict[int, list[str]] = {}
    strays: list[str] = []
    for key, written in store().listing():
        if written.tzinfo is None:
            written = written.replace(tzinfo=dt.UTC)
        if written >= cutoff:
            continue
        parts = key.split("/")
        if len(parts) == 4 and parts[1].isdigit() and not key.endswith(".part"):
            by_survey.setdefault(int(parts[1]), []).append(key)
        else:
            strays.append(key)
    unanswered = list(strays)
    for survey_id, keys in by_survey.items():
        named = set(keys_of_responses(session, [Response.survey_id == survey_id]))
        unanswered += [k for k in keys if k not in named]
    if unanswered:
        store().delete(unanswered)
    return len(unanswered)
