"""Read-only look-ups for the Surveys section: the workspace's survey list with response
counts, one survey's responses a page at a time (question texts as column heads), and a
person's responses across the workspace's surveys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response, Survey, Workspace
from surveyapp.reports.filters import ReportFilter
from surveyapp.surveys.questions_input import PII_TYPES

PAGE_SIZE = 50
PII_MARK = "\x00personal"  # (question id, PII_MARK) in choice_labels: a contact question
PII_TEXT = "contact details given (personal data: in the export only)"
STATUSES = ("", "finished", "partial")  # "" means every response


@dataclass
class SurveyRow:
    survey: Survey
    total: int
    finished: int
    last_at: dt.datetime | None


def survey_list(session: Session, workspace: Workspace) -> list[SurveyRow]:
    """Every survey of the workspace (newest change first) with its response counts."""
    counts = {
        row.survey_id: row
        for row in session.execute(
            select(Response.survey_id, func.count().label("total"),
                   func.count().filter(Response.finished.is_(True)).label("finished"),
                   func.max(Response.created_at).label("last_at"))
            .join(Survey, Survey.id == Response.survey_id)
            .where(Survey.workspace_id == workspace.id)
            .group_by(Response.survey_id))
    }
    surveys = session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)
                              .order_by(Survey.updated_at.desc(), Survey.id.desc()))
    out = []
    for s in surveys:
        c = counts.get(s.id)
        out.append(SurveyRow(s, c.total if c else 0, c.finished if c else 0,
                             c.last_at if c else None))
    return out


def question_columns(survey: Survey) -> list[tuple[str, str]]:
    """(question id, text) for every question of any version, in order of first
    appearance; the newest version's wording wins. Hidden fields show their id."""
    titles: dict[str, str] = {}
    for version in survey.versions:
        for q in version.questions:
            title = q.get("title")
            if isinstance(title, dict):  # translated: the first language's text
                title = next(iter(title.values()), "")
            titles[q["id"]] = str(title or q["id"])
    return list(titles.items())


def choice_labels(survey: Survey) -> dict[tuple[str, str], str]:
    """(question id, choice id) -> the choice's label, newest wording first."""
    out: dict[tuple[str, str], str] = {}
    for version in survey.versions:
        for q in version.questions:
            for c in [*(q.get("choices") or []), *(q.get("items") or []), *(q.get("columns") or [])]:
                if isinstance(c, dict) and "id" in c:  # (a ranking's items, a matrix's columns)
                    out[(q["id"], c["id"])] = str(c.get("label") or c["id"])
            for r in q.get("rows") or []:  # a matrix's rows
                if isinstance(r, dict) and "id" in r:
                    out[(q["id"], f"row:{r['id']}")] = str(r.get("label") or r["id"])
            if q.get("type") in PII_TYPES:  # contact info: personal data, never on a page
                out[(q["id"], PII_MARK)] = PII_TEXT
    return out


def answer_text(value: Any, qid: str, labels: dict[tuple[str, str], str]) -> str:
    """An answer as people read it: choice labels, lists joined, "other" texts."""
    if value is None:
        return ""
    if (qid, PII_MARK) in labels:
        return labels[(qid, PII_MARK)]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(answer_text(v, qid, labels) for v in value)
    if isinstance(value, dict) and isinstance(value.get("file"), str) and "token" in value:
        return f"{value.get('name')} ({max(1, int(value.get('size') or 0) // 1024)} KB, {value.get('type')})"
    if isinstance(value, dict):
        return "; ".join(f"{labels.get((qid, f'row:{k}'), k)}: {answer_text(v, qid, labels)}"
                         for k, v in value.items())
    if isinstance(value, str):
        return labels.get((qid, value), value)
    return str(value)


@dataclass
class ResponsePage:
    rows: list[Response]
    total: int
    page: int
    pages: int
    status: str


def response_page(session: Session, survey: Survey, f: ReportFilter, *, status: str = "",
                  page: int = 1, size: int = PAGE_SIZE) -> ResponsePage:
    """One page of the survey's responses under the filter, newest first; ``status`` is
    "finished", "partial" or "" (all)."""
    where = f.where(survey)
    if status == "finished":
        where.append(Response.finished.is_(True))
    elif status == "partial":
        where.append(Response.finished.is_(False))
    total = session.scalar(select(func.count()).select_from(Response).where(*where)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = list(session.scalars(select(Response).where(*where)
                                .order_by(Response.created_at.desc(), Response.id.desc())
                                .offset((page - 1) * size).limit(size)))
    return ResponsePage(rows, total, page, pages, status if status in STATUSES else "")


def person(session: Session, workspace: Workspace, contact_id: int) -> Contact | None:
    """A contact of one of the workspace's environments, or None."""
    contact = session.get(Contact, contact_id)
    env_ids = {e.id for e in workspace.environments}
    return contact if contact is not None and contact.environment_id in env_ids else None


def person_responses(session: Session, contact: Contact,
                     limit: int = 200) -> list[tuple[Response, Survey]]:
    """The person's latest responses, with their surveys."""
    return [(r, s) for r, s in session.execute(
        select(Response, Survey).join(Survey, Survey.id == Response.survey_id)
        .where(Response.contact_id == contact.id)
        .order_by(Response.created_at.desc()).limit(limit))]
