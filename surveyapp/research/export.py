"""Pseudonymised export of a study: its passages and highlights (with tags, themes and
sentiment) as JSON or CSV, for analysis in other tools.

People appear by their participant label ("P3"). A participant linked to a product user
gets a stable pseudonym (``p_`` + 16 hex digits, :func:`surveyapp.privacy.ids.pseudonymiser`)
-- the user's id only when the export asks for ``real_ids=1``, as the survey exports do.
Contact row ids never leave. CSV cells a spreadsheet would run as formulas are defused.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, TextAnalysis, utcnow
from surveyapp.models.research import Highlight, Insight, Passage, Study, StudySource
from surveyapp.privacy.ids import pseudonymiser
from surveyapp.reports.exports import _cell

FORMAT = "surveyapp.research-export/v1"
CSV_HEADER = ["record", "id", "participant", "participant_user", "source", "speaker", "line",
              "start_ms", "end_ms", "section", "text", "note", "tags", "theme", "sentiment",
              "insight", "passage_id"]


def _theme_names(session: Session, study: Study) -> dict[int, str]:
    """The linked survey question's theme names, as the analysts renamed them."""
    if not (study.survey_id and study.question_id):
        return {}
    analysis = session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == study.survey_id, TextAnalysis.question_id == study.question_id))
    return analysis.theme_names() if analysis is not None else {}


def study_export(session: Session, study: Study, real_ids: bool = False) -> dict[str, Any]:
    """The study as plain JSON-ready data (see the module docstring)."""
    person = (lambda x: x or "") if real_ids else pseudonymiser(study.workspace_id)
    users = dict(session.execute(select(Contact.id, Contact.external_id).where(
        Contact.id.in_([p.contact_id for p in study.participants if p.contact_id]))).all())
    labels = {p.id: p.label for p in study.participants}
    themes = _theme_names(session, study)
    proposed = [p.get("label", "") for p in (study.analysis or {}).get("proposed", [])]
    sources = {s.id: s for s in session.scalars(select(StudySource).where(StudySource.study_id == study.id))}
    insights = dict(session.execute(select(Insight.id, Insight.title).where(Insight.study_id == study.id)).all())
    passages = session.scalars(select(Passage).where(Passage.study_id == study.id)
                               .order_by(Passage.source_id, Passage.position)).all()
    passage_participant = {p.id: labels.get(sources[p.source_id].participant_id) for p in passages}

    def theme(tid: int | None, proposed_id: int | None = None) -> str | None:
        if tid is not None and tid >= 0:
            return themes.get(tid, f"theme {tid}")
        if proposed_id is not None and proposed_id < len(proposed):
            return f"proposed: {proposed[proposed_id]}"
        return None

    return {
        "format": FORMAT, "exported_at": utcnow().isoformat(), "real_ids": real_ids,
        "study": {"title": study.title, "kind": study.kind.value,
                  "research_question": study.research_question},
        "participants": [{"label": p.label, "user": person(users.get(p.contact_id)) if p.contact_id else "",
                          "consented": p.consented_at is not None} for p in study.participants],
        "sessions": [{"title": x.title, "held_on": x.held_on.isoformat() if x.held_on else None,
                      "participant": labels.get(x.participant_id), "moderator": x.moderator,
                      "notes": x.notes, "sources": [src.title for src in x.sources]}
                     for x in study.sessions],
        "tasks": [{"name": t.name, "scenario": t.scenario, "success": t.success,
                   "target_seconds": t.target_seconds} for t in study.tasks],
        "passages": [{"id": p.id, "participant": passage_participant[p.id],
                      "source": sources[p.source_id].title, "speaker": p.speaker, "line": p.line,
                      "start_ms": p.start_ms, "end_ms": p.end_ms, "section": p.section,
                      "text": p.text, "theme": theme(p.theme, p.proposed_theme),
                      "sentiment": p.sentiment} for p in passages],
        "highlights": [{"id": h.id, "passage_id": h.passage_id,
                        "participant": passage_participant.get(h.passage_id),
                        "source": h.source_title, "speaker": h.speaker, "quote": h.quote,
                        "note": h.note, "tags": [t.name for t in h.tags], "theme": theme(h.theme),
                        "insight": insights.get(h.insight_id)}
                       for h in session.scalars(select(Highlight).where(
                           Highlight.study_id == study.id).order_by(Highlight.id))],
    }


def _csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    users = {p["label"]: p["user"] for p in data["participants"]}
    rows = [["passage", p["id"], p["participant"], users.get(p["participant"], ""), p["source"],
             p["speaker"], p["line"], p["start_ms"], p["end_ms"], p["section"], p["text"], "", "",
             p["theme"], p["sentiment"], "", p["id"]] for p in data["passages"]]
    rows += [["highlight", h["id"], h["participant"], users.get(h["participant"], ""), h["source"],
              h["speaker"], "", "", "", "", h["quote"], h["note"], "; ".join(h["tags"]), h["theme"],
              "", h["insight"], h["passage_id"]] for h in data["highlights"]]
    return rows


def to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows([_cell(v) for v in row] for row in _csv_rows(data))
    return out.getvalue()


