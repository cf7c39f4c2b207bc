"""Behavioural segments: orders, imports, segment runs, segments and members, personas.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('data_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('size_bytes', BIGINT, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('errors', JSON, nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_data_import_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_data_import_environment_id_environment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_data_import_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_data_import_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_import'))
    )
    with op.batch_alter_table('data_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_import_workspace_id_created_at'), ['workspace_id', 'created_at'], unique=False)

    op.create_table('segment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('include_attributes', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('result', JSON, nullable=False),
    sa.Column('dendrogram_svg', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('drift', JSON, nullable=False),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_segment_run_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_segment_run_environment_id_environment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_segment_run_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_run_id'], ['segment_run.id'], name=op.f('fk_segment_run_previous_run_id_segment_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_segment_run_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_run'))
    )
    with op.batch_alter_table('segment_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_run_workspace_id_created_at'), ['workspace_id', 'created_at'], unique=False)

    op.create_table('segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('profile', JSON, nullable=False),
    sa.Column('matched_from_id', sa.Integer(), nullable=True),
    sa.Column('jaccard', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['matched_from_id'], ['segment.id'], name=op.f('fk_segment_matched_from_id_segment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['segment_run.id'], name=op.f('fk_segment_run_id_segment_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_segment_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment')),
    sa.UniqueConstraint('run_id', 'key', name=op.f('uq_segment_run_id_key'))
    )
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_workspace_id_key'), ['workspace_id', 'key'], unique=False)

    op.create_table('segment_order',
    sa.Column('id', BIGINT, nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('properties', JSON, nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_segment_order_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_segment_order_environment_id_environment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_order')),
    sa.UniqueConstraint('environment_id', 'external_id', name=op.f('uq_segment_order_environment_id_external_id'))
    )
    with op.batch_alter_table('segment_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_order_contact_id_ordered_at'), ['contact_id', 'ordered_at'], unique=False)

    op.create_table('persona',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('motivations', sa.Text(), nullable=False),
    sa.Column('pain_points', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_persona_segment_id_segment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_persona_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persona'))
    )
    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persona_segment_id'), ['segment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persona_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('segment_member',
    sa.Column('id', BIGINT, nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_segment_member_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_segment_member_segment_id_segment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_member')),
    sa.UniqueConstraint('segment_id', 'contact_id', name=op.f('uq_segment_member_segment_id_contact_id'))
    )
    with op.batch_alter_table('segment_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_member_contact_id'), ['contact_id'], unique=False)

    op.create_table('persona_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', JSON, nullable=False),
    sa.Column('change', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_persona_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_persona_version_persona_id_persona'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persona_version')),
    sa.UniqueConstraint('persona_id', 'version', name=op.f('uq_persona_version_persona_id_version'))
    )


def downgrade():
    op.drop_table('persona_version')
    with op.batch_alter_table('segment_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_member_contact_id'))
    op.drop_table('segment_member')
    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persona_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_persona_segment_id'))
    op.drop_table('persona')
    with op.batch_alter_table('segment_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_order_contact_id_ordered_at'))
    op.drop_table('segment_order')
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_workspace_id_key'))
    op.drop_table('segment')
    with op.batch_alter_table('segment_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_run_workspace_id_created_at'))
    op.drop_table('segment_run')
    with op.batch_alter_table('data_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_import_workspace_id_created_at'))
    op.drop_table('data_import')
