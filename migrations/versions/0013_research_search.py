"""Research search: one row per searchable text (passages, highlights, open-text answers)
with SQLite FTS5 / PostgreSQL full-text indexes

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Kept here (not imported from the models) so this migration stays as it was written.
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


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    op.create_table('research_search_cursor',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('answers_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_research_search_cursor_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_research_search_cursor'))
    )
    op.create_table('research_search_doc',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('passage_id', sa.Integer(), nullable=True),
    sa.Column('highlight_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.String(length=40), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('indexed_version', sa.DateTime(timezone=True), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['highlight_id'], ['highlight.id'], name=op.f('fk_research_search_doc_highlight_id_highlight'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['study_participant.id'], name=op.f('fk_research_search_doc_participant_id_study_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['passage_id'], ['study_passage.id'], name=op.f('fk_research_search_doc_passage_id_study_passage'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_research_search_doc_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_research_search_doc_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_research_search_doc_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_research_search_doc_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_search_doc')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_research_search_doc_response_id_question_id'))
    )
    op.create_index(op.f('ix_research_search_doc_highlight_id'), 'research_search_doc', ['highlight_id'], unique=True)
    op.create_index(op.f('ix_research_search_doc_passage_id'), 'research_search_doc', ['passage_id'], unique=True)
    op.create_index(op.f('ix_research_search_doc_workspace_id_kind'), 'research_search_doc', ['workspace_id', 'kind'], unique=False)
    _run(SQLITE_CREATE if op.get_bind().dialect.name == "sqlite" else POSTGRES_CREATE)


def downgrade():
    _run(SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP)
    op.drop_index(op.f('ix_research_search_doc_workspace_id_kind'), table_name='research_search_doc')
    op.drop_index(op.f('ix_research_search_doc_passage_id'), table_name='research_search_doc')
    op.drop_index(op.f('ix_research_search_doc_highlight_id'), table_name='research_search_doc')
    op.drop_table('research_search_doc')
    op.drop_table('research_search_cursor')
