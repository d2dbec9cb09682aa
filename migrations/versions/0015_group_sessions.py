"""group sessions: monthly series, invitations and replies, guest speakers, attendance,
feedback; a hold may belong to a group session; an email may carry a calendar invitation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 06:31:52.570345

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# A hold now belongs to exactly one of a request, a one-to-one or a group session. SQLite
# cannot change a CHECK in place: the table is built again, with the triggers that refuse
# overlaps (as in 0012).
ONE_THING = (
    "(CASE WHEN request_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN one_to_one_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN group_session_id IS NULL THEN 0 ELSE 1 END) = 1"
)
SQLITE_OLD_TABLE = """CREATE TABLE mentor_holds (
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
SQLITE_TABLE = f"""CREATE TABLE mentor_holds (
    id INTEGER NOT NULL,
    request_id INTEGER,
    one_to_one_id INTEGER,
    group_session_id INTEGER,
    mentor_id INTEGER NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    kind VARCHAR(32) NOT NULL,
    CONSTRAINT pk_mentor_holds PRIMARY KEY (id),
    CONSTRAINT uq_mentor_holds_request_id UNIQUE (request_id),
    CONSTRAINT uq_mentor_holds_one_to_one_id UNIQUE (one_to_one_id),
    CONSTRAINT uq_mentor_holds_group_session_id UNIQUE (group_session_id),
    CONSTRAINT ck_mentor_holds_starts_before_ends CHECK (starts_at < ends_at),
    CONSTRAINT ck_mentor_holds_holds_one_thing CHECK ({ONE_THING}),
    CONSTRAINT fk_mentor_holds_mentor_id_users FOREIGN KEY (mentor_id) REFERENCES users (id),
    CONSTRAINT fk_mentor_holds_request_id_support_requests FOREIGN KEY (request_id)
        REFERENCES support_requests (id) ON DELETE CASCADE,
    CONSTRAINT fk_mentor_holds_one_to_one_id_one_to_ones FOREIGN KEY (one_to_one_id)
        REFERENCES one_to_ones (id) ON DELETE CASCADE,
    CONSTRAINT fk_mentor_holds_group_session_id_group_sessions FOREIGN KEY (group_session_id)
        REFERENCES group_sessions (id) ON DELETE CASCADE
)"""
SQLITE_TRIGGERS = [
    """CREATE TRIGGER mentor_holds_no_overlap_insert BEFORE INSERT ON mentor_holds
       WHEN EXISTS (SELECT 1 FROM mentor_holds WHERE mentor_id = NEW.mentor_id
                    AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at)
       BEGIN SELECT RAISE(ABORT, 'mentor_holds overlap'); END""",
    """CREATE TRIGGER mentor_holds_no_overlap_update BEFORE UPDATE ON mentor_holds
       WHEN EXISTS (SELECT 1 FROM mentor_holds WHERE mentor_id = NEW.mentor_id
                    AND id <> OLD.id
                    AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at)
       BEGIN SELECT RAISE(ABORT, 'mentor_holds overlap'); END""",
]
COLUMNS = "mentor_id, starts_at, ends_at, kind"


def _sqlite_rebuild(table: str, copied: str) -> None:
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
        op.execute(trigger)


def upgrade():
    op.create_table('group_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('week_of_month', sa.SmallInteger(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('starts < ends', name=op.f('ck_group_series_starts_before_ends')),
    sa.CheckConstraint('week_of_month IN (-1, 1, 2, 3, 4)', name=op.f('ck_group_series_week_of_month_known')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 4', name=op.f('ck_group_series_weekday_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_group_series_created_by_id_users')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_group_series_organiser_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_series'))
    )
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_series_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('group_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('resources', sa.Text(), nullable=False),
    sa.Column('notes_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('scheduled', 'cancelled')", name=op.f('ck_group_sessions_state_known')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 200', name=op.f('ck_group_sessions_capacity_range')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_group_sessions_starts_before_ends')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_group_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_group_sessions_organiser_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['group_series.id'], name=op.f('fk_group_sessions_series_id_group_series'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_sessions')),
    sa.UniqueConstraint('uid', name=op.f('uq_group_sessions_uid'))
    )
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_group_sessions_organiser_time', ['organiser_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_group_sessions_series_time', ['series_id', 'starts_at'], unique=False)

    op.create_table('group_feedback',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_group_feedback_rating_range')),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_group_feedback_session_id_group_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_feedback_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_group_feedback'))
    )
    op.create_table('group_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_group_guests_session_id_group_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_guests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_guests'))
    )
    with op.batch_alter_table('group_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_guests_session_id'), ['session_id'], unique=False)

    op.create_table('group_invites',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reply', sa.String(length=20), nullable=False),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.CheckConstraint("reply IN ('none', 'going', 'waiting', 'maybe', 'not_going')", name=op.f('ck_group_invites_reply_known')),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_group_invites_session_id_group_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_invites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_group_invites'))
    )
    with op.batch_alter_table('group_invites', schema=None) as batch_op:
        batch_op.create_index('ix_group_invites_session_reply', ['session_id', 'reply', 'queued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_invites_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(SQLITE_TABLE, "id, request_id, one_to_one_id, " + COLUMNS)
    else:
        op.add_column('mentor_holds', sa.Column('group_session_id', sa.Integer(), nullable=True))
        op.create_unique_constraint('uq_mentor_holds_group_session_id', 'mentor_holds', ['group_session_id'])
        op.create_foreign_key('fk_mentor_holds_group_session_id_group_sessions', 'mentor_holds', 'group_sessions', ['group_session_id'], ['id'], ondelete='CASCADE')
        op.drop_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', type_='check')
        op.create_check_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', ONE_THING)

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('calendar')

    # The group sessions go, and with them the time they held.
    op.execute("DELETE FROM mentor_holds WHERE group_session_id IS NOT NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(SQLITE_OLD_TABLE, "id, request_id, one_to_one_id, " + COLUMNS)
    else:
        op.drop_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', type_='check')
        op.drop_constraint('fk_mentor_holds_group_session_id_group_sessions', 'mentor_holds', type_='foreignkey')
        op.drop_constraint('uq_mentor_holds_group_session_id', 'mentor_holds', type_='unique')
        op.drop_column('mentor_holds', 'group_session_id')
        op.create_check_constraint(op.f('ck_mentor_holds_holds_one_thing'), 'mentor_holds', '(request_id IS NULL) <> (one_to_one_id IS NULL)')

    with op.batch_alter_table('group_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_invites_user_id'))
        batch_op.drop_index('ix_group_invites_session_reply')

    op.drop_table('group_invites')
    with op.batch_alter_table('group_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_guests_session_id'))

    op.drop_table('group_guests')
    op.drop_table('group_feedback')
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_group_sessions_series_time')
        batch_op.drop_index('ix_group_sessions_organiser_time')

    op.drop_table('group_sessions')
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_series_organiser_id'))

    op.drop_table('group_series')
