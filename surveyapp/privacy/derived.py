"""What erasing a person must reach beyond the rows that point at them: the copies of their
words that other stores hold (theme labels and quotes, segment profiles, evidence labels,
export files, search indexes, caches on disk, the database file's free pages).

Areas declare erasers with ``Wiring.eraser`` (run in one transaction before the contact and
its responses are deleted, in ``AREAS`` order). This module gives them:

* :func:`their_answers`: the person's open-text answers, by (survey, question), read before
  they are deleted, and the forms those texts take in derived stores (:func:`forms_of`);
* :func:`after_erasure`: work that may only run once the erasure is committed (deleting
  files, rebuilding a search index, checkpointing SQLite's write-ahead log), run by the
  ``after_commit`` listener this area installs, and never when the transaction rolls back;
* :data:`RENAMED_KEY`: theme names the analysis eraser changed (old -> new), for erasers
  that copied a theme name (segment profiles) to follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import Contact, Response

REMOVED = "[removed: person erased]"
RENAMED_KEY = "surveyapp.erasure.renamed"
_PENDING_KEY = "surveyapp.erasure.after_commit"
logger = logging.getLogger(__name__)


def their_answers(session: Session, contacts: list[Contact]) -> dict[tuple[int, str], list[str]]:
    """(survey id, question id) -> the contacts' non-empty text answers."""
    out: dict[tuple[int, str], list[str]] = {}
    ids = [c.id for c in contacts]
    if not ids:
        return out
    for survey_id, answers in session.execute(select(Response.survey_id, Response.answers)
                                              .where(Response.contact_id.in_(ids))):
        for qid, value in (answers or {}).items():
            if isinstance(value, str) and value.strip():
                out.setdefault((survey_id, qid), []).append(value)
            elif isinstance(value, dict) and isinstance(value.get("other"), str):
                out.setdefault((survey_id, qid), []).append(value["other"])
    return out


def forms_of(text: str) -> set[str]:
    """The forms an answer takes in derived stores: as written, PII-scrubbed (segment
    profile quotes), normalised and scrubbed (theme quotes and embeddings), stripped."""
    from nlp.text import normalise, scrub_pii  # regexes only; no model is loaded

    forms = {text, text.strip(), scrub_pii(text), scrub_pii(normalise(text)), normalise(text)}
    return {f for f in forms if f}


def after_erasure(session: Session, name: str, fn: Callable[[], Any]) -> None:
    """Run ``fn()`` after this session's transaction commits (once per ``name``)."""
    pending: dict[str, Callable[[], Any]] = session.info.setdefault(_PENDING_KEY, {})
    pending.setdefault(name, fn)


def run_after_commit(session: Session) -> None:
    """Session ``after_commit`` listener: the erasure's follow-up work, each step on its own
    (one failing is logged and does not stop the others: the rows are already gone)."""
    pending: dict[str, Callable[[], Any]] = session.info.pop(_PENDING_KEY, {})
    session.info.pop(RENAMED_KEY, None)
    for name, fn in pending.items():
        try:
            fn()
        except Exception:  # noqa: BLE001 - the committed erasure stands; say what is left
            logger.exception("after an erasure: %s failed", name)


def forget_after_rollback(session: Session, *_: Any) -> None:
    """Session ``after_rollback`` listener: an erasure that did not happen leaves no work."""
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(RENAMED_KEY, None)


def sqlite_checkpoint(engine: Any) -> None:
    """Copy SQLite's write-ahead log into the database and truncate it, so the pages the
    erasure overwrote (``secure_delete`` zeroes freed content) are the only ones left."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and busy[0]:
            logger.warning("the write-ahead log could not be truncated after an erasure "
                           "(a reader was active); the next checkpoint will do it")


def redact(value: Any, texts: set[str], renamed: dict[str, str]) -> tuple[Any, int]:
    """``value`` (JSON-like) with every string that holds one of ``texts`` (lower-cased
    answer forms, see :func:`forms_of`) replaced by :data:`REMOVED` -- a list item that is
    a quote object (``{"text": ...}``) is dropped instead -- and every string equal to an
    old theme name in ``renamed`` replaced by the new one. Returns (value, changes)."""
    if isinstance(value, str):
        low = value.lower()
        if value in renamed:
            return renamed[value], 1
        if any(t and t in low for t in texts):
            return REMOVED, 1
        return value, 0
    if isinstance(value, list):
        out: list[Any] = []
        n = 0
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("text"), str) \
                    and any(t and t in item["text"].lower() for t in texts):
                n += 1
                continue
            new, k = redact(item, texts, renamed)
            out.append(new)
            n += k
        return out, n
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        n = 0
        for key, item in value.items():
            new, k = redact(item, texts, renamed)
            result[key] = new
            n += k
        return result, n
    return value, 0


def answer_needles(session: Session, contacts: list[Contact]) -> set[str]:
    """The lower-cased forms of the contacts' text answers that are long enough to be
    theirs (an answer of one or two words such as "ok" is everyone's, and redacting
    every string holding it would remove other people's words)."""
    return {f.lower() for texts in their_answers(session, contacts).values() for t in texts
            for f in forms_of(t) if len(f.split()) >= 3 or len(f) >= 20}
