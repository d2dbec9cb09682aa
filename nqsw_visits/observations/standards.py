"""Professional standards frameworks: reading a framework file, loading it, teams' choices."""

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, delete, or_, select
from sqlalchemy.orm import contains_eager

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.observations.models import Framework, Standard, TeamFramework
from nqsw_visits.people import audit
from nqsw_visits.people.models import Team, User

FRAMEWORK_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
TOP_FIELDS = ("code", "name", "source", "standards")
STANDARD_FIELDS = ("code", "title", "description")
# Line breaks are welcome in a description; no other control character is.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FrameworkError(Refusal, ValueError):
    """A framework file or choice that cannot be used; the message says what and where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


@dataclass(frozen=True)
class StandardData:
    """One standard as read from a framework file."""

    code: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class FrameworkData:
    """A whole framework as read from a file, checked and ready to load."""

    code: str
    name: str
    source: str
    standards: tuple[StandardData, ...]


def _text(
    item: dict, field: str, where: str, max_length: int, required: bool = True, prose=False
) -> str:
    """One text field of the file, stripped, or FrameworkError naming the field and place."""
    value = item.get(field)
    if value is None and not required:
        return ""
    if value is not None and not isinstance(value, str):
        raise FrameworkError(f"The {field} of {where} must be text in quotes")
    value = (value or "").strip()
    if not value and required:
        raise FrameworkError(f"{where[0].upper()}{where[1:]} has no {field}")
    if len(value) > max_length:
        raise FrameworkError(
            f"The {field} of {where} is {len(value)} characters long; "
            f"use {max_length} characters or fewer"
        )
    if (_CONTROL_IN_PROSE if prose else _CONTROL).search(value):
        raise FrameworkError(f"The {field} of {where} contains a control character")
    return value


def _refuse_unknown(item: dict, allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(item) - set(allowed))
    if unknown:
        raise FrameworkError(
            f"{where[0].upper()}{where[1:]} has an unknown field: {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed)})"
        )


def _standard(number: int, item: object) -> StandardData:
    where = f"standard {number}"
    if not isinstance(item, dict):
        raise FrameworkError(f"Standard {number} must be an object with a code and a title")
    _refuse_unknown(item, STANDARD_FIELDS, where)
    code = _text(item, "code", where, 40)
    where = f"standard {number} ({code})"
    return StandardData(
        code=code,
        title=_text(item, "title", where, 200),
        description=_text(item, "description", where, 2000, required=False, prose=True),
    )


def parse_framework(text: str) -> FrameworkData:
    """A framework from the text of a JSON file; FrameworkError says what is wrong and where."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise FrameworkError(
            f"The file is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(raw, dict):
        raise FrameworkError("The file must hold one JSON object with a code, name and standards")
    _refuse_unknown(raw, TOP_FIELDS, "the file")
    code = _text(raw, "code", "the framework", 40)
    if not FRAMEWORK_CODE.match(code):
        raise FrameworkError(
            f"The framework code {code!r} must be 2 to 40 lowercase letters, digits or "
            "hyphens, starting with a letter or digit"
        )
    name = _text(raw, "name", "the framework", 200)
    source = _text(raw, "source", "the framework", 300, required=False)
    items = raw.get("standards")
    if not isinstance(items, list):
        raise FrameworkError('The file must have a list of standards: "standards": [...]')
    if not items:
        raise FrameworkError("The file has no standards: add at least one")
    standards = tuple(_standard(number, item) for number, item in enumerate(items, start=1))
    seen: dict[str, int] = {}
    for number, standard in enumerate(standards, start=1):
        first = seen.setdefault(standard.code.casefold(), number)
        if first != number:
            raise FrameworkError(
                f"Standard code {standard.code} appears twice (standards {first} and {number})"
            )
    return FrameworkData(code=code, name=name, source=source, standards=standards)


def load_framework(data: FrameworkData, actor: User | None = None) -> dict[str, int]:
    """Add or update a framework and its standards; those left out of the file are retired."""
    framework = db.session.scalar(select(Framework).where(Framework.code == data.code))
    if framework is None:
        framework = Framework(code=data.code)
        db.session.add(framework)
    framework.name, framework.source, framework.loaded_at = data.name, data.source, clock.now()
    db.session.flush()
    known = {
        row.code: row
        for row in db.session.scalars(select(Standard).where(Standard.framework_id == framework.id))
    }
    counts = {"added": 0, "updated": 0, "retired": 0}
    for position, item in enumerate(data.standards):
        row = known.pop(item.code, None)
        new = {"title": item.title, "description": item.description, "position": position}
        if row is None:
            db.session.add(Standard(framework_id=framework.id, code=item.code, **new))
            counts["added"] += 1
            continue
        new["retired"] = False
        if any(getattr(row, key) != value for key, value in new.items()):
            counts["updated"] += 1
            for key, value in new.items():
                setattr(row, key, value)
    for row in known.values():
        # Kept, not deleted: earlier observations still name it.
        if not row.retired:
            row.retired = True
            counts["retired"] += 1
    db.session.flush()
    audit.record("framework.loaded", actor=actor, obj=framework, code=data.code, **counts)
    return counts


def standards_for_team(team_id: int | None) -> list[Standard]:
    """The current standards a team uses (every framework's if it chose none), in one query."""
    return list(db.session.scalars(_standards(team_id is not None), {"team_id": team_id}))


@cache  # built once for a team and once for no team: the observation and agreement pages
def _standards(of_team: bool):
    return _by_framework(select(Standard)).where(_in_use(of_team))


def _by_framework(query: Select) -> Select:
    return (
        query.join(Standard.framework)
        .options(contains_eager(Standard.framework))
        .order_by(Framework.name, Framework.id, Standard.position, Standard.id)
    )


def _in_use(of_team: bool):
    """A current standard of the team's frameworks (`team_id`), or of any with no team."""
    if not of_team:
        return ~Standard.retired
    chosen = select(TeamFramework.framework_id).where(TeamFramework.team_id == bindparam("team_id"))
    return ~Standard.retired & or_(Standard.framework_id.in_(chosen), ~chosen.exists())


def standards_marked(team_id: int | None, marked: Select, params: dict) -> list:
    """The standards a team uses and any standard whose id `marked` selects, each as
    (standard, the team uses it, it is marked), in `standards_for_team`'s order: one query."""
    statement = _marked(team_id is not None, marked)
    return db.session.execute(statement, {"team_id": team_id, **params}).all()


@cache  # built once for each marking statement, with a team and without: the progress page
def _marked(of_team: bool, marked: Select) -> Select:
    in_use, is_marked = _in_use(of_team), Standard.id.in_(marked)
    columns = (Standard, in_use.label("in_use"), is_marked.label("marked"))
    return _by_framework(select(*columns)).where(or_(in_use, is_marked))


def all_frameworks() -> list[Framework]:
    """Every framework loaded, by name."""
    return list(db.session.scalars(select(Framework).order_by(Framework.name, Framework.id)))


def framework_by_code(code: str) -> Framework | None:
    """The framework with this code, if loaded."""
    return db.session.scalar(select(Framework).where(Framework.code == code))


def frameworks_with_choice(team_id: int) -> tuple[list[Framework], list[int]]:
    """Every framework loaded, by name, and those the team chose, in one statement."""
    rows = db.session.execute(
        select(Framework, TeamFramework.team_id)
        .outerjoin(
            TeamFramework,
            (TeamFramework.framework_id == Framework.id) & (TeamFramework.team_id == team_id),
        )
        .order_by(Framework.name, Framework.id)
    ).all()
    chosen = sorted(framework.id for framework, team in rows if team is not None)
    return [framework for framework, _ in rows], chosen


def team_framework_ids(team_id: int) -> list[int]:
    """The frameworks a team chose; empty means it uses every framework."""
    return list(
        db.session.scalars(
            select(TeamFramework.framework_id)
            .where(TeamFramework.team_id == team_id)
            .order_by(TeamFramework.framework_id)
        )
    )


def framework_names_by_team() -> dict[int, list[str]]:
    """For each team that chose frameworks, their names; teams missing use every framework."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(TeamFramework.team_id, Framework.name)
        .join(Framework, Framework.id == TeamFramework.framework_id)
        .order_by(Framework.name)
    )
    for team_id, name in rows:
        names[team_id].append(name)
    return dict(names)


def set_team_frameworks(actor: User | None, team: Team, framework_ids: Iterable[int]) -> None:
    """Replace the frameworks a team uses; none means every framework."""
    framework_ids = set(framework_ids)
    known = set(db.session.scalars(select(Framework.id).where(Framework.id.in_(framework_ids))))
    if known != framework_ids:
        raise FrameworkError("Select frameworks from the list", "frameworks")
    db.session.execute(delete(TeamFramework).where(TeamFramework.team_id == team.id))
    db.session.add_all(TeamFramework(team_id=team.id, framework_id=fid) for fid in framework_ids)
    audit.record("team.frameworks_set", actor=actor, obj=team, framework_ids=sorted(framework_ids))
