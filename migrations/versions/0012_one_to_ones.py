"""one-to-ones: sessions of an agreement, their actions, and holds that belong to either

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# A hold now has its own id and belongs to a request or to a one-to-one, so the one guard
# against overlaps in a mentor's diary covers both. SQLite cannot change a primary key in
# place: the table is built again, with the triggers that refuse overlaps.
SQLITE_TABLE = """CREATE TABLE mentor_holds (
    id INTEGER NOT NULL,
    request_id INTEGER,
    one_to_one_id INTEGER,
    mentor_id INTEGER NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    kind VARCHAR(32) NOT NULL,
    CONSTRAINT pk_mentor_holds PRIMARY KEY (id),
    CONSTRAINT uq_mentor_holds_request_id UNIQUE (request_id),
    CONSTRAINT uq_mentor_holds_one_to_one_id UNIQUE (one_to_one_id),
    CONSTRAINT ck_mentor_holds_starts_before_ends CHECK (starts_at < ends_at),
    CONSTRAINT ck_mentor_holds_holds_one_thing
        CHECK ((request_id IS NULL) <> (one_to_one_id IS NULL)),
    CONSTRAINT fk_mentor_holds_mentor_id_users FOREIGN KEY (mentor_id) REFERENCES users (id),
    CONSTRAINT fk_mentor_holds_request_id_support_requests FOREIGN KEY (request_id)
        REFERENCES support_requests (id) ON DELETE CASCADE,
    CONSTRAINT fk_mentor_holds_one_to_one_id_one_to_ones FOREIGN KEY (one_to_one_id)
        REFERENCES one_to_ones (id) ON DELETE CASCADE
)"""
SQLITE_OLD_TABLE = """CREATE TABLE mentor_holds (
    request_id INTEGER NOT NULL,
    mentor_id INTEGER NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    kind VARCHAR(32) NOT NULL,
    CONSTRAINT pk_mentor_holds PRIMARY KEY (request_id),
    CONSTRAINT ck_mentor_holds_starts_before_ends CHECK (starts_at < ends_at),
    CONSTRAINT fk_mentor_holds_mentor_id_users FOREIGN KEY (mentor_id) REFERENCES users (id),
    CONSTRAINT fk_mentor_holds_request_id_support_requests FOREIGN KEY (request_id)
        REFERENCES support_requests (id) ON DELETE CASCADE
)"""
SQLITE_TRIGGERS = [
    """CREATE TRIGGER mentor_holds_no_overlap_insert BEFORE INSERT ON mentor_holds
       WHEN EXISTS (SELECT 1 FROM mentor_holds WHERE mentor_id = NEW.mentor_id
                    AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at)
       BEGIN SELECT RAISE(ABORT, 'mentor_holds overlap'); END""",
    """CREATE TRIGGER mentor_holds_no_overlap_update BEFORE UPDATE ON mentor_holds
       WHEN EXISTS (SELECT 1 FROM mentor_holds WHERE mentor_id = NEW.mentor_id
                    AND {key} <> OLD.{key}
                    AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at)
       BEGIN SELECT RAISE(ABORT, 'mentor_holds overlap'); END""",
]
COLUMNS = "mentor_id, starts_at, ends_at, kind"


def _sqlite_rebuild(table: str, copied: str, key: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS mentor_holds_no_overlap_insert")
    op.execute("DROP TRIGGER IF EXISTS mentor_holds_no_overlap_update")
    op.execute("DROP INDEX IF EXISTS ix_mentor_holds_mentor_time")
    op.execute("ALTER TABLE mentor_holds RENAME TO mentor_holds_before")
    op.execute(table)
    op.execute(f"INSERT INTO mentor_holds ({copied}) SELECT {copied} FROM mentor_holds_before")
    op.execute("DROP TABLE mentor_holds_before")
    op.execute(
        "CREATE INDEX ix_mentor_holds_mentor_time ON mentor_holds (mentor_id, starts_at, ends_at)"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger.format(key=key))


def upgrade():
    op.create_table('one_to_ones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('nqsw_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.Column('talked_about', sa.Text(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(), nullable=True),
    sa.Column('shared_onward', sa.Boolean(), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_one_to_ones_starts_before_ends')),
    sa.CheckConstraint("status IN ('booked', 'held', 'missed', 'cancelled')", name=op.f('ck_one_to_ones_session_status')),
    sa.ForeignKeyConstraint(['agreement_id'], ['mentoring_agreements.id'], name=op.f('fk_one_to_ones_agreement_id_mentoring_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_one_to_ones_booked_by_id_users')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_one_to_ones_changed_by_id_users')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_one_to_ones_mentor_id_users')),
    sa.ForeignKeyConstraint(['nqsw_id'], ['users.id'], name=op.f('fk_one_to_ones_nqsw_id_users')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_one_to_ones_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_to_ones'))
    )
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.create_index('ix_one_to_ones_agreement_time', ['agreement_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_to_ones_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_to_ones_nqsw_id'), ['nqsw_id'], unique=False)

    op.create_table('one_to_one_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['mentoring_agreements.id'], name=op.f('fk_one_to_one_actions_agreement_id_mentoring_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_one_to_one_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_one_to_one_actions_done_by_id_users')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_one_to_one_actions_owner_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['one_to_ones.id'], name=op.f('fk_one_to_one_actions_session_id_one_to_ones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_to_one_actions'))
    )
    with op.batch_alter_table('one_to_one_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_to_one_actions_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_to_one_actions_session_id'), ['session_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(SQLITE_TABLE, f"request_id, {COLUMNS}", "id")
        return
    op.execute("ALTER TABLE mentor_holds DROP CONSTRAINT pk_mentor_holds")
    op.execute("ALTER TABLE mentor_holds ADD COLUMN id SERIAL")
    op.execute("ALTER TABLE mentor_holds ADD CONSTRAINT pk_mentor_holds PRIMARY KEY (id)")
    op.execute("ALTER TABLE mentor_holds ALTER COLUMN request_id DROP NOT NULL")
    op.create_unique_constraint('uq_mentor_holds_request_id', 'mentor_holds', ['request_id'])
    op.add_column('mentor_holds', sa.Column('one_to_one_id', sa.Integer(), nullable=True))
    op.create_unique_constraint('uq_mentor_holds_one_to_one_id', 'mentor_holds', ['one_to_one_id'])
    op.create_foreign_key('fk_mentor_holds_one_to_one_id_one_to_ones', 'mentor_holds', 'one_to_ones', ['one_to_one_id'], ['id'], ondelete='CASCADE')
    op.create_check_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', '(request_id IS NULL) <> (one_to_one_id IS NULL)')


def downgrade():
    # The one-to-ones go, and with them the time they held.
    op.execute("DELETE FROM mentor_holds WHERE one_to_one_id IS NOT NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(SQLITE_OLD_TABLE, f"request_id, {COLUMNS}", "request_id")
    else:
        op.drop_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', type_='check')
        op.drop_constraint('fk_mentor_holds_one_to_one_id_one_to_ones', 'mentor_holds', type_='foreignkey')
        op.drop_constraint('uq_mentor_holds_one_to_one_id', 'mentor_holds', type_='unique')
        op.drop_column('mentor_holds', 'one_to_one_id')
        op.drop_constraint('uq_mentor_holds_request_id', 'mentor_holds', type_='unique')
        op.execute("ALTER TABLE mentor_holds DROP CONSTRAINT pk_mentor_holds")
        op.drop_column('mentor_holds', 'id')
        op.execute("ALTER TABLE mentor_holds ALTER COLUMN request_id SET NOT NULL")
        op.execute("ALTER TABLE mentor_holds ADD CONSTRAINT pk_mentor_holds PRIMARY KEY (request_id)")
    with op.batch_alter_table('one_to_one_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_to_one_actions_session_id'))
        batch_op.drop_index(batch_op.f('ix_one_to_one_actions_agreement_id'))
    op.drop_table('one_to_one_actions')
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_to_ones_nqsw_id'))
        batch_op.drop_index(batch_op.f('ix_one_to_ones_mentor_id'))
        batch_op.drop_index('ix_one_to_ones_agreement_time')
    op.drop_table('one_to_ones')
