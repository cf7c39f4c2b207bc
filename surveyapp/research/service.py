"""Research operations: studies, participants, importing material, analysing passages.

Services take a session and never commit; the view, CLI command or job commits once, so
an import either lands whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from surveyapp.models import AnswerAnnotation, Contact, Environment, TextAnalysis, Workspace
from surveyapp.models.research import (
    Highlight,
    Participant,
    Passage,
    Study,
    StudySource,
    SusAnswer,
    Tag,
    UsabilityResult,
)
from surveyapp.research.importers import SourceError, read_source, read_usability_csv, sus_score

MIN_PROPOSED = 8  # unthemed passages needed before new themes are proposed


def find_contact(session: Session, workspace: Workspace, external_id: str) -> Contact | None:
    """A participant can be one of the product's users (and so bring their segments,
    answers and behaviour along)."""
    return session.scalar(select(Contact).join(Environment).where(
        Environment.workspace_id == workspace.id, Contact.external_id == external_id.strip()))


def participant_for(session: Session, study: Study, label: str) -> Participant:
    label = label.strip()[:80]
    for p in study.participants:
        if p.label == label:
            return p
    participant = Participant(workspace_id=study.workspace_id, study=study, label=label)
    session.add(participant)
    return participant


def import_source(session: Session, study: Study, data: bytes, *, filename: str = "",
                  title: str = "", participant: Participant | None = None,
                  fmt: str | None = None) -> StudySource:
    """Read one file (or pasted text) into PII-scrubbed passages. Raises SourceError."""
    from nlp.text import scrub_pii

    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(select(StudySource).where(
        StudySource.study_id == study.id, StudySource.content_hash == digest))
    if existing is not None:
        raise SourceError(0, f"this material is already imported, as “{existing.title}”")
    source = read_source(data, filename, fmt)
    row = StudySource(workspace_id=study.workspace_id, study=study, participant=participant,
                      title=(title or filename or "Pasted notes")[:200], format=source.format,
                      filename=filename[:255], content_hash=digest)
    session.add(row)
    session.flush()
    session.execute(Passage.__table__.insert(), [
        {"study_id": study.id, "source_id": row.id, "position": i, "line": p.line,
         "speaker": (p.speaker or None) and p.speaker[:80], "start_ms": p.start_ms,
         "end_ms": p.end_ms, "section": p.section, "text": scrub_pii(p.text)}
        for i, p in enumerate(source.passages)])
    return row


def import_usability(session: Session, study: Study, data: bytes) -> dict[str, int]:
    """Task results and SUS answers; re-importing replaces a participant's rows for a task."""
    parsed = read_usability_csv(data)
    people = {label: participant_for(session, study, label)
              for label in {r.participant for r in parsed.results} | set(parsed.sus)}
    session.flush()
    for result in parsed.results:
        session.execute(delete(UsabilityResult).where(
            UsabilityResult.study_id == study.id,
            UsabilityResult.participant_id == people[result.participant].id,
            UsabilityResult.task == result.task[:200]))
    session.flush()
    for result in parsed.results:
        session.add(UsabilityResult(study_id=study.id, participant_id=people[result.participant].id,
                                    task=result.task[:200], success=result.success,
                                    seconds=result.seconds, errors=result.errors, seq=result.seq))
    for label, answers in parsed.sus.items():
        session.execute(delete(SusAnswer).where(SusAnswer.study_id == study.id,
                                                SusAnswer.participant_id == people[label].id))
        session.flush()
        session.add(SusAnswer(study_id=study.id, participant_id=people[label].id,
                              answers=answers, score=sus_score(answers)))
    return {"results": len(parsed.results), "sus": len(parsed.sus), "participants": len(people)}


def usability_data(session: Session, study: Study) -> Any:
    from surveyapp.research.importers import TaskResult, UsabilityData

    labels = {p.id: p.label for p in study.participants}
    rows = session.scalars(select(UsabilityResult).where(UsabilityResult.study_id == study.id)
                           .order_by(UsabilityResult.id)).all()
    sus = session.scalars(select(SusAnswer).where(SusAnswer.study_id == study.id)).all()
    return UsabilityData(
        [TaskResult(labels.get(r.participant_id, "?"), r.task, r.success, r.seconds, r.errors, r.seq)
         for r in rows],
        {labels.get(s.participant_id, "?"): list(s.answers) for s in sus})


# ----------------------------------------------------------------------------- analysis
def analyse_study(session: Session, study: Study, progress: Any, *, sentiment_model: Any,
                  cache_dir: str) -> dict[str, Any]:
    """Sentiment per passage; passages assigned to the survey question's themes; new themes
    proposed from what the surveys never raised. Idempotent: re-running replaces results."""
    from nlp import themes as nlp_themes

    passages = session.scalars(select(Passage).where(Passage.study_id == study.id)
                               .order_by(Passage.id)).all()
    texts = [p.text for p in passages]
    progress(0.05, f"{len(texts):,} passages to read")
    analysis = None
    if study.survey_id and study.question_id:
        analysis = session.scalar(select(TextAnalysis).where(
            TextAnalysis.survey_id == study.survey_id, TextAnalysis.question_id == study.question_id))
    result = nlp_themes.ThemeResult.from_json(analysis.result) if analysis else None
    if result is not None and result.themes:
        assigned = nlp_themes.assign(result, texts, cache_dir=cache_dir) if texts else []
    else:
        assigned = [-1 if k == "ok" else nlp_themes.FILLER if k == nlp_themes.FILLER
                    else nlp_themes.NON_ENGLISH for k in nlp_themes.classify(texts)]
    progress(0.4, "themes assigned; looking for themes the surveys never raised")
    unthemed = [i for i, a in enumerate(assigned) if a == -1]
    proposed: list[dict[str, Any]] = []
    proposal_of: dict[int, int] = {}
    if len(unthemed) >= MIN_PROPOSED:
        fresh = nlp_themes.find_themes([texts[i] for i in unthemed], cache_dir=cache_dir)
        for k, theme in enumerate(fresh.themes):
            proposed.append({"label": theme.label, "keywords": list(theme.keywords)[:6],
                             "size": theme.count})
            for j, a in enumerate(fresh.assignments):
                if a == theme.id:
                    proposal_of[unthemed[j]] = k
    progress(0.6, "reading sentiment")
    scores: list[dict[str, Any] | None] = [None] * len(texts)
    if sentiment_model is not None:
        ok = [i for i, a in enumerate(assigned) if a not in ("filler", "non_english")]
        for i, res in zip(ok, sentiment_model.analyse([texts[i] for i in ok]), strict=True):
            scores[i] = res
    for i, p in enumerate(passages):
        a = assigned[i]
        p.kind = a if isinstance(a, str) else "ok"
        p.theme = a if isinstance(a, int) else None
        p.proposed_theme = proposal_of.get(i)
        p.sentiment = scores[i]["label"] if scores[i] else None
        p.sentiment_score = scores[i]["score"] if scores[i] else None
    study.analysis = {"passages": len(passages), "proposed": proposed,
                      "themes_from": study.question_id if result else None,
                      "sentiment": sentiment_model is not None}
    progress(1.0, "done")
    return {"message": f"Read {len(passages):,} passages; {len(proposed)} new themes proposed",
            "passages": len(passages)}


def theme_evidence(session: Session, study: Study) -> list[dict[str, Any]]:
    """Per theme of the linked survey question: interview passages beside survey answers."""
    if not (study.survey_id and study.question_id):
        return []
    analysis = session.scalar(select(TextAnalysis).where(
        TextAnalysis.survey_id == study.survey_id, TextAnalysis.question_id == study.question_id))
    if analysis is None:
        return []
    from nlp.themes import ThemeResult

    result = ThemeResult.from_json(analysis.result)
    labels = {**{t.id: t.label for t in result.themes},
              **{int(k): v for k, v in ((analysis.edits or {}).get("labels") or {}).items()}}
    answers = dict(session.execute(
        select(AnswerAnnotation.theme, func.count()).where(
            AnswerAnnotation.survey_id == study.survey_id,
            AnswerAnnotation.question_id == study.question_id,
            AnswerAnnotation.theme.is_not(None)).group_by(AnswerAnnotation.theme)).all())
    passages = Counter(session.scalars(select(Passage.theme).where(
        Passage.study_id == study.id, Passage.theme.is_not(None), Passage.theme >= 0)))
    sentiments: dict[int, Counter] = {}
    for theme, label in session.execute(select(Passage.theme, Passage.sentiment).where(
            Passage.study_id == study.id, Passage.theme >= 0)):
        sentiments.setdefault(theme, Counter())[label or "unknown"] += 1
    rows = [{"id": tid, "label": label, "passages": passages.get(tid, 0),
             "answers": answers.get(tid, 0), "sentiment": sentiments.get(tid, Counter())}
            for tid, label in labels.items()]
    return sorted(rows, key=lambda r: (-r["passages"], -r["answers"]))


# ----------------------------------------------------------------------------- highlights
class HighlightError(ValueError):
    """A selection that is not in the passage."""


def tags_by_name(session: Session, workspace_id: int, names: list[str]) -> list[Tag]:
    """The codebook's tags with these names, adding the new ones."""
    wanted = {n.strip()[:60]: None for n in names if n.strip()}
    found = {t.name: t for t in session.scalars(select(Tag).where(
        Tag.workspace_id == workspace_id, Tag.name.in_(list(wanted))))}
    for name in wanted:
        if name not in found:
            found[name] = Tag(workspace_id=workspace_id, name=name)
            session.add(found[name])
    return [found[n] for n in wanted]


def add_highlight(session: Session, passage: Passage, quote: str, *, start: int | None = None,
                  tags: list[Tag], note: str = "", user_id: int | None = None) -> Highlight:
    """Keep an exact quote from a passage (and where it was), with codebook tags."""
    quote = quote.strip()
    if not quote:
        raise HighlightError("Select or type the words to highlight.")
    if start is None or passage.text[start:start + len(quote)] != quote:
        start = passage.text.find(quote)
    if start < 0:
        raise HighlightError("The highlight must be words from this passage, exactly as written.")
    highlight = Highlight(
        workspace_id=passage.source.workspace_id, study_id=passage.study_id, passage_id=passage.id,
        quote=quote, start=start, end=start + len(quote), speaker=passage.speaker,
        source_title=passage.source.title, theme=passage.theme, note=note, created_by_id=user_id,
        tags=tags)
    session.add(highlight)
    return highlight


def merge_tags(session: Session, source: Tag, target: Tag) -> int:
    """Move every highlight of ``source`` to ``target`` and remove ``source``."""
    moved = 0
    for highlight in session.scalars(select(Highlight).where(Highlight.tags.contains(source))):
        if target not in highlight.tags:
            highlight.tags.append(target)
        highlight.tags.remove(source)
        moved += 1
    if source.description and not target.description:
        target.description = source.description
    session.delete(source)
    return moved


def insight_weight(session: Session, study: Study, highlights: list[Highlight]) -> dict[str, Any]:
    """The quantitative weight behind an insight: how many people said it in the study,
    and what share of the linked survey question's answers fall in the same themes."""
    themes = {h.theme for h in highlights if h.theme is not None and h.theme >= 0}
    out: dict[str, Any] = {"highlights": len(highlights),
                           "voices": len({(h.source_title, h.speaker) for h in highlights}),
                           "themes": sorted(themes), "answers": 0, "answer_share": None}
    if themes and study.survey_id and study.question_id:
        counts = dict(session.execute(select(AnswerAnnotation.theme, func.count()).where(
            AnswerAnnotation.survey_id == study.survey_id,
            AnswerAnnotation.question_id == study.question_id,
            AnswerAnnotation.kind == "ok").group_by(AnswerAnnotation.theme)).all())
        total = sum(counts.values())
        out["answers"] = sum(counts.get(t, 0) for t in themes)
        out["answer_share"] = out["answers"] / total if total else None
    return out
