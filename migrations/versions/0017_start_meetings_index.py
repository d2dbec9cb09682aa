"""one_to_ones: a partial index of start meetings, for calendar feeds

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# A feed looks for a person's start meetings among all one-to-ones; both engines read the
# whole table for it (about 1 ms at council scale). Start meetings are one an agreement.
START_MEETINGS = sa.text("kind = 'start_meeting'")


def upgrade():
    op.create_index(
        'ix_one_to_ones_start_meetings', 'one_to_ones', ['starts_at'],
        sqlite_where=START_MEETINGS, postgresql_where=START_MEETINGS,
    )


def downgrade():
    op.drop_index('ix_one_to_ones_start_meetings', table_name='one_to_ones')
