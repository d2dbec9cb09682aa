"""The review pages: the mentor writes, the NQSW adds a view and ratings, the manager confirms."""

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from nqsw_visits.agreements import evidence, reviews, rules
from nqsw_visits.agreements.access import agreement_for
from nqsw_visits.agreements.blueprint import bp
from nqsw_visits.agreements.forms import (
    ConfirmReviewForm,
    RatingsForm,
    review_form_for,
    view_form_for,
)
from nqsw_visits.agreements.views import PEOPLE_OF_AGREEMENTS
from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.core import clock
from nqsw_visits.core.database import kept_as_loaded
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.security import role_required
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role


def _point(agreement, months: int) -> reviews.PointState:
    version = rules.in_force(agreement)
    if version is None:
        abort(404)
    starts = version.starts_on
    holidays = bank_holidays.between(starts, starts + timedelta(days=400))
    try:
        return reviews.point_of(agreement, months, holidays, clock.today())
    except rules.AgreementError:
        abort(404)


def _goals(agreement) -> list:
    number = rules.in_force(agreement).number
    return [goal for goal in agreement.goals if goal.in_version(number)]


def _cases(agreement) -> list:
    number = rules.in_force(agreement).number
    return [case for case in agreement.focus_cases if case.in_version(number)]


def _evidence(agreement, at) -> list[evidence.Evidence]:
    """What happened since the previous review point (or the start) until this one's day."""
    zone = clock.zone()
    starts = datetime.combine(at.since, time(), tzinfo=zone)
    ends = datetime.combine(at.point.due_on + timedelta(days=1), time(), tzinfo=zone)
    mentor_id = rules.in_force(agreement).mentor_id
    return evidence.for_review(agreement, mentor_id, current_user.id, starts, ends)


def _page(agreement, at, status=200, **forms):
    goals = _goals(agreement)
    return (
        render_template(
            "agreements/review.html",
            agreement=agreement,
            at=at,
            goals=goals,
            cases=_cases(agreement),
            evidence=_evidence(agreement, at),
            ratings=dict(reviews.RATINGS),
            version=rules.in_force(agreement),
            **forms,
        ),
        status,
    )


@bp.route("/agreements/<int:agreement_id>/reviews/<int:months>", methods=["GET", "POST"])
@role_required(*PEOPLE_OF_AGREEMENTS)
def review(agreement_id: int, months: int):
    """A review point: write it (mentor), add a view (NQSW), confirm it (manager)."""
    agreement = agreement_for(agreement_id)
    at = _point(agreement, months)
    version = rules.in_force(agreement)
    if current_user.id == version.mentor_id:
        response = _mentor(agreement, at)
    elif current_user.id == agreement.nqsw_id:
        response = _nqsw(agreement, at)
    else:
        response = _page(agreement, at, confirm_form=ConfirmReviewForm())
    if at.review is not None and request.method == "GET":
        # Every read of a review is audited, once the page is rendered.
        with kept_as_loaded():
            audit.record_read(
                "agreement.review_read", actor=current_user, obj=agreement, months=months
            )
    return response


def _mentor(agreement, at):
    form = review_form_for(_goals(agreement), _cases(agreement), at.review)
    if form.validate_on_submit():
        lines = {
            (n.split("_")[0], int(n.split("_")[1])): form[n].data or "" for n in form.line_names
        }
        try:
            reviews.write(
                current_user,
                agreement,
                at,
                form.progress.data,
                form.what_next.data,
                clock.today(),
                clock.now(),
                lines,
            )
            db.session.commit()
            flash("Review saved. The NQSW is asked to add their view", "success")
            return redirect(url_for(".review", agreement_id=agreement.id, months=at.point.months))
        except rules.AgreementError as error:
            return _page(agreement, at, refused(error, form), form=form)
    return _page(agreement, at, 422 if form.errors else 200, form=form)


def _nqsw(agreement, at):
    if at.review is None:
        return _page(agreement, at)
    goals = _goals(agreement)
    form = view_form_for(goals, reviews.RATINGS)
    if form.validate_on_submit():
        ratings = {goal.id: int(form[f"goal_{goal.id}"].data) for goal in goals}
        try:
            reviews.add_view(
                current_user, agreement, at.review, form.view.data, ratings, clock.now()
            )
            db.session.commit()
            flash(
                "Your view is added. Your practice manager is asked to confirm the review",
                "success",
            )
            return redirect(url_for(".review", agreement_id=agreement.id, months=at.point.months))
        except rules.AgreementError as error:
            return _page(agreement, at, refused(error, form), form=form)
    return _page(agreement, at, 422 if form.errors else 200, form=form)


@bp.route("/agreements/<int:agreement_id>/ratings", methods=["GET", "POST"])
@role_required(Role.NQSW)
def ratings(agreement_id: int):
    """The NQSW rates themselves on each goal at the start of the agreement."""
    agreement = agreement_for(agreement_id)
    if agreement.nqsw_id != current_user.id or rules.in_force(agreement) is None:
        abort(404)
    goals = _goals(agreement)
    form = view_form_for(goals, reviews.RATINGS, base=RatingsForm)
    if form.validate_on_submit():
        chosen = {goal.id: int(form[f"goal_{goal.id}"].data) for goal in goals}
        try:
            reviews.rate_at_start(current_user, agreement, chosen, clock.now())
            db.session.commit()
            flash("Your ratings are saved. You will rate yourself again at each review", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
        except rules.AgreementError as error:
            refused(error, form)
    status = 422 if form.errors else 200
    page = render_template("agreements/ratings.html", agreement=agreement, goals=goals, form=form)
    return page, status


@bp.post("/agreements/<int:agreement_id>/reviews/<int:months>/confirm")
@role_required(*PEOPLE_OF_AGREEMENTS)
def confirm_review(agreement_id: int, months: int):
    """The practice manager confirms a review."""
    agreement = agreement_for(agreement_id)
    at = _point(agreement, months)
    if at.review is None:
        abort(404)
    if ConfirmReviewForm().validate_on_submit():
        try:
            reviews.confirm(current_user, agreement, at.review, clock.now())
            db.session.commit()
            flash(f"The {months}-month review is confirmed", "success")
        except rules.AgreementError as error:
            refused(error)
    return redirect(url_for(".review", agreement_id=agreement.id, months=months))
