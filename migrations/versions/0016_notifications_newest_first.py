"""notifications: an index that reads one person's newest first

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# With statistics, PostgreSQL read a busy mentor's page of notifications by walking the
# whole table backwards by id and filtering by person (112 ms at council scale); with
# this index it reads that person's newest rows and stops.


def upgrade():
    op.create_index('ix_notifications_user_newest', 'notifications', ['user_id', 'id'])


def downgrade():
    op.drop_index('ix_notifications_user_newest', table_name='notifications')
