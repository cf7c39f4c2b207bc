"""Personalization relevance feedback (#23 item 5): the answer to a slot's one-question
micro-survey ("Was this relevant?", 1-5), kept on the exposure it is about

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 16:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('personalization_exposure') as batch:
        batch.add_column(sa.Column('relevance', sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column('relevance_at', TS, nullable=True))


def downgrade():
    with op.batch_alter_table('personalization_exposure') as batch:
        batch.drop_column('relevance_at')
        batch.drop_column('relevance')
