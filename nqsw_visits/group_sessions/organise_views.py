"""Organising group sessions: one session, a monthly series, changing and cancelling."""

from datetime import date, timedelta

from flask import render_template
from flask_login import current_user

from nqsw_visits.availability.free_time import local_instant
from nqsw_visits.availability.holidays import between as holidays_between
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.security import role_required
from nqsw_visits.group_sessions import audience, queries, rules
from nqsw_visits.group_sessions.access import organised
from nqsw_visits.group_sessions.blueprint import bp
from nqsw_visits.group_sessions.forms import CancelForm, EditForm, SeriesForm, SessionForm
from nqsw_visits.group_sessions.views import EVERYONE, ORGANISERS, done
from nqsw_visits.people.models import Role, User

REFUSALS = (rules.GroupSessionError, audience.AudienceError)


def _choices(form):
    """Administrators pick the organising mentor; everyone picks teams and a cohort."""
    mentors = queries.mentors() if current_user.has_role(Role.ADMIN) else None
    form.set_choices(mentors, queries.teams(), audience.cohort_months())
    return form


def _organiser(form) -> User:
    return db.session.get(User, form.organiser.data) if "organiser" in form else current_user


def _invited(form, organiser: User) -> list[int]:
    return audience.resolve(form.chosen(), organiser.id, clock.today())


def _instant(day: date, at) -> object:
    found = local_instant(day, at, clock.zone())
    if found is None:
        raise rules.GroupSessionError(
            "The clocks change at that time: choose another", field="starts"
        )
    return found


def _details(form) -> rules.Details:
    return rules.Details(
        topic=form.topic.data.strip(),
        starts_at=_instant(form.day.data, form.starts.data),
        ends_at=_instant(form.day.data, form.ends.data),
        place=form.place.data.strip(),
        capacity=form.capacity.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new():
    """One group session in the organising mentor's diary, and who is invited."""
    form, status = _choices(SessionForm()), 200
    if form.validate_on_submit():
        try:
            organiser = _organiser(form)
            invited = _invited(form, organiser)
            session = rules.create_session(
                current_user, organiser, _details(form), invited, clock.zone(), clock.now()
            )
            return done(session, f"Session created: {len(invited)} people are invited")
        except REFUSALS as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template("group_sessions/new.html", form=form), status


def _plan(form: SeriesForm) -> rules.MonthlyPlan:
    return rules.MonthlyPlan(
        first_month=form.first_day(),
        months=int(form.months.data),
        week_of_month=int(form.week_of_month.data),
        weekday=int(form.day_of_week.data),
        starts=form.starts.data,
        ends=form.ends.data,
    )


def _holidays(plan: rules.MonthlyPlan) -> frozenset[date]:
    years, month = divmod(plan.first_month.month - 1 + plan.months, 12)
    after = date(plan.first_month.year + years, month + 1, 1)
    return holidays_between(plan.first_month, after - timedelta(days=1))


@bp.route("/series/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def series_new():
    """A monthly series; then each date: booked, skipped as a bank holiday, or a clash."""
    form, status = _choices(SeriesForm()), 200
    if form.validate_on_submit():
        try:
            organiser, plan = _organiser(form), _plan(form)
            topic, place = form.topic.data.strip(), form.place.data.strip()
            series, planned = rules.create_series(
                current_user, organiser, topic, place, form.capacity.data, plan,
                _invited(form, organiser), _holidays(plan), clock.zone(), clock.now(),
            )  # fmt: skip
            db.session.commit()
            return render_template(
                "group_sessions/series_booked.html", series=series, planned=planned
            )
        except REFUSALS as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template("group_sessions/series_new.html", form=form), status


def _filled(form: EditForm, session) -> EditForm:
    if session.series_id is None:
        del form.scope
    if not form.is_submitted():
        starts, ends = (
            moment.astimezone(clock.zone()) for moment in (session.starts_at, session.ends_at)
        )
        form.topic.data, form.place.data, form.capacity.data = (
            session.topic,
            session.place,
            session.capacity,
        )
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
    return form


def _scope(form) -> str:
    return form.scope.data if "scope" in form else "one"


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*EVERYONE)
def edit(session_id: int):
    """Change a session's details, or those of it and every later one in its series."""
    session = organised(session_id)
    form, status = _filled(EditForm(), session), 200
    if form.validate_on_submit():
        try:
            changed = rules.edit(
                current_user, session, _details(form), _scope(form), clock.zone(), clock.now()
            )
            many = f"{len(changed)} sessions changed" if len(changed) > 1 else "Session changed"
            return done(session, f"{many}. Everyone who replied and every guest is told")
        except rules.GroupSessionError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    page = render_template("group_sessions/edit.html", form=form, session=session, now=clock.now())
    return page, status


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@role_required(*EVERYONE)
def cancel(session_id: int):
    """Call off a session, or it and every later one in its series; all who replied are told."""
    session = organised(session_id)
    form, status = CancelForm(), 200
    if session.series_id is None:
        del form.scope
    if form.validate_on_submit():
        try:
            gone = rules.cancel(
                current_user, session, form.reason.data.strip(), _scope(form), clock.now()
            )
            many = f"{len(gone)} sessions cancelled" if len(gone) > 1 else "Session cancelled"
            return done(session, f"{many}. Everyone who replied and every guest is told")
        except rules.GroupSessionError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    page = render_template(
        "group_sessions/cancel.html", form=form, session=session, now=clock.now()
    )
    return page, status
