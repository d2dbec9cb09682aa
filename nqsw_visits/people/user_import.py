"""Import people from a CSV file (email,name,roles,team): all rows or none."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role, Team, User
from nqsw_visits.people.rules import (
    NAME_MAX_LENGTH,
    PeopleError,
    check_email,
    create_team,
    create_user,
    has_control_characters,
    name_key,
    tidy_name,
)

HEADER = ["email", "name", "roles", "team"]
_ROLE_NAMES = (
    {role.value: role for role in Role}
    | {role.label.lower(): role for role in Role}
    | {"pm": Role.PRACTICE_MANAGER}
)


@dataclass
class ImportResult:
    """What an import did, or the problems that stopped it (line number, message)."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)


def parse_roles(text: str) -> set[Role]:
    """Roles separated by ';' or '|', by value or label; PeopleError for unknown ones."""
    names = [part.strip().lower() for part in text.replace("|", ";").split(";") if part.strip()]
    unknown = [name for name in names if name not in _ROLE_NAMES]
    if unknown:
        raise PeopleError(f"unknown role {unknown[0]!r} (use {', '.join(r.value for r in Role)})")
    if not names:
        raise PeopleError("no role given")
    return {_ROLE_NAMES[name] for name in names}


def _check_rows(
    rows: list[tuple[int, dict]], result: ImportResult
) -> list[tuple[str, str, set, str]]:
    seen: dict[str, int] = {}
    clean = []
    for line, row in rows:
        try:
            email = check_email(row.get("email") or "")
            name = tidy_name(row.get("name") or "")
            team = tidy_name(row.get("team") or "")
            if not name:
                raise PeopleError("name is empty")
            for what, text in [("name", name), ("team", team)]:
                if len(text) > NAME_MAX_LENGTH:
                    raise PeopleError(f"{what} is longer than {NAME_MAX_LENGTH} characters")
                if has_control_characters(text):
                    raise PeopleError(f"{what} contains a control character")
            roles = parse_roles(row.get("roles") or "")
            if email in seen:
                raise PeopleError(f"email repeats line {seen[email]}")
            seen[email] = line
            if db.session.scalar(select(User.id).where(User.email == email)):
                raise PeopleError("an account with this email already exists")
        except PeopleError as error:
            result.errors.append((line, str(error)))
            continue
        clean.append((email, name, roles, team))
    return clean


def import_users(actor: User | None, text: str) -> ImportResult:
    """Check every row; create all the accounts only if none has a problem."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        if header != HEADER:
            result.errors.append((1, f"the header must be exactly: {','.join(HEADER)}"))
            return result
        reader.fieldnames = header
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        result.errors.append((reader.line_num, f"the file is not valid CSV ({error})"))
        return result
    if any(None in row for _, row in rows):
        result.errors.extend((line, "too many columns") for line, row in rows if None in row)
    clean = _check_rows(rows, result)
    if result.errors or not clean:
        if not result.errors:
            result.errors.append((2, "the file has no rows to import"))
        result.errors.sort()
        return result
    teams = {name_key(t.name): t for t in db.session.scalars(select(Team))}
    try:
        for email, name, roles, team_name in clean:
            team = teams.get(name_key(team_name)) if team_name else None
            if team_name and team is None:
                team = teams[name_key(team_name)] = create_team(actor, team_name)
                result.teams_created.append(team.name)
            create_user(
                actor, email=email, display_name=name, roles=roles, team_id=team and team.id
            )
            result.created.append(email)
    except PeopleError as error:  # someone else added the same email or team meanwhile
        result.errors.append((1, str(error)))
        return result
    audit.record("users.imported", actor=actor, count=len(clean))
    db.session.commit()
    return result
