"""Research evidence: highlights and insights on persona cards; edited passages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('persona_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('highlight_id', sa.Integer(), nullable=True),
    sa.Column('insight_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_persona_evidence_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['highlight_id'], ['highlight.id'], name=op.f('fk_persona_evidence_highlight_id_highlight'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['insight_id'], ['research_insight.id'], name=op.f('fk_persona_evidence_insight_id_research_insight'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_persona_evidence_persona_id_persona'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_persona_evidence_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persona_evidence'))
    )
    with op.batch_alter_table('persona_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persona_evidence_persona_id'), ['persona_id'], unique=False)
    with op.batch_alter_table('study_passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('study_passage', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
    with op.batch_alter_table('persona_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persona_evidence_persona_id'))
    op.drop_table('persona_evidence')
