"""start meetings: a one-to-one of kind start_meeting also invites the practice manager

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='one_to_one', nullable=False))
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_one_to_ones_manager_id_users'), 'users', ['manager_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_one_to_ones_session_kind'), "kind IN ('one_to_one', 'start_meeting')")


def downgrade():
    # Start meetings go, and with them the time they held.
    op.execute(
        "DELETE FROM mentor_holds WHERE one_to_one_id IN "
        "(SELECT id FROM one_to_ones WHERE kind = 'start_meeting')"
    )
    op.execute("DELETE FROM one_to_ones WHERE kind = 'start_meeting'")
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_one_to_ones_session_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_one_to_ones_manager_id_users'), type_='foreignkey')
        batch_op.drop_column('manager_id')
        batch_op.drop_column('kind')
