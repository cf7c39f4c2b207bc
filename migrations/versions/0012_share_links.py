"""Issued read-only report links, so each can be revoked on its own; cached report rows
per URL / contact-attribute / segment filter

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:10:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('share_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('filters', JSON, nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_share_link_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_share_link_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_share_link_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link'))
    )
    op.create_index(op.f('ix_share_link_survey_id_created_at'), 'share_link', ['survey_id', 'created_at'], unique=False)
    op.create_table('report_filter_rollup',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('filter_key', sa.String(length=64), nullable=False),
    sa.Column('filters', JSON, nullable=False),
    sa.Column('cursor_id', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('questions', JSON, nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_report_filter_rollup_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'filter_key', name=op.f('pk_report_filter_rollup'))
    )
    with op.batch_alter_table('report_rollup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filter_key', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_index(batch_op.f('ix_report_rollup_survey_id_kind_day'))
        batch_op.create_index(batch_op.f('ix_report_rollup_survey_id_filter_key_kind_day'), ['survey_id', 'filter_key', 'kind', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('report_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_rollup_survey_id_filter_key_kind_day'))
        batch_op.create_index(batch_op.f('ix_report_rollup_survey_id_kind_day'), ['survey_id', 'kind', 'day'], unique=False)
        batch_op.drop_column('filter_key')
    op.drop_table('report_filter_rollup')
    op.drop_index(op.f('ix_share_link_survey_id_created_at'), table_name='share_link')
    op.drop_table('share_link')
