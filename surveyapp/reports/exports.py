"""Export of a survey's responses with their open-text annotations (theme, sentiment) as
CSV, XLSX or Parquet, run as a background job with progress.

Rows stream from the database in batches; each file is written aside and renamed, so a
retried job never serves half a file. Text cells that a spreadsheet would run as a formula
are defused in CSV and XLSX (Parquet is typed data and keeps the text as it is).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.extensions import db
from surveyapp.jobs import JobFailed, Progress
from surveyapp.models import (
    AnswerAnnotation,
    Contact,
    Job,
    JobStatus,
    Response,
    Survey,
    SurveyVersion,
    TextAnalysis,
)
from surveyapp.privacy.ids import pseudonymiser
from surveyapp.surveys.definition import variables
from surveyapp.surveys.questions import question_type
from surveyapp.surveys.questions_input import PII_TYPES
from surveyapp.surveys.questions_rich import FileUpload
from surveyapp.templating import plural
from surveyapp.workspaces.services import slugify

BATCH = 1000
FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "parquet": "application/vnd.apache.parquet"}


EXPORT_KIND = "export_responses"


def export_path(job: Job) -> Path:
    fmt = job.params.get("format", "csv")
    return current_app.config["SETTINGS"].exports_dir / f"job-{job.id}.{fmt}"


def finished_export(job: Job) -> Path | None:
    """The file of a finished export job, or None (another kind of job, not finished,
    or its file is gone)."""
    if job.kind != EXPORT_KIND or job.status != JobStatus.SUCCEEDED or erased(job):
        return None
    path = export_path(job)
    return path if path.exists() else None


def erased(job: Job) -> bool:
    """Whether the file was deleted because a person in it was erased (reports.erasure)."""
    return bool((job.result or {}).get("erased"))


def download_name(session: Session, job: Job) -> str:
    """The file name an export is downloaded as: ``<survey>-responses-<job>.<format>``."""
    survey = session.get(Survey, job.params["survey_id"])
    fmt = job.params.get("format", "csv")
    return f"{slugify(survey.name if survey else 'survey')}-responses-{job.id}.{fmt}"


FIXED = (("response_id", "Response"), ("created_at", "Created at (UTC)"), ("finished", "Finished"),
         ("version", "Version"), ("contact", "Person"), ("url", "Page URL"),
         ("locale", "Locale"), ("device", "Device"))


@dataclass
class Columns:
    """The export's columns: ids (Parquet's names, CSV's second header row) and the
    texts people read (CSV's and XLSX's first row); ``questions`` lists (id, type, text)
    for the XLSX questions sheet."""

    question_ids: list[str]
    ids: list[str]
    titles: list[str]
    questions: list[tuple[str, str, str]]
    # Questions whose answer fills several columns (a matrix: one per row), by id: the
    # function giving those columns' values from the answer (questions_rich.export_values).
    spread: dict[str, Callable[[Any], list[Any]]] = field(default_factory=dict)
    # File-upload questions: their last column is the file's download link.
    files: set[str] = field(default_factory=set)
    # Computed variables (definition.variables), after the questions: (variable id, column).
    variables: list[tuple[str, str]] = field(default_factory=list)


def _title(q: dict[str, Any]) -> str:
    title = q.get("title")
    if isinstance(title, dict):  # translated: the first language's text
        title = next(iter(title.values()), "")
    return str(title or q["id"])


def _columns(survey: Survey, analysed: list[str], omit_personal: bool = False) -> Columns:
    """Every question that appears in any version (in order of first appearance, the
    newest wording), then theme/sentiment per analysed question; with ``omit_personal``,
    not the questions whose answers are personal data (contact info)."""
    questions: dict[str, tuple[str, str]] = {}
    newest: dict[str, dict[str, Any]] = {}
    for version in survey.versions:
        for q in version.questions:
            if not (omit_personal and q.get("type") in PII_TYPES):
                questions[q["id"]] = (str(q.get("type", "")), _title(q))
                newest[q["id"]] = q
    question_ids = list(questions)
    labels: dict[str, str] = {}
    for version in survey.versions:
        for var in version.definition.get("variables") or []:
            labels[var["id"]] = str(var.get("label") or var["id"])
    ids = [key for key, _ in FIXED]
    titles = [label for _, label in FIXED]
    spread: dict[str, Callable[[Any], list[Any]]] = {}
    for qid in question_ids:
        cls = question_type(newest[qid])
        if hasattr(cls, "export_columns"):
            parts = cls.export_columns(newest[qid])
            spread[qid] = functools.partial(cls.export_values, newest[qid])
            ids += [key for key, _ in parts]
            titles += [label for _, label in parts]
        else:
            ids.append(qid)
            titles.append(questions[qid][1])
    variables = [(vid, f"{vid}__variable" if vid in questions else vid) for vid in labels]
    ids += [column for _, column in variables]
    titles += [f"{labels[vid]} (computed)" for vid, _ in variables]
    for qid in analysed:
        ids += [f"{qid}__theme", f"{qid}__sentiment"]
        name = questions.get(qid, ("", qid))[1]
        titles += [f"{name} (theme)", f"{name} (sentiment)"]
    return Columns(question_ids, ids, titles,
                   [(qid, kind, title) for qid, (kind, title) in questions.items()], spread,
                   {qid for qid, (kind, _) in questions.items() if kind == FileUpload.type},
                   variables)


def theme_names(survey: Survey) -> dict[tuple[str, int], str]:
    """(question id, theme id) -> the theme's name, with the analysts' renames."""
    return {(a.question_id, tid): name
            for a in db.session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id == survey.id))
            for tid, name in a.theme_names().items()}


def _rows(survey: Survey, where: list[Any], columns: Columns, analysed: list[str],
          names: dict[tuple[str, int], str], real_ids: bool = False,
          file_link: Callable[[int, str], str] | None = None) -> Iterator[list[Any]]:
    """Raw values per row (lists stay lists; the writers format them). The contact column
    holds a stable pseudonym unless the export asked for real ids; an uploaded file's
    column holds ``file_link(response id, question id)``; variables are worked out from
    each response's own version of the survey."""
    question_ids, spread = columns.question_ids, columns.spread
    definitions = {v.id: v.definition for v in survey.versions}
    contact = (lambda x: x) if real_ids else pseudonymiser(survey.workspace_id)
    query = (
        select(Response, SurveyVersion.number, Contact.external_id)
        .join(SurveyVersion, SurveyVersion.id == Response.version_id)
        .outerjoin(Contact, Contact.id == Response.contact_id)
        .where(*where).order_by(Response.id)
    )
    # Personal data in answers (contact info) is pseudonymised like the contact id: each
    # value becomes its stable pseudonym unless the export asked for real ids.
    personal = set() if real_ids else {q["id"] for v in survey.versions for q in v.questions
                                       if q.get("type") in PII_TYPES}
    last = 0
    while True:
        batch = db.session.execute(query.where(Response.id > last).limit(BATCH)).all()
        if not batch:
            return
        ids = [r.id for r, _, _ in batch]
        notes: dict[tuple[int, str], tuple[str, str]] = {}
        if analysed:
            for ann in db.session.scalars(select(AnswerAnnotation).where(
                    AnswerAnnotation.response_id.in_(ids))):
                theme = "" if ann.kind != "ok" else names.get(
                    (ann.question_id, -1 if ann.theme is None else ann.theme), "unthemed")
                notes[(ann.response_id, ann.question_id)] = (theme or ann.kind, ann.sentiment or "")
        for response, number, external_id in batch:
            answers = response.answers
            if personal & answers.keys():
                answers = {**answers, **{qid: _pseudonymised(answers[qid], contact)
                                         for qid in personal & answers.keys()}}
            row = [response.client_id, response.created_at, response.finished, number,
                   contact(external_id), response.meta.get("url"), response.meta.get("locale"),
                   response.meta.get("device")]
            for qid in question_ids:
                if qid in spread:
                    row += spread[qid](answers.get(qid))
                    if qid in columns.files and file_link and row[-1] is not None:
                        row[-1] = file_link(response.id, qid)
                else:
                    row.append(answers.get(qid))
            if columns.variables:
                computed = variables(definitions.get(response.version_id, {}), response.answers)
                row += [computed.get(vid) for vid, _ in columns.variables]
            for qid in analysed:
                row += list(notes.get((response.id, qid), ("", "")))
            yield row
            db.session.expunge(response)  # keep memory flat on big exports
        last = ids[-1]


def _pseudonymised(value: Any, pseudonym: Callable[[str | None], str]) -> Any:
    if isinstance(value, dict):
        return {k: pseudonym(str(v)) if v else v for k, v in value.items()}
    return pseudonym(str(value)) if value else value


def export_responses(job: Job, progress: Progress) -> dict[str, Any]:
    survey = db.session.get(Survey, job.params["survey_id"])
    if survey is None or survey.workspace_id != job.workspace_id:
        raise JobFailed("The survey no longer exists.")
    fmt = job.params.get("format", "csv")
    if fmt not in FORMATS:
        raise JobFailed(f"Unknown export format {fmt!r}.")
    where = [Response.survey_id == survey.id]
    if job.params.get("finished_only", False):
        where.append(Response.finished.is_(True))
    total = db.session.scalar(select(func.count()).select_from(Response).where(*where)) or 0
    analysed = list(db.session.scalars(select(TextAnalysis.question_id).where(
        TextAnalysis.survey_id == survey.id).order_by(TextAnalysis.id)))
    columns = _columns(survey, analysed, omit_personal=bool(job.params.get("omit_personal")))
    names = theme_names(survey)
    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    rows = _rows(survey, where, columns, analysed, names,
                 real_ids=bool(job.params.get("real_ids", False)),
                 file_link=_file_link(survey, str(job.params.get("base_url") or "")))
    written = WRITERS[fmt](tmp, columns, rows, total, progress)
    os.replace(tmp, path)
    return {"file": path.name, "rows": written, "format": fmt,
            "message": f"Exported {plural(written, 'response')} as {fmt.upper()}"}


def _file_link(survey: Survey, base_url: str) -> Callable[[int, str], str]:
    """Where an analyst downloads a response's uploaded file (``reports.response_file``):
    absolute on ``base_url`` (the address the export was asked from), else from the site's
    root."""
    with current_app.test_request_context(base_url=base_url or None):
        prefix = url_for("reports.responses", slug=survey.workspace.slug, survey_id=survey.id,
                         _external=bool(base_url))
    return lambda response_id, qid: f"{prefix}/{response_id}/files/{qid}"


def _report(done: int, total: int, progress: Progress) -> None:
    if done % BATCH == 0:
        progress(done / max(total, 1), f"Exported {done:,} of {plural(total, 'response')}")


def _write_csv(path: Path, columns: Columns, rows: Iterator[list[Any]], total: int,
               progress: Progress) -> int:
    """Two header rows: the question texts people read, then the ids programs use
    (``csv.reader`` past the first line, or pandas ``header=1``)."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([_cell(t) for t in columns.titles])
        writer.writerow(columns.ids)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            n += 1
            _report(n, total, progress)
    return n


def _write_xlsx(path: Path, columns: Columns, rows: Iterator[list[Any]], total: int,
                progress: Progress) -> int:
    """A "Responses" sheet headed by the question texts (the header row frozen, dates as
    real dates) and a "Questions" sheet that maps each column to its id."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)  # streams rows to disk; memory stays flat
    ws = wb.create_sheet("Responses")
    ws.freeze_panes = "A2"
    ws.append([_cell(t) for t in columns.titles])

    def cell(v: Any) -> Any:
        if isinstance(v, dt.datetime):  # Excel has no time zones: the UTC wall time
            c = WriteOnlyCell(ws, value=v.astimezone(dt.UTC).replace(tzinfo=None))
            c.number_format = "yyyy-mm-dd hh:mm:ss"
            return c
        # Strings are stored as text cells (never formulas) and defused for other tools.
        return _cell(v) if v is None or isinstance(v, str | list | dict) else v

    n = 0
    for row in rows:
        ws.append([cell(v) for v in row])
        n += 1
        _report(n, total, progress)
    sheet = wb.create_sheet("Questions")
    sheet.freeze_panes = "A2"
    sheet.append(["Column", "Id", "Question type"])
    kinds = {qid: kind for qid, kind, _ in columns.questions}
    for title, key in zip(columns.titles, columns.ids, strict=True):
        sheet.append([_cell(title), key, kinds.get(key, "")])
    with path.open("wb") as fh:
        wb.save(fh)
    return n


def _write_parquet(path: Path, columns: Columns, rows: Iterator[list[Any]], total: int,
                   progress: Progress) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = columns.ids

    def text(v: Any) -> str | None:
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            return v.isoformat()
        return json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else str(v)

    fixed = {"finished": pa.bool_(), "version": pa.int32(),
             **{column: pa.float64() for _, column in columns.variables}}
    schema = pa.schema([(h, fixed.get(h, pa.string())) for h in header])
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[list[Any]] = []

        def flush() -> None:
            cols = list(zip(*chunk, strict=True)) if chunk else [[] for _ in header]
            arrays = [pa.array(list(c), type=f.type) if f.name in fixed else
                      pa.array([text(v) for v in c], type=pa.string())
                      for c, f in zip(cols, schema, strict=True)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

        for row in rows:
            chunk.append(row)
            n += 1
            if len(chunk) == BATCH:
                flush()
                chunk = []
            _report(n, total, progress)
        if chunk or n == 0:
            flush()
    return n


WRITERS = {"csv": _write_csv, "xlsx": _write_xlsx, "parquet": _write_parquet}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A spreadsheet cell; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        value = "; ".join(_plain(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _plain(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x}" for k, x in v.items())
    return str(v)
