"""Personalization (#23): slots, their published versions and exposures

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 13:55:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('personalization_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('draft', JSON, nullable=False),
    sa.Column('live_version', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_personalization_slot_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personalization_slot')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_personalization_slot_workspace_id_key'))
    )
    op.create_table('personalization_slot_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', JSON, nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_personalization_slot_version_published_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['personalization_slot.id'], name=op.f('fk_personalization_slot_version_slot_id_personalization_slot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personalization_slot_version')),
    sa.UniqueConstraint('slot_id', 'version', name=op.f('uq_personalization_slot_version_slot_id_version'))
    )
    op.create_table('personalization_exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=300), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('variant', sa.String(length=64), nullable=False),
    sa.Column('intended', sa.String(length=64), nullable=False),
    sa.Column('holdout', sa.Boolean(), nullable=False),
    sa.Column('rule', sa.Integer(), nullable=True),
    sa.Column('exposed_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_personalization_exposure_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['personalization_slot.id'], name=op.f('fk_personalization_exposure_slot_id_personalization_slot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personalization_exposure')),
    sa.UniqueConstraint('slot_id', 'version', 'unit_id', name=op.f('uq_personalization_exposure_slot_id_version_unit_id'))
    )
    op.create_index(op.f('ix_personalization_exposure_contact_id'), 'personalization_exposure', ['contact_id'], unique=False)
    op.create_index(op.f('ix_personalization_exposure_slot_id_intended_exposed_at'), 'personalization_exposure', ['slot_id', 'intended', 'exposed_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_personalization_exposure_slot_id_intended_exposed_at'), table_name='personalization_exposure')
    op.drop_index(op.f('ix_personalization_exposure_contact_id'), table_name='personalization_exposure')
    op.drop_table('personalization_exposure')
    op.drop_table('personalization_slot_version')
    op.drop_table('personalization_slot')
