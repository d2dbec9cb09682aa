"""`flask backup` on PostgreSQL points to pg_dump and copies nothing itself."""

from nqsw_visits import create_app
from tests.conftest import base_config

# Nothing listens here: the command must answer without connecting.
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/alongside"


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    app = create_app(base_config(NOWHERE, tmp_path))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy")])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "pg_restore" in result.output
    assert not (tmp_path / "copy").exists()
