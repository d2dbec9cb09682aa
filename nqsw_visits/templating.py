"""Template filters and the navigation each role sees."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from .audit_labels import audit_label
from .models import Role, utcnow
from .models_availability import ExceptionKind
from .models_observations import CLASSIFICATION_LABELS
from .notifications import unread_count

# (role, label, endpoint, endpoint prefix that marks it current)
NAVIGATION = [
    (Role.NQSW, "My support", "dashboard.nqsw", "dashboard.nqsw"),
    (Role.NQSW, "Ask for support", "visit_requests.ask", "visit_requests.ask"),
    (
        Role.NQSW,
        "My requests",
        "visit_requests.mine",
        ("visit_requests.mine", "visit_requests.show"),
    ),
    (Role.MENTOR, "Mentoring", "dashboard.mentor", "dashboard.mentor"),
    (Role.MENTOR, "Requests", "visit_requests.inbox", "visit_requests.inbox"),
    (
        Role.MENTOR,
        "My availability",
        "availability.edit",
        ("availability.e", "availability.w", "availability.l"),
    ),
    (Role.MENTOR, "My diary", "availability.diary", "availability.diary"),
    (Role.PRACTICE_MANAGER, "My team", "dashboard.manager", "dashboard.manager"),
    (Role.PRACTICE_MANAGER, "Planned support", "planning.planned", "planning."),
    (Role.ADMIN, "Administration", "admin.index", "admin.index"),
    (Role.ADMIN, "People", "admin.people_list", "admin.p"),
    (Role.ADMIN, "Teams", "admin.teams", "admin.team"),
]


# Status of a request -> (words, GOV.UK tag colour).
STATUS_TAGS = {
    "requested": ("Waiting for an answer", "blue"),
    "alternative_proposed": ("Another time offered", "yellow"),
    "accepted": ("Accepted", "green"),
    "declined": ("Declined", "red"),
    "withdrawn": ("Withdrawn", "grey"),
    "cancelled": ("Cancelled", "grey"),
    "completed": ("Completed", "purple"),
    "did_not_happen": ("Did not happen", "grey"),
}


def navigation_items() -> list[dict]:
    """Service navigation links for the signed-in person's roles."""
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    own_page = (request.view_args or {}).get("mentor_id", current_user.id) == current_user.id
    items = []
    for role, label, target, prefix in NAVIGATION:
        if not current_user.has_role(role):
            continue
        mine = target.startswith("availability.")
        href = url_for(target, mentor_id=current_user.id) if mine else url_for(target)
        current = endpoint.startswith(prefix) and (own_page or not mine)
        items.append({"text": label, "href": href, "current": current})
    unread = unread_count(current_user.id)
    items.append(
        {
            "text": f"Notifications ({unread} new)" if unread else "Notifications",
            "href": url_for("notifications.index"),
            "current": endpoint.startswith("notifications."),
        }
    )
    return items


def register_template_helpers(app: Flask, zone: ZoneInfo) -> None:
    """Filters for local times and globals for the layout."""

    @app.template_filter("local_datetime")
    def local_datetime(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone)
        return f"{local.day} {local:%B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace(
            "PM", "pm"
        )

    @app.template_filter("local_date")
    def local_date(value: datetime | date | None) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return f"{value.day} {value:%B %Y}"
        return (
            "" if value is None else f"{value.astimezone(zone).day} {value.astimezone(zone):%B %Y}"
        )

    @app.template_filter("local_time")
    def local_time(value: datetime | None) -> str:
        return "" if value is None else f"{value.astimezone(zone):%H:%M}"

    @app.template_filter("local_period")
    def local_period(span) -> str:
        """Whole local days as '24 to 26 November 2026', otherwise start and end times."""
        starts, ends = span.starts_at.astimezone(zone), span.ends_at.astimezone(zone)
        if starts.time() == ends.time() == datetime.min.time():
            last = (ends - timedelta(days=1)).date()
            first = starts.date()
            if first == last:
                return f"{first.day} {first:%B %Y} (all day)"
            return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y} (all day)"
        same_day = starts.date() == ends.date()
        until = local_time(span.ends_at) if same_day else local_datetime(span.ends_at)
        return f"{local_datetime(span.starts_at)} to {until}"

    @app.template_filter("exception_label")
    def exception_label(kind: str) -> str:
        return ExceptionKind(kind).label

    app.add_template_filter(audit_label, "audit_label")
    app.add_template_global(STATUS_TAGS, "STATUS_TAGS")
    app.add_template_global(CLASSIFICATION_LABELS, "CLASSIFICATION_LABELS")

    @app.context_processor
    def layout_globals() -> dict:
        return {
            "navigation_items": navigation_items,
            "htmx_headers": lambda: json.dumps({"X-CSRFToken": generate_csrf()}),
            "Role": Role,
            "now_utc": utcnow,
        }
