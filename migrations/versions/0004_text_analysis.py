"""Open-text analysis: themes per question and annotations per answer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:09:50.119903

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_analysis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('edits', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('sentiment_model', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_text_analysis_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_analysis')),
    sa.UniqueConstraint('survey_id', 'question_id', name=op.f('uq_text_analysis_survey_id_question_id'))
    )
    op.create_table('answer_annotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('theme', sa.Integer(), nullable=True),
    sa.Column('sentiment', sa.String(length=10), nullable=True),
    sa.Column('sentiment_score', sa.Float(), nullable=True),
    sa.Column('polarity', sa.Float(), nullable=True),
    sa.Column('mixed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_annotation_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_answer_annotation_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_annotation')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_answer_annotation_response_id_question_id'))
    )
    with op.batch_alter_table('answer_annotation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_annotation_survey_id_question_id_theme'), ['survey_id', 'question_id', 'theme'], unique=False)



def downgrade():
    with op.batch_alter_table('answer_annotation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_annotation_survey_id_question_id_theme'))

    op.drop_table('answer_annotation')
    op.drop_table('text_analysis')
