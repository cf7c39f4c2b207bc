"""Questionnaires from form exports (issue 21): UMUX-Lite answers beside SUS in sus_answer
(an ``instrument`` column, one answer set per participant and instrument), and task results
without a known outcome (a post-task SEQ from a form export says how easy, not whether done)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sus_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument', sa.String(length=20), nullable=False,
                                      server_default='sus'))
        batch_op.drop_constraint(batch_op.f('uq_sus_answer_study_id_participant_id'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_sus_answer_study_id_participant_id_instrument'),
            ['study_id', 'participant_id', 'instrument'])
    with op.batch_alter_table('usability_result', schema=None) as batch_op:
        batch_op.alter_column('success', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    op.execute("DELETE FROM usability_result WHERE success IS NULL")
    op.execute("DELETE FROM sus_answer WHERE instrument <> 'sus'")
    with op.batch_alter_table('usability_result', schema=None) as batch_op:
        batch_op.alter_column('success', existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table('sus_answer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sus_answer_study_id_participant_id_instrument'),
                                 type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sus_answer_study_id_participant_id'),
                                          ['study_id', 'participant_id'])
        batch_op.drop_column('instrument')
