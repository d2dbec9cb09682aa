"""agreed_actions: a partial index of actions not yet done, for progress pages

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 22:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# A progress page lists an NQSW's open actions. PostgreSQL hashed every action of every
# NQSW to find them (ten thousand at council scale, 0.65 ms); open ones are a few hundred.
OPEN = sa.text("done_at IS NULL")


def upgrade():
    op.create_index(
        'ix_agreed_actions_open', 'agreed_actions', ['observation_id'],
        sqlite_where=OPEN, postgresql_where=OPEN,
    )


def downgrade():
    op.drop_index('ix_agreed_actions_open', table_name='agreed_actions')
