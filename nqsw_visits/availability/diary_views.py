"""A mentor's diary, and the fragments that answer "is the mentor free?"."""

from datetime import date, datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.access import mentor_to_edit, mentor_to_view
from nqsw_visits.availability.blueprint import bp
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.forms import parse_clock
from nqsw_visits.availability.models import HOLD_KIND_LABELS
from nqsw_visits.availability.week import diary_week, free_slots_by_day, week_of
from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.dates import date_arg, week_arg
from nqsw_visits.core.extensions import db
from nqsw_visits.core.htmx import render_page_or_fragment
from nqsw_visits.core.security import role_required
from nqsw_visits.people.models import MentorAssignment, Role, User
from nqsw_visits.people.queries import with_role

BOOKING_HORIZON_WEEKS = 8  # free times are offered up to 8 weeks ahead, counting this week
SHOWN_WEEKS = 2  # the free-times page shows two weeks at a time

# The kinds of support an NQSW can look for free times for, as the pages name them.
KIND_LABELS = {
    kind: HOLD_KIND_LABELS[kind].lower()
    for kind in ("home_visit", "court_hearing", "meeting", "case_discussion")
}


@bp.get("/diary")
@role_required(Role.MENTOR, Role.ADMIN)
def diary(mentor_id: int):
    """A week of the mentor's diary, with previous, next and a jump to a date."""
    mentor = mentor_to_edit(mentor_id)
    monday = week_arg("week") or week_of(clock.today())
    return render_template(
        "availability/diary.html",
        mentor=mentor,
        days=diary_week(mentor.id, monday, zone()),
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=clock.today(),
    )


def _other_mentors(mentor: User) -> list[User]:
    """Mentors the current user could ask instead."""
    query = (
        with_role(Role.MENTOR).where(User.active, User.id != mentor.id).order_by(User.display_name)
    )
    if not current_user.has_role(Role.MENTOR, Role.ADMIN):
        query = query.join(MentorAssignment, MentorAssignment.mentor_id == User.id).where(
            MentorAssignment.nqsw_id == current_user.id
        )
    return list(db.session.scalars(query))


def _asked_time() -> tuple[datetime, datetime] | None:
    day = date_arg("date")
    try:
        starts, ends = parse_clock(request.args["start"]), parse_clock(request.args["end"])
    except (KeyError, ValueError):
        return None
    if day is None or ends <= starts:
        return None
    tz = zone()
    return datetime.combine(day, starts, tzinfo=tz), datetime.combine(day, ends, tzinfo=tz)


def free_check_context(mentor: User, asked, kind: str) -> dict:
    """Whether the mentor is free at the asked time, why not, and which others are."""
    context = {"mentor": mentor, "kind_label": KIND_LABELS[kind], "asked": asked}
    if asked:
        others = _other_mentors(mentor)
        calendars = load_calendars([mentor.id] + [m.id for m in others], *asked, zone())
        now = clock.now()
        context["verdict"] = availability.check(calendars[mentor.id], *asked, kind, now)
        free_ids = availability.who_is_free(
            {m.id: calendars[m.id] for m in others}, *asked, kind, now
        )
        context["free_others"] = [m for m in others if m.id in free_ids]
    return context


@bp.get("/free")
@role_required(Role.NQSW, Role.MENTOR, Role.ADMIN)
def free_check(mentor_id: int):
    """Is this mentor free at a fixed time, why not, and who else is."""
    mentor = mentor_to_view(mentor_id)
    kind = request.args.get("kind", "home_visit")
    kind = kind if kind in KIND_LABELS else "home_visit"
    context = free_check_context(mentor, _asked_time(), kind)
    return render_page_or_fragment(
        "availability/free_check.html", "availability/_free_check.html", **context
    )


def _slot_weeks(today: date) -> tuple[date | None, date | None, date | None]:
    """The Monday asked for (None: from today), and the weeks before and after, if any."""
    this_monday = week_of(today)
    last = this_monday + timedelta(weeks=BOOKING_HORIZON_WEEKS - SHOWN_WEEKS)
    asked = week_arg("week", clamp=True)
    first = min(asked, last) if asked else None
    if first is None or first <= this_monday:
        return None, None, this_monday + timedelta(weeks=1)
    following = first + timedelta(weeks=1) if first < last else None
    return first, first - timedelta(weeks=1), following  # this Monday means "from today"


def _kind_and_minutes() -> tuple[str, int]:
    """The kind of event and its length from the address, or the defaults."""
    kind = request.args.get("kind", "case_discussion")
    try:
        minutes = int(request.args.get("duration", "60"))
    except ValueError:  # "²" passes str.isdigit() but not int()
        minutes = 60
    return (
        kind if kind in KIND_LABELS else "case_discussion",
        minutes if 15 <= minutes <= 480 else 60,
    )


@bp.get("/slots")
@role_required(Role.NQSW, Role.MENTOR, Role.ADMIN)
def free_slots(mentor_id: int):
    """The mentor's free start times, two weeks at a time, for a length of event."""
    mentor = mentor_to_view(mentor_id)
    kind, minutes = _kind_and_minutes()
    first, previous, following = _slot_weeks(clock.today())
    start = datetime.combine(first or clock.today(), time(0), tzinfo=zone())
    by_day = free_slots_by_day(mentor.id, start, SHOWN_WEEKS, minutes, kind, clock.now())
    return render_page_or_fragment(
        "availability/free_slots.html",
        "availability/_free_slots.html",
        mentor=mentor,
        by_day=by_day,
        minutes=minutes,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        kinds=KIND_LABELS,
        duration=timedelta(minutes=minutes),
        first=first,
        previous=previous,
        following=following,
        # An NQSW asking their own mentor can pick a start time to ask for it.
        can_ask=current_user.has_role(Role.NQSW) and current_user.id != mentor.id,
    )
