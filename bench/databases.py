"""The bench's data sets: built once into instance/bench/, reused while current."""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "instance" / "bench"
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
FRESH_FOR = 20 * 3600  # seconds: the data is dated from when it was built


def environment(url: str, **more: str) -> dict[str, str]:
    """What the app needs to run on `url` outside debug, quietly, for the bench."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-only-secret-key-not-for-real-use",
        "INSTANCE_PATH": str(FOLDER),
        "MAIL_SEND_AFTER_REQUEST": "0",
        "RATELIMIT_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
        "FLASK_DEBUG": "0",
        **more,
    }


def _head() -> str:
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def _current(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            people = conn.execute(sa.text("SELECT count(*) FROM users")).scalar()
        return version == _head() and people > 0
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def build(url: str, scale: str | None) -> float:
    """Migrate and load the demo at `scale` (None: the plain demo); seconds it took."""
    started = time.perf_counter()
    env = environment(url)
    subprocess.run([*FLASK, "db", "upgrade"], env=env, cwd=ROOT, check=True,  # noqa: S603
                   capture_output=True)  # fmt: skip
    extra = ["--scale", scale] if scale else []
    subprocess.run([*FLASK, "demo-data", "--for-trials-only", *extra], env=env, cwd=ROOT,  # noqa: S603
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def _builder_digest() -> str:
    """Changes when the demo builder does, so an older data set is built again."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "nqsw_visits" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def sqlite_copy(scale: str | None) -> tuple[str, str]:
    """A fresh working copy of the SQLite data set (built if missing or stale); its URL."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    name = scale or "demo"
    kept = FOLDER / f"{name}-{_builder_digest()}.sqlite3"
    for older in FOLDER.glob(f"{name}-*.sqlite3"):
        if older != kept and not older.name.endswith(".run.sqlite3"):
            older.unlink()
    fresh = kept.exists() and time.time() - kept.stat().st_mtime < FRESH_FOR
    note = f"reused {kept.name}"
    if not (fresh and _current(f"sqlite:///{kept}")):
        partial = FOLDER / f"{name}.building.sqlite3"
        partial.unlink(missing_ok=True)
        seconds = build(f"sqlite:///{partial}", scale)
        partial.replace(kept)
        note = f"built {kept.name} in {seconds:.0f} s"
    working = FOLDER / f"{name}.run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{working}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(kept, working)
    return f"sqlite:///{working}", note


def postgres_create(server_url: str, scale: str | None) -> tuple[str, str]:
    """A database of the bench's own on the server, loaded at `scale`; its URL."""
    server = sa.make_url(server_url)
    name = f"alongside_bench_{scale or 'demo'}_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    seconds = build(url, scale)
    # Vacuumed now: autovacuum would otherwise take a core in the middle of the page runs,
    # as it does after any bulk load.
    loaded = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with loaded.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    loaded.dispose()
    return url, f"built {name} in {seconds:.0f} s"


def postgres_drop(url: str) -> None:
    """Drop a database postgres_create made."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()
