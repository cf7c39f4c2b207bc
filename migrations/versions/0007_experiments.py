"""Tables of surveyapp.models.experiments.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 15:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('experiment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('hypothesis', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'running', 'stopped', name='experiment_status', native_enum=False, length=10), nullable=False),
    sa.Column('variants', _json(), nullable=False),
    sa.Column('segment_key', sa.String(length=64), nullable=True),
    sa.Column('metrics', _json(), nullable=False),
    sa.Column('plan', _json(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_experiment_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_experiment_workspace_id_key'))
    )
    op.create_table('funnel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('steps', _json(), nullable=False),
    sa.Column('window_hours', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_funnel_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel'))
    )
    op.create_table('experiment_exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=300), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('variant', sa.String(length=64), nullable=False),
    sa.Column('exposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_experiment_exposure_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], name=op.f('fk_experiment_exposure_experiment_id_experiment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment_exposure')),
    sa.UniqueConstraint('experiment_id', 'unit_id', name=op.f('uq_experiment_exposure_experiment_id_unit_id'))
    )
    with op.batch_alter_table('experiment_exposure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiment_exposure_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_experiment_exposure_experiment_id_variant_exposed_at'), ['experiment_id', 'variant', 'exposed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('experiment_exposure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiment_exposure_experiment_id_variant_exposed_at'))
        batch_op.drop_index(batch_op.f('ix_experiment_exposure_contact_id'))

    op.drop_table('experiment_exposure')
    op.drop_table('funnel')
    op.drop_table('experiment')
