"""audit purge window: old audit rows may be purged, nothing else deleted or changed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


APPEND_ONLY = "audit_events is append-only"

# A delete passes only while the deleting transaction holds a purge window (it opens and
# closes it before committing, so no other transaction ever sees it) and only for rows
# older than that window's `purge_before`. Updates stay refused, always.
SQLITE_DELETE_GUARD = f"""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
   WHEN NOT EXISTS (SELECT 1 FROM audit_purge_windows WHERE OLD.at < purge_before)
   BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""
SQLITE_OLD_DELETE_GUARD = f"""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
   BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""

POSTGRES_GUARD = f"""CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
   BEGIN
     IF TG_OP = 'DELETE' AND EXISTS (
       SELECT 1 FROM audit_purge_windows w WHERE OLD.at < w.purge_before
     ) THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION '{APPEND_ONLY}';
   END; $$ LANGUAGE plpgsql"""
POSTGRES_OLD_GUARD = f"""CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
   BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$ LANGUAGE plpgsql"""


def upgrade():
    op.create_table('audit_purge_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purge_before', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_purge_windows'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute(SQLITE_DELETE_GUARD)
    elif dialect == "postgresql":
        op.execute(POSTGRES_GUARD)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute(SQLITE_OLD_DELETE_GUARD)
    elif dialect == "postgresql":
        op.execute(POSTGRES_OLD_GUARD)
    op.drop_table('audit_purge_windows')
