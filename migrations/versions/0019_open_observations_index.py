"""observations: partial indexes of those shared and not yet locked, for home pages

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 22:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# Every home page lists the observations waiting for the person's reflection or signature.
# Both engines read all of a busy mentor's observations for it (a thousand at council
# scale, against some ninety waiting).
OPEN = sa.text("shared_at IS NOT NULL AND locked_at IS NULL")


def upgrade():
    for column in ("nqsw_id", "mentor_id"):
        op.create_index(
            f"ix_observations_open_{column.removesuffix('_id')}", "observations", [column],
            sqlite_where=OPEN, postgresql_where=OPEN,
        )


def downgrade():
    for name in ("ix_observations_open_mentor", "ix_observations_open_nqsw"):
        op.drop_index(name, table_name="observations")
