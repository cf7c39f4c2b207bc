"""Research repository: studies, participants, material, passages, usability results, codebook, highlights, insights

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 16:03:05.722295

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('research_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_research_tag_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_tag')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_research_tag_workspace_id_name'))
    )
    op.create_table('study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('interviews', 'usability', 'diary', 'field', name='study_kind', native_enum=False, length=20), nullable=False),
    sa.Column('research_question', sa.Text(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.String(length=40), nullable=True),
    sa.Column('analysis', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_study_survey_id_survey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_study_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study'))
    )
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('research_insight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_research_insight_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_research_insight_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_insight'))
    )
    op.create_table('study_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('consent_note', sa.Text(), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_study_participant_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_participant_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_study_participant_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_participant')),
    sa.UniqueConstraint('study_id', 'label', name=op.f('uq_study_participant_study_id_label'))
    )
    op.create_table('study_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['study_participant.id'], name=op.f('fk_study_source_participant_id_study_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_source_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_study_source_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_source'))
    )
    op.create_table('sus_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['study_participant.id'], name=op.f('fk_sus_answer_participant_id_study_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_sus_answer_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sus_answer')),
    sa.UniqueConstraint('study_id', 'participant_id', name=op.f('uq_sus_answer_study_id_participant_id'))
    )
    op.create_table('usability_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('errors', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['study_participant.id'], name=op.f('fk_usability_result_participant_id_study_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_usability_result_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usability_result')),
    sa.UniqueConstraint('study_id', 'participant_id', 'task', name=op.f('uq_usability_result_study_id_participant_id_task'))
    )
    op.create_table('study_passage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=80), nullable=True),
    sa.Column('start_ms', sa.Integer(), nullable=True),
    sa.Column('end_ms', sa.Integer(), nullable=True),
    sa.Column('section', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('theme', sa.Integer(), nullable=True),
    sa.Column('proposed_theme', sa.Integer(), nullable=True),
    sa.Column('sentiment', sa.String(length=10), nullable=True),
    sa.Column('sentiment_score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['study_source.id'], name=op.f('fk_study_passage_source_id_study_source'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_passage_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_passage'))
    )
    with op.batch_alter_table('study_passage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_passage_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_passage_study_id_theme'), ['study_id', 'theme'], unique=False)

    op.create_table('highlight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('passage_id', sa.Integer(), nullable=True),
    sa.Column('insight_id', sa.Integer(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=80), nullable=True),
    sa.Column('source_title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_highlight_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['insight_id'], ['research_insight.id'], name=op.f('fk_highlight_insight_id_research_insight'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['passage_id'], ['study_passage.id'], name=op.f('fk_highlight_passage_id_study_passage'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_highlight_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_highlight_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_highlight'))
    )
    with op.batch_alter_table('highlight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_highlight_study_id'), ['study_id'], unique=False)

    op.create_table('highlight_tag',
    sa.Column('highlight_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['highlight_id'], ['highlight.id'], name=op.f('fk_highlight_tag_highlight_id_highlight'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['research_tag.id'], name=op.f('fk_highlight_tag_tag_id_research_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('highlight_id', 'tag_id', name=op.f('pk_highlight_tag'))
    )


def downgrade():
    op.drop_table('highlight_tag')
    with op.batch_alter_table('highlight', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_highlight_study_id'))

    op.drop_table('highlight')
    with op.batch_alter_table('study_passage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_passage_study_id_theme'))
        batch_op.drop_index(batch_op.f('ix_study_passage_source_id'))

    op.drop_table('study_passage')
    op.drop_table('usability_result')
    op.drop_table('sus_answer')
    op.drop_table('study_source')
    op.drop_table('study_participant')
    op.drop_table('research_insight')
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_workspace_id'))

    op.drop_table('study')
    op.drop_table('research_tag')
