"""Consent notices and records, per-workspace privacy keys (issue #10).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 15:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_consent_notice_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_consent_notice_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_notice')),
    sa.UniqueConstraint('workspace_id', 'version', name=op.f('uq_consent_notice_workspace_id_version'))
    )
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_consent_record_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['environment_id'], ['environment.id'], name=op.f('fk_consent_record_environment_id_environment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['consent_notice.id'], name=op.f('fk_consent_record_notice_id_consent_notice'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_contact_id_created_at'), ['contact_id', 'created_at'], unique=False)

    op.create_table('privacy_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('link_secret', sa.String(length=64), nullable=False),
    sa.Column('identity_secret', sa.String(length=64), nullable=False),
    sa.Column('id_hash_key', sa.String(length=64), nullable=True),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_privacy_keys_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_keys')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_privacy_keys_workspace_id'))
    )


def downgrade():
    op.drop_table('privacy_keys')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_contact_id_created_at'))

    op.drop_table('consent_record')
    op.drop_table('consent_notice')
