"""Personalization (#23 item 2): a recommendation model per slot

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 16:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('personalization_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('item_event', sa.String(length=200), nullable=False),
    sa.Column('item_property', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('metrics', JSON, nullable=False),
    sa.Column('fairness', JSON, nullable=False),
    sa.Column('artefact', sa.String(length=300), nullable=False),
    sa.Column('trained_at', TS, nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_personalization_model_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['personalization_slot.id'], name=op.f('fk_personalization_model_slot_id_personalization_slot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personalization_model')),
    sa.UniqueConstraint('slot_id', name=op.f('uq_personalization_model_slot_id'))
    )


def downgrade():
    op.drop_table('personalization_model')
