"""Tables of surveyapp.models.insights: report rollups (cached aggregates), goals,
hypotheses and their evidence links, chart notes, webhooks and their delivery log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 15:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    # Reports read the responses after a rollup's cursor: (survey_id, id > cursor).
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_survey_id_id'), ['survey_id', 'id'], unique=False)

    op.create_table('report_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=40), nullable=True),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('k1', sa.String(length=200), nullable=False),
    sa.Column('k2', sa.String(length=200), nullable=False),
    sa.Column('k3', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('m', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_report_rollup_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollup'))
    )
    op.create_index(op.f('ix_report_rollup_survey_id_kind_day'), 'report_rollup', ['survey_id', 'kind', 'day'], unique=False)
    op.create_table('report_rollup_state',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('cursor_id', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('questions', JSON, nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_report_rollup_state_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_report_rollup_state'))
    )
    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('comparator', sa.String(length=2), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('filters', JSON, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_goal_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_goal_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_goal_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal'))
    )
    op.create_index(op.f('ix_goal_survey_id'), 'goal', ['survey_id'], unique=False)
    op.create_index(op.f('ix_goal_workspace_id_created_at'), 'goal', ['workspace_id', 'created_at'], unique=False)
    op.create_table('hypothesis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'supported', 'refuted', 'inconclusive', name='hypothesis_status', native_enum=False, length=14), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_hypothesis_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_hypothesis_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hypothesis'))
    )
    op.create_index(op.f('ix_hypothesis_workspace_id_status'), 'hypothesis', ['workspace_id', 'status'], unique=False)
    op.create_table('evidence_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hypothesis_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('stance', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evidence_link_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hypothesis_id'], ['hypothesis.id'], name=op.f('fk_evidence_link_hypothesis_id_hypothesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_link'))
    )
    op.create_index(op.f('ix_evidence_link_hypothesis_id_created_at'), 'evidence_link', ['hypothesis_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_evidence_link_kind_ref'), 'evidence_link', ['kind', 'ref'], unique=False)
    op.create_table('chart_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('chart', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_chart_note_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_chart_note_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_chart_note_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chart_note'))
    )
    op.create_index(op.f('ix_chart_note_survey_id_chart'), 'chart_note', ['survey_id', 'chart'], unique=False)
    op.create_table('webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('events', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('cursor_created_id', sa.Integer(), nullable=False),
    sa.Column('cursor_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_webhook_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_webhook_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook'))
    )
    op.create_index(op.f('ix_webhook_workspace_id'), 'webhook', ['workspace_id'], unique=False)
    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], name=op.f('fk_webhook_delivery_webhook_id_webhook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('webhook_id', 'event', 'response_id', name=op.f('uq_webhook_delivery_webhook_id_event_response_id'))
    )
    op.create_index(op.f('ix_webhook_delivery_status_next_attempt_at'), 'webhook_delivery', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_webhook_delivery_webhook_id_created_at'), 'webhook_delivery', ['webhook_id', 'created_at'], unique=False)


def downgrade():
    op.drop_table('report_rollup_state')
    op.drop_index(op.f('ix_report_rollup_survey_id_kind_day'), table_name='report_rollup')
    op.drop_table('report_rollup')
    op.drop_index(op.f('ix_goal_workspace_id_created_at'), table_name='goal')
    op.drop_index(op.f('ix_goal_survey_id'), table_name='goal')
    op.drop_table('goal')
    op.drop_index(op.f('ix_chart_note_survey_id_chart'), table_name='chart_note')
    op.drop_table('chart_note')
    op.drop_index(op.f('ix_webhook_delivery_webhook_id_created_at'), table_name='webhook_delivery')
    op.drop_index(op.f('ix_webhook_delivery_status_next_attempt_at'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index(op.f('ix_evidence_link_kind_ref'), table_name='evidence_link')
    op.drop_index(op.f('ix_evidence_link_hypothesis_id_created_at'), table_name='evidence_link')
    op.drop_table('evidence_link')
    op.drop_index(op.f('ix_webhook_workspace_id'), table_name='webhook')
    op.drop_table('webhook')
    op.drop_index(op.f('ix_hypothesis_workspace_id_status'), table_name='hypothesis')
    op.drop_table('hypothesis')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_survey_id_id'))
