"""An index on response (version_id, updated_at): the research search reads the answers
changed since its cursor, which without it scanned every response on each search

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:56:06

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_version_id_updated_at'), ['version_id', 'updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_version_id_updated_at'))
