"""Erasing a person from the open-text analysis: their words leave the stored themes.

The analysis keeps copies of answers beyond the per-answer annotations (which go with the
responses): each theme's verbatim quotes, its keywords and the label made from them, and
the embedding cache on disk. On erasure:

* a quote that is one of the person's answers is removed and replaced by another answer of
  the same theme, when there is one;
* a keyword found in none of the remaining answers to the question came from the person
  alone: it is dropped, and a label that used it is made again from the keywords left (an
  analyst's rename that used it too). The next analysis reads only the remaining answers,
  so nothing brings them back;
* theme counts lose the person's answers;
* the embedding cache (``<data dir>/nlp-cache``) is deleted once the erasure is committed:
  it is keyed by a hash of each text, and rebuilding it costs one embedding pass.

Old theme names -> new ones are left in ``session.info`` for erasers that copied a name
(segment profiles; evidence labels are read again from the analyses).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import AnswerAnnotation, Contact, Response, TextAnalysis
from surveyapp.privacy.derived import RENAMED_KEY, after_erasure, forms_of, their_answers


def erase_from_analyses(session: Session, contacts: list[Contact]) -> int:
    """Remove the contacts' words from stored themes; returns quotes + keywords + labels
    removed. Queues the embedding cache's deletion."""
    cache_dir = Path(current_app.config["SETTINGS"].nlp_cache_dir)
    after_erasure(session, "clear the embedding cache", lambda: clear_embedding_cache(cache_dir))
    answers = their_answers(session, contacts)
    ids = [c.id for c in contacts]
    removed = 0
    renamed: dict[str, str] = session.info.setdefault(RENAMED_KEY, {})
    for (survey_id, qid), texts in answers.items():
        analysis = session.scalar(select(TextAnalysis).where(
            TextAnalysis.survey_id == survey_id, TextAnalysis.question_id == qid))
        if analysis is None or not analysis.result:
            continue
        n, names = _scrub(session, analysis, texts, ids)
        removed += n
        renamed.update(names)
    return removed


def _scrub(session: Session, analysis: TextAnalysis, texts: list[str],
           contact_ids: list[int]) -> tuple[int, dict[str, str]]:
    from nlp.text import normalise, scrub_pii
    from nlp.themes import make_label

    theirs = {f.lower() for t in texts for f in forms_of(t)}
    qid = analysis.question_id
    mine = select(Response.id).where(Response.contact_id.in_(contact_ids))
    others: dict[int, str] = {}
    for rid, answers in session.execute(select(Response.id, Response.answers).where(
            Response.survey_id == analysis.survey_id, Response.id.not_in(mine))):
        value = (answers or {}).get(qid)
        if isinstance(value, str) and value.strip():
            others[rid] = scrub_pii(normalise(value))
    corpus = "\n".join(d.lower() for d in others.values())

    def still_said(phrase: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", corpus) is not None

    def unsaid(label: str) -> bool:
        return any(not still_said(w) for w in _label_words(label))

    their_themes: dict[int, int] = {}
    for (theme,) in session.execute(select(AnswerAnnotation.theme).where(
            AnswerAnnotation.survey_id == analysis.survey_id, AnswerAnnotation.question_id == qid,
            AnswerAnnotation.response_id.in_(mine))):
        if theme is not None:
            their_themes[theme] = their_themes.get(theme, 0) + 1
    data: dict[str, Any] = json.loads(analysis.result)
    removed = 0
    names: dict[str, str] = {}
    dropped_all: set[str] = set()
    for theme in data.get("themes", []):
        quotes = [q for q in theme.get("quotes", []) if q.strip().lower() not in theirs]
        gone = len(theme.get("quotes", [])) - len(quotes)
        if gone:
            removed += gone
            quotes += _other_quotes(session, analysis, theme["id"], others, quotes, gone)
            theme["quotes"] = quotes
        for sub in theme.get("subthemes") or []:  # the report's drill-down quotes them too
            kept_quotes = [q for q in sub.get("quotes", []) if q.strip().lower() not in theirs]
            removed += len(sub.get("quotes", [])) - len(kept_quotes)
            sub["quotes"] = kept_quotes
            sub_kw = [k for k in sub.get("keywords", []) if still_said(str(k))]
            if "keywords" in sub:
                sub["keywords"] = sub_kw
            if unsaid(str(sub.get("label", ""))):  # a phrase label mined from their answer
                sub["label"] = make_label(sub_kw) if sub_kw else "Other answers"
                removed += 1
        keywords = list(theme.get("keywords", []))
        kept = [k for k in keywords if still_said(str(k))]
        dropped = set(keywords) - set(kept)
        if dropped:
            removed += len(dropped)
            dropped_all |= {str(d).lower() for d in dropped}
            theme["keywords"] = kept
        old = str(theme.get("label", ""))
        # Labels are phrases mined from the answers (nlp.labels), not only keywords: a
        # label with a word no remaining answer says is made again too.
        if (dropped and _uses(old, dropped)) or unsaid(old):
            theme["label"] = make_label(kept) if kept else "Other answers"
            names[old] = theme["label"]
            removed += 1
            dropped_all |= {w for w in _label_words(old) if not still_said(w)}
        theme["count"] = max(0, int(theme.get("count", 0)) - their_themes.get(theme["id"], 0))
    from surveyapp.analysis.job import erase_llm_texts

    removed += erase_llm_texts(data, theirs)  # a local model's summaries quoting them
    labels = dict((analysis.edits or {}).get("labels") or {})
    by_id = {str(t["id"]): t["label"] for t in data.get("themes", [])}
    for key, label in list(labels.items()):
        if _uses(str(label), dropped_all) or unsaid(str(label)):
            labels[key] = by_id.get(key, "Other answers")
            names[str(label)] = labels[key]
            removed += 1
    if labels != ((analysis.edits or {}).get("labels") or {}):
        analysis.edits = {**(analysis.edits or {}), "labels": labels}
    analysis.result = json.dumps(data)
    analysis.answers = max(0, analysis.answers - len(texts))
    return removed, names


def _label_words(label: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z'-]{3,}", label.lower()) if w != "other"]


def _uses(label: str, phrases: set[str]) -> bool:
    low = label.lower()
    return any(re.search(rf"(?<!\w){re.escape(str(p).lower())}(?!\w)", low) for p in phrases)


def _other_quotes(session: Session, analysis: TextAnalysis, theme_id: int,
                  others: dict[int, str], have: list[str], n: int) -> list[str]:
    """Up to ``n`` other answers of this theme to quote instead (readable length first)."""
    ids = session.scalars(select(AnswerAnnotation.response_id).where(
        AnswerAnnotation.survey_id == analysis.survey_id,
        AnswerAnnotation.question_id == analysis.question_id,
        AnswerAnnotation.theme == theme_id).order_by(AnswerAnnotation.response_id))
    seen = {q.lower() for q in have}
    pool = [others[i] for i in ids if i in others and others[i].lower() not in seen]
    pool.sort(key=lambda d: (not 20 <= len(d) <= 160, len(d.split()) < 4))
    out: list[str] = []
    for doc in pool:
        if doc.lower() not in seen:
            seen.add(doc.lower())
            out.append(doc)
        if len(out) >= n:
            break
    return out


def clear_embedding_cache(cache_dir: Path) -> None:
    """Delete the on-disk embedding cache (and SQLite's side files) and the in-process one."""
    for name in ("embeddings.sqlite3", "embeddings.sqlite3-wal", "embeddings.sqlite3-shm"):
        (cache_dir / name).unlink(missing_ok=True)
    embeddings = sys.modules.get("nlp.embeddings")
    if embeddings is not None:
        embeddings._MEMO.clear()  # noqa: SLF001 - the in-process copy of the same cache
