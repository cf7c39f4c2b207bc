"""Erasing a person from segments and personas: their quotes leave the stored profiles.

Memberships go with the contact (the privacy area sweeps every ``contact_id`` row). What
stays are copies: each saved segment's profile quotes members' answers per theme and names
the themes, and persona cards (and their versions) may quote the answers their goals and
pain points were drawn from. Quotes of the person are dropped (profile quote lists) or
replaced by ``[removed: person erased]`` (text), and theme names the analysis eraser changed
follow it (the analysis area's eraser runs first, in ``AREAS`` order).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Environment
from surveyapp.models.segments import Persona, PersonaVersion, Segment
from surveyapp.privacy.derived import REMOVED, RENAMED_KEY, answer_needles, redact

PERSONA_TEXT = ("summary", "motivations", "pain_points", "goals", "notes")


def erase_from_profiles(session: Session, contacts: list[Contact]) -> int:
    """Redact the contacts' answers from segment profiles and personas; returns changes."""
    needles = answer_needles(session, contacts)
    renamed: dict[str, str] = session.info.get(RENAMED_KEY, {})
    if not needles and not renamed:
        return 0
    workspaces = set(session.scalars(select(Environment.workspace_id).where(
        Environment.id.in_({c.environment_id for c in contacts}))))
    changed = 0
    for segment in session.scalars(select(Segment).where(Segment.workspace_id.in_(workspaces))):
        profile, n = redact(segment.profile or {}, needles, renamed)
        if n:
            segment.profile = profile
            changed += n
    for persona in session.scalars(select(Persona).where(Persona.workspace_id.in_(workspaces))):
        for field in PERSONA_TEXT:
            text = getattr(persona, field) or ""
            if any(t in text.lower() for t in needles):
                setattr(persona, field, _cut(text, needles))
                changed += 1
        for version in session.scalars(select(PersonaVersion).where(
                PersonaVersion.persona_id == persona.id)):
            content, n = redact(version.content or {}, needles, renamed)
            if n:
                version.content = content
                changed += n
    return changed


def _cut(text: str, needles: set[str]) -> str:
    """``text`` with each line that quotes the person replaced (a persona's goals are
    usually one per line; the other lines stay)."""
    out: list[str] = []
    for line in text.splitlines():
        if any(t in line.lower() for t in needles):
            line = REMOVED
        if not (line == REMOVED and out and out[-1] == REMOVED):
            out.append(line)
    return "\n".join(out) if out else REMOVED
