"""Collection API: allowed origins per environment, workspace consent mode, event ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 05:19:29.616675

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('environment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowed_origins', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_event_environment_id_client_id'), ['environment_id', 'client_id'])

    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_mode', sa.Enum('not_required', 'required', 'tracking_only', name='consent_mode', native_enum=False, length=20), server_default='not_required', nullable=False))


def downgrade():
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_column('consent_mode')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_event_environment_id_client_id'), type_='unique')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('environment', schema=None) as batch_op:
        batch_op.drop_column('allowed_origins')
