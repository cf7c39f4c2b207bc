"""Erasing a person from insights: evidence labels that copied a theme name are read again
from the analyses (the analysis area's eraser, which runs first in ``AREAS`` order, has
removed the person's words from the names). Webhook deliveries of their responses go with
the responses (the privacy area sweeps every ``response_id`` row)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response, Survey, TextAnalysis
from surveyapp.models.insights import EvidenceLink

THEME_REF = re.compile(r"^survey:(\d+)/question:([^/]+)/theme:(-?\d+)$")


def refresh_theme_evidence(session: Session, contacts: list[Contact]) -> int:
    """Relabel theme evidence of the surveys the contacts answered; returns how many
    labels changed."""
    ids = [c.id for c in contacts]
    surveys = set(session.scalars(select(Response.survey_id).where(
        Response.contact_id.in_(ids)).distinct())) if ids else set()
    if not surveys:
        return 0
    names: dict[str, str] = {}
    for analysis in session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id.in_(surveys))):
        survey = session.get(Survey, analysis.survey_id)
        for theme_id, name in analysis.theme_names().items():
            ref = f"survey:{analysis.survey_id}/question:{analysis.question_id}/theme:{theme_id}"
            names[ref] = f"Theme: {name} ({survey.name if survey else ''})"[:200]
    changed = 0
    for link in session.scalars(select(EvidenceLink).where(EvidenceLink.kind == "theme")):
        match = THEME_REF.match(link.ref)
        if match and int(match.group(1)) in surveys and names.get(link.ref, link.label) != link.label:
            link.label = names[link.ref]
            changed += 1
    return changed
