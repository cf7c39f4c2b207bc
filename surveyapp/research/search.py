"""Search across the workspace's qualitative data: study passages (transcripts and notes),
highlights (quote and note) and open-text survey answers, with the database's own
full-text search -- SQLite FTS5 (BM25) or PostgreSQL ``tsvector`` (GIN index, ``ts_rank_cd``).

The index is ``research_search_doc`` (``surveyapp.models.research_search``). It is kept
current without touching the answer-ingest path:

* rows point at what they index with ``ON DELETE CASCADE``: deleted or erased material
  leaves search in the same statement;
* an edit of a passage's text or a highlight's quote/note drops its row at flush (the
  listener at the end of this module);
* :func:`sync` -- run before every search -- adds passages and highlights that have no row
  yet, and reads open-text answers written since a per-workspace cursor on
  ``response.updated_at`` (with a margin, so a slow transaction is not missed).

Queries are parsed here, never handed to the database's query syntax: words, "quoted
phrases", ``word*`` prefixes and ``-word`` exclusions; everything else is a plain word, so
``NEAR``, ``OR``, ``*`` or a stray quote cannot break or widen a search.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from flask import request
from markupsafe import Markup, escape
from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, column, table

from surveyapp.extensions import db
from surveyapp.models import AnswerAnnotation, Response, Survey, SurveyVersion, Workspace
from surveyapp.models.research import (
    Highlight,
    Participant,
    Passage,
    Study,
    StudySource,
    Tag,
    highlight_tag,
)
from surveyapp.models.research_search import SearchCursor, SearchDoc
from surveyapp.models.segments import Segment, SegmentMember, SegmentRun
from surveyapp.surveys.questions import OpenText, question_type

PAGE_SIZE = 20  # hits per search page
PAGE = 200  # passages shown per study page (a hit links to its page)
BATCH = 1000
#: Answers whose response changed up to this long before the cursor are read again: a
#: transaction that committed late (its updated_at before the cursor) is still found.
MARGIN = dt.timedelta(minutes=10)
KINDS = {"passage": "Transcripts and notes", "highlight": "Highlights", "answer": "Survey answers"}
SENTIMENTS = ("negative", "neutral", "positive")
#: Highlights of erased participants keep this quote (see erasure.py) and are not indexed.
REMOVED = "[removed: participant erased]"
_START, _STOP = "\x02", "\x03"  # match markers in snippets; stripped from indexed text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+")
ARGS = ("q", "kind", "study", "tag", "segment", "sentiment", "from", "to")  # kept by the pager
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


# ----------------------------------------------------------------------------- queries
@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase
    prefix: bool = False  # the last word is a prefix


@dataclass
class Query:
    include: list[Term] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.include)


#: PostgreSQL's English stop words (snowball ``english.stop``): PostgreSQL ignores them in a
#: query, so they are dropped from bare terms on SQLite too and both databases agree.
_STOP_TEXT = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did
doing a an the and but if or because as until while of at by for with about against
between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more
most other some such no nor not only own same so than too very s t can will just don
should now"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def parse(text: str) -> Query:
    """Words, "phrases", prefix* and -exclusions; anything else is read as words."""
    query = Query()
    stop = STOP_WORDS
    for match in _TOKEN.finditer(text[:500]):
        quoted_neg, phrase, bare = match.groups()
        if bare is not None:
            negative, raw = bare.startswith("-"), bare.lstrip("-")
            words = tuple(w.lower() for w in _WORD.findall(raw))
            prefix = raw.endswith("*") and len(words) == 1
            if len(words) == 1 and words[0] in stop and not prefix:
                continue
        else:
            negative, words, prefix = bool(quoted_neg), tuple(
                w.lower() for w in _WORD.findall(phrase)), False
        if not words or all(w in stop for w in words):
            continue
        (query.exclude if negative else query.include).append(Term(words, prefix))
    return query


def fts5_match(query: Query) -> str:
    """An FTS5 MATCH expression. Every word is a quoted string of word characters, so no
    input reaches FTS5's operators."""
    def one(term: Term) -> str:
        return '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")

    expr = "(" + " AND ".join(one(t) for t in query.include) + ")"
    return expr + "".join(f" NOT {one(t)}" for t in query.exclude)


_PG_CONFIG = literal_column("'english'::regconfig")


def _pg_term(term: Term) -> ColumnElement[Any]:
    if term.prefix:  # a single \w+ word: nothing to_tsquery could read as an operator
        return func.to_tsquery(_PG_CONFIG, term.words[0] + ":*")
    return func.phraseto_tsquery(_PG_CONFIG, " ".join(term.words))


def pg_tsquery(query: Query) -> ColumnElement[Any]:
    expr = _pg_term(query.include[0])
    for term in query.include[1:]:
        expr = func.tsquery_and(expr, _pg_term(term))
    for term in query.exclude:
        expr = func.tsquery_and(expr, func.tsquery_not(_pg_term(term)))
    return expr


# ----------------------------------------------------------------------------- indexing
def clean(text: str) -> str:
    return _CONTROL.sub(" ", text or "")


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    for i in range(0, len(rows), BATCH):
        session.execute(insert(SearchDoc), rows[i:i + BATCH])
    return len(rows)


def sync(session: Session, workspace_id: int) -> dict[str, int]:
    """Bring the workspace's search index up to date; returns rows added per kind.

    Two searches may sync at once: each part runs in a savepoint, and the one that loses
    the race on a unique key (the other already indexed those rows) just skips that part.
    """
    out = {}
    for name, part in (("passages", _sync_passages), ("highlights", _sync_highlights),
                       ("answers", _sync_answers)):
        try:
            with session.begin_nested():
                out[name] = part(session, workspace_id)
        except IntegrityError:
            out[name] = 0
    return out


SYNC_EVERY = 600.0  # seconds between scheduled catch-ups (``surveyapp worker --beat``)


def sync_all() -> dict[str, dict[str, int]]:
    """Index what is new in every workspace, so that a search after a burst of survey
    answers does not pay for indexing them (scheduled by beat every 10 minutes)."""
    out = {}
    for slug, workspace_id in db.session.execute(select(Workspace.slug, Workspace.id)).all():
        out[slug] = sync(db.session, workspace_id)
        db.session.commit()
    return out


def _sync_passages(session: Session, workspace_id: int) -> int:
    rows = session.execute(
        select(Passage.id, Passage.study_id, Passage.text, StudySource.participant_id,
               StudySource.created_at)
        .join(StudySource, StudySource.id == Passage.source_id)
        .join(Study, Study.id == Passage.study_id)
        .where(Study.workspace_id == workspace_id,
               ~exists().where(SearchDoc.passage_id == Passage.id))).all()
    return _insert(session, [
        {"workspace_id": workspace_id, "kind": "passage", "study_id": study_id,
         "participant_id": participant_id, "passage_id": pid, "occurred_at": at,
         "body": clean(text)} for pid, study_id, text, participant_id, at in rows])


def _sync_highlights(session: Session, workspace_id: int) -> int:
    rows = session.execute(
        select(Highlight.id, Highlight.study_id, Highlight.quote, Highlight.note,
               Highlight.created_at, StudySource.participant_id)
        .outerjoin(Passage, Passage.id == Highlight.passage_id)
        .outerjoin(StudySource, StudySource.id == Passage.source_id)
        .where(Highlight.workspace_id == workspace_id, Highlight.quote != REMOVED,
               ~exists().where(SearchDoc.highlight_id == Highlight.id))).all()
    return _insert(session, [
        {"workspace_id": workspace_id, "kind": "highlight", "study_id": study_id,
         "participant_id": participant_id, "highlight_id": hid, "occurred_at": at,
         "body": clean(f"{quote}\n{note}".strip())}
        for hid, study_id, quote, note, at, participant_id in rows])


def _open_text_questions(session: Session, workspace_id: int) -> dict[int, list[str]]:
    """Open-text question ids per survey version of the workspace."""
    out: dict[int, list[str]] = {}
    for vid, definition in session.execute(
            select(SurveyVersion.id, SurveyVersion.definition).join(Survey, Survey.id == SurveyVersion.survey_id)
            .where(Survey.workspace_id == workspace_id)):
        qids = [q["id"] for q in (definition or {}).get("questions", [])
                if question_type(q) is OpenText and q.get("id")]
        if qids:
            out[vid] = qids
    return out


def _sync_answers(session: Session, workspace_id: int) -> int:
    """Read open-text answers written or changed since the cursor, in keyset batches."""
    from nlp.text import scrub_pii

    versions = _open_text_questions(session, workspace_id)
    if not versions:
        return 0
    cursor = session.get(SearchCursor, workspace_id) or SearchCursor(workspace_id=workspace_id)
    session.add(cursor)
    since = cursor.answers_until - MARGIN if cursor.answers_until else None
    after: tuple[dt.datetime, int] | None = None
    added = 0
    while True:
        stmt = (select(Response.id, Response.survey_id, Response.version_id, Response.answers,
                       Response.created_at, Response.updated_at)
                .where(Response.version_id.in_(list(versions)),
                       ~exists().where(SearchDoc.response_id == Response.id,
                                       SearchDoc.indexed_version == Response.updated_at))
                .order_by(Response.updated_at, Response.id).limit(BATCH))
        if since is not None:
            stmt = stmt.where(Response.updated_at >= since)
        if after is not None:
            stmt = stmt.where(tuple_(Response.updated_at, Response.id) > after)
        batch = session.execute(stmt).all()
        if not batch:
            break
        added += _index_answers(session, workspace_id, batch, versions, scrub_pii)
        after = (batch[-1].updated_at, batch[-1].id)
        if cursor.answers_until is None or after[0] > cursor.answers_until:
            cursor.answers_until = after[0]
        if len(batch) < BATCH:
            break
    return added


def _index_answers(session: Session, workspace_id: int, batch: list[Any],
                   versions: dict[int, list[str]], scrub: Any) -> int:
    seen = {rid: version for rid, version in session.execute(
        select(SearchDoc.response_id, SearchDoc.indexed_version).where(
            SearchDoc.response_id.in_([r.id for r in batch])))}
    changed = [r for r in batch if r.id not in seen or seen[r.id] != r.updated_at]
    if not changed:
        return 0
    session.execute(delete(SearchDoc).where(SearchDoc.response_id.in_([r.id for r in changed])))
    rows = []
    for r in changed:
        for qid in versions.get(r.version_id, []):
            value = (r.answers or {}).get(qid)
            if isinstance(value, str) and value.strip():
                rows.append({"workspace_id": workspace_id, "kind": "answer", "survey_id": r.survey_id,
                             "response_id": r.id, "question_id": qid, "occurred_at": r.created_at,
                             "indexed_version": r.updated_at, "body": clean(scrub(value))})
    return _insert(session, rows)


def forget(session: Session, *, passage_ids: list[int] = (), highlight_ids: list[int] = ()) -> None:  # type: ignore[assignment]
    """Drop index rows of changed passages or highlights; the next sync reads them again.
    Called automatically for ORM edits; call it after a bulk ``update()`` of their text."""
    if passage_ids:
        session.execute(delete(SearchDoc).where(SearchDoc.passage_id.in_(list(passage_ids))))
    if highlight_ids:
        session.execute(delete(SearchDoc).where(SearchDoc.highlight_id.in_(list(highlight_ids))))


def forget_edited(session: Session, _context: object) -> None:
    from sqlalchemy import inspect

    if not session.dirty:
        return
    passages, highlights = [], []
    for obj in session.dirty:
        if isinstance(obj, Passage) and inspect(obj).attrs.text.history.has_changes():
            passages.append(obj.id)
        elif isinstance(obj, Highlight) and any(
                inspect(obj).attrs[a].history.has_changes() for a in ("quote", "note")):
            highlights.append(obj.id)
    if passages or highlights:
        conn = session.connection()
        if passages:
            conn.execute(delete(SearchDoc).where(SearchDoc.passage_id.in_(passages)))
        if highlights:
            conn.execute(delete(SearchDoc).where(SearchDoc.highlight_id.in_(highlights)))


# ----------------------------------------------------------------------------- searching
@dataclass
class Filters:
    study: int | None = None
    kind: str | None = None
    tag: int | None = None
    segment: int | None = None
    sentiment: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class Hit:
    doc: SearchDoc
    snippet: Markup
    rank: float
    title: str = ""
    link: tuple[str, dict[str, Any]] = ("", {})  # url_for(endpoint, **args), in the page
    tags: list[str] = field(default_factory=list)


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    pages: int


def _conditions(workspace_id: int, f: Filters) -> list[ColumnElement[bool]]:
    d = SearchDoc
    out: list[ColumnElement[bool]] = [d.workspace_id == workspace_id]
    if f.study:
        out.append(d.study_id == f.study)
    if f.kind:
        out.append(d.kind == f.kind)
    if f.tag:
        out += [d.kind == "highlight", exists().where(highlight_tag.c.highlight_id == d.highlight_id,
                                                      highlight_tag.c.tag_id == f.tag)]
    if f.sentiment:
        out.append(or_(
            and_(d.kind == "passage", exists().where(Passage.id == d.passage_id,
                                                     Passage.sentiment == f.sentiment)),
            and_(d.kind == "highlight", exists().where(
                Highlight.id == d.highlight_id, Passage.id == Highlight.passage_id,
                Passage.sentiment == f.sentiment)),
            and_(d.kind == "answer", exists().where(
                AnswerAnnotation.response_id == d.response_id,
                AnswerAnnotation.question_id == d.question_id,
                AnswerAnnotation.sentiment == f.sentiment))))
    if f.segment:
        members = select(SegmentMember.contact_id).where(SegmentMember.segment_id == f.segment)
        out.append(or_(
            d.participant_id.in_(select(Participant.id).where(Participant.contact_id.in_(members))),
            d.response_id.in_(select(Response.id).where(Response.contact_id.in_(members)))))
    if f.start:
        out.append(d.occurred_at >= dt.datetime.combine(f.start, dt.time(), dt.UTC))
    if f.end:
        out.append(d.occurred_at < dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time(), dt.UTC))
    return out


def mark(snippet: str) -> Markup:
    """Escape the text, then turn the database's match markers into <mark>."""
    html = str(escape(snippet or ""))
    return Markup(html.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def search(session: Session, workspace_id: int, text: str, filters: Filters | None = None,
           page: int = 1, page_size: int = PAGE_SIZE) -> Results:
    """Ranked matches of ``text`` in the workspace's qualitative data (after a sync)."""
    query = parse(text)
    if not query:
        return Results([], 0, 1, 0)
    sync(session, workspace_id)
    where = _conditions(workspace_id, filters or Filters())
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgres(session, query, where, page, page_size)
    return _search_sqlite(session, query, where, page, page_size)


def _page(session: Session, base: Any, order: list[Any], page: int,
          page_size: int) -> tuple[list[Any], int, int, int]:
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    rows = session.execute(base.order_by(*order).offset((page - 1) * page_size)
                           .limit(page_size)).all()
    return rows, total, page, pages


def _search_postgres(session: Session, query: Query, where: list[Any], page: int,
                     page_size: int) -> Results:
    vector = func.to_tsvector(_PG_CONFIG, SearchDoc.body)  # the GIN index's expression
    tsq = pg_tsquery(query)
    rank = func.ts_rank_cd(vector, tsq)
    base = select(SearchDoc, rank.label("rank")).where(vector.op("@@")(tsq), *where)
    rows, total, page, pages = _page(session, base, [rank.desc(), SearchDoc.id.desc()], page, page_size)
    snippets = dict(session.execute(select(SearchDoc.id, func.ts_headline(
        _PG_CONFIG, SearchDoc.body, tsq,
        f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
        'FragmentDelimiter=" … "')).where(SearchDoc.id.in_([d.id for d, _ in rows]))).all()) if rows else {}
    hits = [Hit(doc, mark(snippets.get(doc.id, "")), float(r or 0)) for doc, r in rows]
    _describe(session, hits)
    return Results(hits, total, page, pages)


def _search_sqlite(session: Session, query: Query, where: list[Any], page: int,
                   page_size: int) -> Results:
    """The FTS5 match runs first, as a materialised CTE: joined directly, SQLite may loop
    over the workspace's rows and run the full-text query once per row."""
    fts = table("research_search_fts", column("rowid"))
    ref = literal_column("research_search_fts")
    match = fts5_match(query)
    matched = (select(fts.c.rowid.label("doc_id"), func.bm25(ref).label("rank"))
               .where(ref.op("MATCH")(match)).cte("matched").prefix_with("MATERIALIZED"))
    base = (select(SearchDoc, matched.c.rank).select_from(matched)
            .join(SearchDoc, SearchDoc.id == matched.c.doc_id).where(*where))
    rows, total, page, pages = _page(session, base, [matched.c.rank, SearchDoc.id.desc()], page, page_size)
    snippets = dict(session.execute(
        select(fts.c.rowid, func.snippet(ref, 0, _START, _STOP, "…", 24))
        .where(ref.op("MATCH")(match), fts.c.rowid.in_([d.id for d, _ in rows]))).all()) if rows else {}
    hits = [Hit(doc, mark(snippets.get(doc.id, "")), float(r or 0)) for doc, r in rows]
    _describe(session, hits)
    return Results(hits, total, page, pages)


def _describe(session: Session, hits: list[Hit]) -> None:
    """Title, link and tags of each hit, with a few small queries for the page."""
    docs = [h.doc for h in hits]
    studies = dict(session.execute(select(Study.id, Study.title).where(
        Study.id.in_({d.study_id for d in docs if d.study_id}))).all()) if docs else {}
    surveys = dict(session.execute(select(Survey.id, Survey.name).where(
        Survey.id.in_({d.survey_id for d in docs if d.survey_id}))).all()) if docs else {}
    sources = {pid: (title, speaker) for pid, title, speaker in session.execute(
        select(Passage.id, StudySource.title, Passage.speaker).join(StudySource).where(
            Passage.id.in_({d.passage_id for d in docs if d.passage_id})))} if docs else {}
    tags: dict[int, list[str]] = {}
    for hid, name in session.execute(select(highlight_tag.c.highlight_id, Tag.name).join(
            Tag, Tag.id == highlight_tag.c.tag_id).where(
            highlight_tag.c.highlight_id.in_({d.highlight_id for d in docs if d.highlight_id}))
            .order_by(Tag.name)):
        tags.setdefault(hid, []).append(name)
    for hit in hits:
        d = hit.doc
        if d.kind == "passage":
            title, speaker = sources.get(d.passage_id, ("", None))
            hit.title = f"{studies.get(d.study_id, '')} — {title}" + (f" · {speaker}" if speaker else "")
            page = passage_page(session, d.passage_id)
            hit.link = ("research.study", {"study_id": d.study_id, "_anchor": f"passage-{d.passage_id}",
                                           **({"page": page} if page > 1 else {})})
        elif d.kind == "highlight":
            hit.title = f"Highlight in {studies.get(d.study_id, '')}"
            hit.link = ("research.board", {"study_id": d.study_id, "_anchor": f"highlight-{d.highlight_id}"})
            hit.tags = tags.get(d.highlight_id, [])
        else:
            hit.title = f"{surveys.get(d.survey_id, '')} — answer to {d.question_id}"
            hit.link = ("reports.survey", {"survey_id": d.survey_id, "_anchor": "latest"})


# ----------------------------------------------------------------------------- page
def request_int(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(name: str, errors: dict[str, str]) -> dt.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[name] = "Use a date such as 2026-03-31."
        return None


def filters_from_request(errors: dict[str, str]) -> Filters:
    kind = request.args.get("kind", "")
    sentiment = request.args.get("sentiment", "")
    return Filters(study=request_int("study"), kind=kind if kind in KINDS else None, tag=request_int("tag"),
                   segment=request_int("segment"), sentiment=sentiment if sentiment in SENTIMENTS else None,
                   start=_date("from", errors), end=_date("to", errors))


def filter_options(session: Session, workspace_id: int) -> dict[str, list[tuple[int, str]]]:
    return {
        "studies": list(session.execute(select(Study.id, Study.title).where(
            Study.workspace_id == workspace_id).order_by(Study.title)).tuples()),
        "tags": list(session.execute(select(Tag.id, Tag.name).where(
            Tag.workspace_id == workspace_id).order_by(Tag.name)).tuples()),
        "segments": list(session.execute(
            select(Segment.id, Segment.name).join(SegmentRun, SegmentRun.id == Segment.run_id)
            .where(Segment.workspace_id == workspace_id, SegmentRun.status == "saved")
            .order_by(Segment.position, Segment.id)).tuples()),
    }


def passage_page(session: Session, passage_id: int) -> int:
    """Which page of its study's passage list a passage is on."""
    p = session.get(Passage, passage_id)
    if p is None:
        return 1
    before = session.scalar(select(func.count()).select_from(Passage).where(
        Passage.study_id == p.study_id,
        (Passage.source_id < p.source_id)
        | ((Passage.source_id == p.source_id) & (Passage.position < p.position))))
    return before // PAGE + 1
