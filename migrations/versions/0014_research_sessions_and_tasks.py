"""Research sessions (when, with whom, notes; sources belong to one) and usability tasks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:12:17

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('research_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('success', sa.Text(), nullable=False),
    sa.Column('target_seconds', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_research_task_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_task')),
    sa.UniqueConstraint('study_id', 'name', name=op.f('uq_research_task_study_id_name'))
    )
    op.create_table('research_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('moderator', sa.String(length=80), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['study_participant.id'], name=op.f('fk_research_session_participant_id_study_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_research_session_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_research_session_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_session'))
    )
    with op.batch_alter_table('research_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_session_study_id'), ['study_id'], unique=False)

    with op.batch_alter_table('study_source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_study_source_session_id_research_session'), 'research_session', ['session_id'], ['id'], ondelete='SET NULL')

    # Results imported before tasks were records name their tasks: make those tasks, in
    # the order the results first named them.
    op.execute(
        "INSERT INTO research_task (study_id, position, name, scenario, success) "
        "SELECT study_id, MIN(id), task, '', '' FROM usability_result GROUP BY study_id, task"
    )



def downgrade():
    with op.batch_alter_table('study_source', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_study_source_session_id_research_session'), type_='foreignkey')
        batch_op.drop_column('session_id')

    with op.batch_alter_table('research_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_session_study_id'))

    op.drop_table('research_session')
    op.drop_table('research_task')
