"""Erasure of contact-info answers (``surveys.questions_input.Contact``, issue 24).

A contact question stores a name, e-mail, phone or company in the response itself, and
the response need not belong to a known contact (a link page answered anonymously). So
erasing a person also looks for their e-mail address -- the id being erased when it is one,
and each erased contact's id and ``email`` attribute -- in every contact answer of the
workspace, and removes that answer (the whole name/e-mail/phone/company object) from the
response. The surveys touched lose their cached rollups and finished export files, as
for any erasure (``reports.erasure``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response, Survey, Workspace
from surveyapp.surveys.questions_input import PII_TYPES


def emails_of(contacts: Iterable[Contact], also: Iterable[str] = ()) -> set[str]:
    """The e-mail addresses, lower-cased, among ids and contacts' ``email`` attributes."""
    found = {x for x in also if isinstance(x, str)}
    for c in contacts:
        found.add(c.external_id or "")
        found.add(str((c.attributes or {}).get("email") or ""))
    return {x.strip().lower() for x in found if "@" in x}


def erase_contact_answers(session: Session, workspace: Workspace, emails: set[str]) -> int:
    """Remove the contact answers holding any of ``emails``; returns how many were removed."""
    if not emails:
        return 0
    removed, touched = 0, set()
    for survey in session.scalars(select(Survey).where(Survey.workspace_id == workspace.id)):
        qids = {q["id"] for v in survey.versions for q in v.questions if q.get("type") in PII_TYPES}
        for qid in qids:
            email = func.lower(Response.answers[(qid, "email")].as_string())
            for response in session.scalars(select(Response).where(
                    Response.survey_id == survey.id, email.in_(sorted(emails)))):
                response.answers = {k: v for k, v in response.answers.items() if k != qid}
                removed += 1
                touched.add(survey.id)
    if touched:
        from surveyapp.reports.erasure import erase_survey_outputs

        session.flush()
        erase_survey_outputs(session, {workspace.id}, touched)
    return removed
