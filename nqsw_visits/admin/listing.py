"""Listing and filtering people, and showing service errors on forms."""

from functools import lru_cache

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, User
from nqsw_visits.people.queries import ids_with_role
from nqsw_visits.people.rules import PeopleError

_FORM_FIELDS = {"password": "new_password", "mentors": "people", "managers": "people"}


def people_filters(args) -> dict:
    """The filters from a query string, ignoring values that are not allowed."""
    role = args.get("role", "")
    status = args.get("status", "active")
    return {
        "role": role if role in {r.value for r in Role} else "",
        "status": status if status in {"active", "inactive", "all"} else "active",
        "q": " ".join(args.get("q", "").split())[:100].replace("\x00", ""),
    }


def list_people(filters: dict) -> list[User]:
    """People matching the filters, with their roles and team loaded."""
    return list(db.session.scalars(people_query(filters)))


def people_query(filters: dict) -> Select:
    """The select of people matching the filters, by name."""
    return _people_query(filters.get("role", ""), filters.get("status", ""), filters.get("q", ""))


# Built once for each filter: the list is read far more often than its filters change, and
# its page of rows (core.paging) is then built once too, where both were built every time.
@lru_cache(maxsize=256)
def _people_query(role: str, status: str, q: str) -> Select:
    query = select(User).options(joinedload(User.team)).order_by(User.display_name, User.id)
    if role:
        query = query.where(User.id.in_(ids_with_role(role)))
    if status == "active":
        query = query.where(User.active)
    elif status == "inactive":
        query = query.where(~User.active)
    if q:
        query = query.where(
            or_(
                User.email.contains(q.lower(), autoescape=True),
                User.display_name.icontains(q, autoescape=True),
            )
        )
    return query


def show_error(form, error: PeopleError) -> None:
    """Put a service's refusal on the form field it concerns, and undo the change."""
    db.session.rollback()
    name = _FORM_FIELDS.get(error.field, error.field)
    field = getattr(form, name, None) if name else None
    field = field if field is not None else next(iter(form))
    field.errors = [*field.errors, str(error)] if isinstance(field.errors, list) else [str(error)]
