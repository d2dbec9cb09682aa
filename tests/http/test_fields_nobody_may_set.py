"""Forms ignore fields the user may not set: every column name posted as an extra changes nothing.

Each route's valid form is posted twice on the same freshly built world, at the same frozen
moment: once as the page sends it, once with every column name of every model, every field
of the application's other forms and a few usual suspects added. The whole database must end
up the same.
"""

import gc
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from nqsw_visits.core.extensions import db
from tests.conftest import PG_URL, _empty_postgres
from tests.factories import FROZEN_AT
from tests.http.changes import CASES, build_world
from tests.http.hostile import flask_forms, form_field_names
from tests.http.test_audit_every_change import assert_done, post_as

OLD = "2020-01-01T00:00:00"
# Submit buttons: every form has one, so they say nothing about which form a post fills in.
BUTTONS = {"submit"}
# Names people try besides the columns themselves, with harmful values (None: another's id).
SUSPECTS = {
    "status": "completed",
    "role": "admin",
    "locked": "1",
    "signed_at": OLD,
    "owner_id": None,
    "manager_id": None,
}
# Values the code makes at random: compared by their shape, not their value.
RANDOM = [
    (re.compile(r"^\$argon2"), "<argon2 hash>"),
    (re.compile(r"^[0-9a-f]{64}$"), "<sha256>"),
    (re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), "<uuid>"),
]


def _value(column: sa.Column | None, world: dict) -> object:
    """A value that would change something if the column were set from it."""
    victim, other_team = world["people"]["victim"].id, world["ids"]["other_team"]
    if column is None:
        return str(victim)
    kind = column.type.python_type if hasattr(column.type, "impl") else None
    try:
        kind = kind or column.type.python_type
    except NotImplementedError:
        kind = str
    if kind is bool:
        return "0" if column.default is not None and column.default.arg is True else "1"
    if kind is int:
        return str(other_team if column.name == "team_id" else victim)
    if kind.__name__ in ("datetime", "date"):
        return OLD
    if kind.__name__ == "time":
        return "03:00"
    return "hostile"


def fields_of_forms_posted(legit: dict) -> set[str]:
    """The fields of every form the legitimate post fills in (its optional fields too)."""
    bare = {key.split("-", 1)[-1] for key in legit} - BUTTONS
    fields = {form: form_field_names({form}) for form in flask_forms()}
    return set().union(*(names for names in fields.values() if names & bare))


def extra_fields(legit: dict, world: dict) -> dict:
    """Every column name, suspect and other form's field, bare and with the form's prefix."""
    # Pages build some form classes as they go (a review's line per goal, goal_<id>): ones
    # no longer used linger until the collector runs, so without this the extras would
    # depend on what ran before in the process.
    gc.collect()
    columns = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            columns.setdefault(column.name, column)
    names = set(columns) | set(SUSPECTS) | form_field_names(flask_forms())
    names -= fields_of_forms_posted(legit) | BUTTONS
    prefixes = {key.split("-", 1)[0] + "-" for key in legit if "-" in key}
    extras = {}
    for name in sorted(names):
        value = SUSPECTS.get(name) or _value(columns.get(name), world)
        for prefix in ("", *prefixes):
            if prefix + name not in legit:
                extras[prefix + name] = value
    return extras


def _reset(app, schema: dict, database_url: str) -> None:
    """The database again as a new test finds it (the audit trail cannot be deleted from)."""
    db.session.remove()
    if PG_URL:
        _empty_postgres(app)
        return
    db.engine.dispose()
    path = Path(sa.make_url(database_url).database)
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(schema["template"], path)


# A random id inside a longer text: a calendar invitation's UID names its session's uid.
UUID_INSIDE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _normal(value: object) -> object:
    if isinstance(value, str):
        for pattern, shape in RANDOM:
            if pattern.match(value):
                return shape
        return UUID_INSIDE.sub("<uuid>", value)
    return value


def snapshot() -> dict[str, Counter]:
    """Every row of every table."""
    db.session.commit()
    return {
        table.name: Counter(
            tuple(_normal(value) for value in row)
            for row in db.session.execute(sa.select(table)).all()
        )
        for table in db.metadata.sorted_tables
    }


def differences(plain: dict, hostile: dict) -> dict:
    """Per table: the rows that differ; for changed rows, only the columns that changed."""
    found = {}
    for table in db.metadata.sorted_tables:
        sent = sorted((plain[table.name] - hostile[table.name]).elements(), key=repr)
        extra = sorted((hostile[table.name] - plain[table.name]).elements(), key=repr)
        if len(sent) != len(extra):
            found[table.name] = {"rows as sent": sent, "rows with extras": extra}
        elif sent:
            names = [column.name for column in table.columns]
            found[table.name] = [
                {name: (a, b) for name, a, b in zip(names, one, other, strict=True) if a != b}
                for one, other in zip(sent, extra, strict=True)
            ]
    return found


def run(app, case: str, with_extras: bool) -> dict:
    """Build the world, post the case's form (with the extras or not); the database after."""
    world = build_world()
    extras = extra_fields(CASES[case][2](world), world) if with_extras else {}
    if with_extras:
        assert {"status", "nqsw_id", "mentor_id", "author_id", "created_at", "id"} <= set(extras)
    assert_done(post_as(app, world, case, extras), case)
    return snapshot()


@pytest.mark.parametrize("case", sorted(CASES))
def test_extra_fields_change_nothing_stored(app, schema, database_url, case):
    with time_machine.travel(FROZEN_AT, tick=False):
        plain = run(app, case, with_extras=False)
        _reset(app, schema, database_url)
        hostile = run(app, case, with_extras=True)
    assert differences(plain, hostile) == {}


def test_the_extras_cover_every_column_and_every_other_form_field(app):
    """A column added to any model is posted as an extra without changing this test."""
    world = build_world()
    extras = extra_fields({"window-weekday": "1"}, world)
    posted = {"weekday", "starts", "ends", "submit"}  # the window form's own fields
    assert fields_of_forms_posted({"window-weekday": "1"}) == posted
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name not in posted:
                assert column.name in extras and "window-" + column.name in extras
    assert {"observed", "reflection", "new_password", "case_reference"} <= set(extras)
    assert extras["status"] == "completed" and extras["role"] == "admin"
    assert extras["nqsw_id"] == str(world["people"]["victim"].id)
    assert extras["team_id"] == str(world["ids"]["other_team"])
