"""review progress: the mentor's short line on each goal and focus case in a review

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('focus_case_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint('(goal_id IS NULL) <> (focus_case_id IS NULL)', name=op.f('ck_review_progress_goal_or_case')),
    sa.ForeignKeyConstraint(['focus_case_id'], ['focus_cases.id'], name=op.f('fk_review_progress_focus_case_id_focus_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['agreement_goals.id'], name=op.f('fk_review_progress_goal_id_agreement_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['agreement_reviews.id'], name=op.f('fk_review_progress_review_id_agreement_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_progress'))
    )
    with op.batch_alter_table('review_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_progress_review_id'), ['review_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_progress_review_id'))

    op.drop_table('review_progress')
