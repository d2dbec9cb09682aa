"""team name key: team names are unique whatever their case, spacing or Unicode form

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:40:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def name_key(name):
    # As nqsw_visits.services.people.name_key on the day of this migration.
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def upgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=255), nullable=True))
    teams = sa.table('teams', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('name_key', sa.String))
    connection = op.get_bind()
    for team_id, name in connection.execute(sa.select(teams.c.id, teams.c.name)).all():
        connection.execute(teams.update().where(teams.c.id == team_id)
                           .values(name_key=name_key(name)))
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_teams_name_key'), ['name_key'])


def downgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_teams_name_key'), type_='unique')
        batch_op.drop_column('name_key')
