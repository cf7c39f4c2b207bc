"""Integrations (#25): Segment-spec message ids and contact aliases, notification channels,
alert rules, the delivery log, warehouse exports and their runs

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('ingested_message',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('received_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_ingested_message_environment_id_environment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingested_message')),
    sa.UniqueConstraint('environment_id', 'message_id', name=op.f('uq_ingested_message_environment_id_message_id'))
    )
    op.create_index(op.f('ix_ingested_message_received_at'), 'ingested_message', ['received_at'], unique=False)
    op.create_table('contact_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_alias_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_contact_alias_environment_id_environment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_alias')),
    sa.UniqueConstraint('environment_id', 'alias', name=op.f('uq_contact_alias_environment_id_alias'))
    )
    op.create_index(op.f('ix_contact_alias_contact_id'), 'contact_alias', ['contact_id'], unique=False)
    op.create_table('integration_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('config', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('max_per_hour', sa.Integer(), nullable=False),
    sa.Column('state', JSON, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_integration_channel_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_integration_channel_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_channel'))
    )
    op.create_index(op.f('ix_integration_channel_workspace_id'), 'integration_channel', ['workspace_id'], unique=False)
    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('params', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('cursor_response_id', sa.Integer(), nullable=False),
    sa.Column('state', JSON, nullable=False),
    sa.Column('last_fired_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['integration_channel.id'], name=op.f('fk_alert_rule_channel_id_integration_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_alert_rule_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule'))
    )
    op.create_index(op.f('ix_alert_rule_workspace_id'), 'alert_rule', ['workspace_id'], unique=False)
    op.create_table('integration_delivery',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('dedup_key', sa.String(length=120), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('next_attempt_at', TS, nullable=True),
    sa.Column('delivered_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['integration_channel.id'], name=op.f('fk_integration_delivery_channel_id_integration_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_integration_delivery_rule_id_alert_rule'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_integration_delivery_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_delivery')),
    sa.UniqueConstraint('channel_id', 'dedup_key', name=op.f('uq_integration_delivery_channel_id_dedup_key'))
    )
    op.create_index(op.f('ix_integration_delivery_status_next_attempt_at'), 'integration_delivery', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_integration_delivery_workspace_id_created_at'), 'integration_delivery', ['workspace_id', 'created_at'], unique=False)
    op.create_table('warehouse_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=10), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('config', JSON, nullable=False),
    sa.Column('every_hours', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('cursors', JSON, nullable=False),
    sa.Column('last_run_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_warehouse_export_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse_export'))
    )
    op.create_index(op.f('ix_warehouse_export_workspace_id'), 'warehouse_export', ['workspace_id'], unique=False)
    op.create_table('warehouse_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('started_at', TS, nullable=False),
    sa.Column('finished_at', TS, nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('rows', JSON, nullable=False),
    sa.Column('files', JSON, nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['warehouse_export.id'], name=op.f('fk_warehouse_run_export_id_warehouse_export'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse_run'))
    )
    op.create_index(op.f('ix_warehouse_run_export_id_started_at'), 'warehouse_run', ['export_id', 'started_at'], unique=False)


def downgrade():
    op.drop_table('warehouse_run')
    op.drop_table('warehouse_export')
    op.drop_table('integration_delivery')
    op.drop_table('alert_rule')
    op.drop_table('integration_channel')
    op.drop_table('contact_alias')
    op.drop_table('ingested_message')
