"""Link surveys: an unguessable public slug per survey.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_slug', sa.String(length=32), nullable=True))
    conn = op.get_bind()
    survey = sa.table('survey', sa.column('id', sa.Integer), sa.column('public_slug', sa.String))
    for (survey_id,) in conn.execute(sa.select(survey.c.id)).all():
        conn.execute(survey.update().where(survey.c.id == survey_id)
                     .values(public_slug=secrets.token_urlsafe(9)))
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.alter_column('public_slug', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_survey_public_slug'), ['public_slug'])


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_survey_public_slug'), type_='unique')
        batch_op.drop_column('public_slug')
