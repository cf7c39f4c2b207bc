"""Search index of the research repository (issue #13): one row per searchable text --
a study passage, a highlight (quote and note) or an open-text survey answer.

The rows are plain data the ORM knows; the full-text index over ``body`` is not: SQLite
gets an FTS5 external-content table kept in step by triggers, PostgreSQL a GIN index on
``to_tsvector('english', body)``. Both are made by migration 0013 and, for databases built
with ``create_all`` (tests, a fresh SQLite file), by the DDL hooks below. Their names start
with ``research_search_fts`` so the schema comparison can leave them out.

Every row points at what it indexes with ``ON DELETE CASCADE``, so deleting a passage, a
highlight or a response (erasure, retention, a removed source) removes it from search in
the same statement, on both databases.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.models.base import Base

FTS_PREFIX = "research_search_fts"

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE research_search_fts USING fts5(body, content='research_search_doc', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER research_search_fts_ai AFTER INSERT ON research_search_doc BEGIN "
    "INSERT INTO research_search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER research_search_fts_ad AFTER DELETE ON research_search_doc BEGIN "
    "INSERT INTO research_search_fts(research_search_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER research_search_fts_au AFTER UPDATE ON research_search_doc BEGIN "
    "INSERT INTO research_search_fts(research_search_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO research_search_fts(rowid, body) VALUES (new.id, new.body); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS research_search_fts_ai",
               "DROP TRIGGER IF EXISTS research_search_fts_ad",
               "DROP TRIGGER IF EXISTS research_search_fts_au",
               "DROP TABLE IF EXISTS research_search_fts"]
POSTGRES_CREATE = ["CREATE INDEX research_search_fts_gin ON research_search_doc "
                   "USING gin (to_tsvector('english'::regconfig, body))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS research_search_fts_gin"]


class SearchDoc(Base):
    __tablename__ = "research_search_doc"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index(None, "workspace_id", "kind"),
        Index(None, "passage_id", unique=True),
        Index(None, "highlight_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # passage | highlight | answer
    study_id: Mapped[int | None] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_participant.id", ondelete="SET NULL"))
    passage_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_passage.id", ondelete="CASCADE"))
    highlight_id: Mapped[int | None] = mapped_column(ForeignKey("highlight.id", ondelete="CASCADE"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime]  # when the material was imported / highlighted / answered
    indexed_version: Mapped[dt.datetime | None]  # an answer's response.updated_at when read
    body: Mapped[str] = mapped_column(Text)


class SearchCursor(Base):
    """How far open-text answers have been read into the index, per workspace."""

    __tablename__ = "research_search_cursor"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"),
                                              primary_key=True)
    answers_until: Mapped[dt.datetime | None]  # the latest response.updated_at read


def _ddl(statements: list[str], dialect: str) -> list[DDL]:
    return [DDL(s).execute_if(dialect=dialect) for s in statements]


for _stmt in _ddl(SQLITE_CREATE, "sqlite") + _ddl(POSTGRES_CREATE, "postgresql"):
    event.listen(SearchDoc.__table__, "after_create", _stmt)
for _stmt in _ddl(SQLITE_DROP, "sqlite") + _ddl(POSTGRES_DROP, "postgresql"):
    event.listen(SearchDoc.__table__, "before_drop", _stmt)
