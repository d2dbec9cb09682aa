"""Reviews at 3, 6, (9) and 12 months: the mentor writes one, the NQSW adds their view and
rates themselves on each goal, and the practice manager confirms it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from nqsw_visits.agreements.models import (
    AgreementReview,
    GoalRating,
    MentoringAgreement,
    ReviewProgress,
)
from nqsw_visits.agreements.rules import (
    AgreementError,
    ReviewPoint,
    in_force,
    review_points,
    save_or_conflict,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications import notify
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.people.queries import managers_of, manages

WRITE_FROM = timedelta(days=14)  # a review can be written from two weeks before it is due
RATINGS = [
    (1, "Not started"),
    (2, "Starting out"),
    (3, "Getting there"),
    (4, "Confident"),
    (5, "Confident enough to help others"),
]


@dataclass(frozen=True)
class PointState:
    """A review point, its review if written, and where it stands today."""

    point: ReviewPoint
    review: AgreementReview | None
    state: str
    since: date | None = None  # the previous review point's day, or the agreement's start


def _state(point: ReviewPoint, review: AgreementReview | None, today: date) -> str:
    if review is not None:
        if review.confirmed_at:
            return "confirmed"
        return "waiting for the manager" if review.nqsw_added_at else "waiting for the NQSW"
    if today > point.due_on:
        return "overdue"
    return "due" if today >= point.due_on - WRITE_FROM else "upcoming"


def points(agreement: MentoringAgreement, holidays: frozenset[date], today: date):
    """Each review point of the version in force, with its state (none before confirmation)."""
    version = in_force(agreement)
    if version is None:
        return []
    written = {review.months: review for review in agreement.reviews}
    found, since = [], agreement.versions[0].starts_on
    for point in review_points(version.starts_on, version.nine_month_review, holidays):
        review = written.get(point.months)
        found.append(PointState(point, review, _state(point, review, today), since))
        since = point.due_on
    return found


def point_of(agreement, months: int, holidays: frozenset[date], today: date) -> PointState:
    """The state of one review point, or an error when the agreement has no such point."""
    for state in points(agreement, holidays, today):
        if state.point.months == months:
            return state
    raise AgreementError("This agreement has no review at that point", status=404)


def write(
    actor: User, agreement, at: PointState, progress: str, what_next: str, today, now, lines=None
):
    """The mentor writes (or corrects, until it is confirmed) the review, with a line on each
    goal or focus case keyed ("goal" or "case", id), blank lines left out. The caller commits."""
    version = in_force(agreement)
    if agreement.ended_on is not None or actor.id != version.mentor_id:
        raise AgreementError("Only the mentor of the agreement in force writes its reviews", 403)
    if today < at.point.due_on - WRITE_FROM:
        opens = at.point.due_on - WRITE_FROM
        raise AgreementError(
            f"You can write this review from {opens.day} {opens:%B %Y}", field="progress"
        )
    review = at.review
    if review is not None and review.confirmed_at is not None:
        raise AgreementError("This review is confirmed and can no longer change", status=409)
    if review is None:
        review = AgreementReview(months=at.point.months, written_by_id=actor.id, written_at=now)
        agreement.reviews.append(review)
    review.progress, review.what_next = progress.strip(), what_next.strip()
    review.written_by_id, review.written_at = actor.id, now
    with db.session.no_autoflush:  # a clash on the review itself is told by save_or_conflict
        set_lines(agreement, review, lines or {})
    save_or_conflict("This review has just been saved by someone else: read it first")
    audit.record("agreement.review_written", actor=actor, obj=agreement, months=review.months)
    notify.notify(
        agreement.nqsw,
        f"{actor.display_name} wrote your {review.months}-month review: add your view",
        link=f"/agreements/{agreement.id}/reviews/{review.months}",
    )
    return review


def set_lines(agreement, review: AgreementReview, lines: dict[tuple[str, int], str]) -> None:
    """Keep one line per goal or focus case of the version in force; blank ones go."""
    number = in_force(agreement).number
    parts = [("goal", g.id) for g in agreement.goals if g.in_version(number)]
    parts += [("case", c.id) for c in agreement.focus_cases if c.in_version(number)]
    if set(lines) - set(parts):
        raise AgreementError("That goal or focus case is not in this agreement", status=400)
    kept = {_key(line): line for line in review.lines}
    for key in parts:
        text = lines.get(key, "").strip()
        line = kept.get(key)
        if not text:
            if line is not None:
                review.lines.remove(line)
        elif line is None:
            goal, case = (key[1], None) if key[0] == "goal" else (None, key[1])
            review.lines.append(ReviewProgress(goal_id=goal, focus_case_id=case, text=text))
        else:
            line.text = text


def _key(line: ReviewProgress) -> tuple[str, int]:
    return ("goal", line.goal_id) if line.goal_id else ("case", line.focus_case_id)


def add_view(actor: User, agreement, review: AgreementReview, view: str, ratings, now) -> None:
    """The NQSW adds their view and rates themselves on each goal. The caller commits."""
    if actor.id != agreement.nqsw_id:
        raise AgreementError("Only the NQSW adds their view", status=403)
    if review.confirmed_at is not None:
        raise AgreementError("This review is confirmed and can no longer change", status=409)
    review.nqsw_view, review.nqsw_added_at = view.strip(), now
    rate(actor, agreement, review.months, ratings, now)
    audit.record("agreement.review_viewed", actor=actor, obj=agreement, months=review.months)
    for manager in managers_of(agreement.nqsw):
        notify.notify(
            manager,
            f"{actor.display_name} added their view to a review: it is ready for you to confirm",
            link=f"/agreements/{agreement.id}/reviews/{review.months}",
        )


def rate(actor: User, agreement, point: int, ratings: dict[int, int], now: datetime) -> None:
    """Record the NQSW's rating of themselves on goals, at the start (0) or a review point."""
    if actor.id != agreement.nqsw_id:
        raise AgreementError("Only the NQSW rates themselves", status=403)
    for goal in agreement.goals:
        if goal.id not in ratings:
            continue
        if not 1 <= ratings[goal.id] <= 5:
            raise AgreementError("Choose a rating from 1 to 5", field=f"goal_{goal.id}")
        found = next((r for r in goal.ratings if r.point == point), None)
        if found is None:
            goal.ratings.append(GoalRating(point=point, rating=ratings[goal.id], rated_at=now))
        else:
            found.rating, found.rated_at = ratings[goal.id], now
    save_or_conflict("Your ratings have just been saved: read them first")


def rate_at_start(actor: User, agreement, ratings: dict[int, int], now: datetime) -> None:
    """The NQSW rates themselves on each goal at the start. The caller commits."""
    if in_force(agreement) is None or agreement.ended_on is not None:
        raise AgreementError("Rate yourself once all three have confirmed the agreement", 409)
    rate(actor, agreement, 0, ratings, now)
    audit.record("agreement.rated_at_start", actor=actor, obj=agreement)


def confirm(actor: User, agreement, review: AgreementReview, now: datetime) -> None:
    """The practice manager confirms the review once the NQSW has added their view."""
    # The NQSW's practice manager now, not one they had when the version was agreed.
    if not manages(actor, agreement.nqsw):
        raise AgreementError("Only the NQSW's practice manager confirms a review", status=403)
    if review.nqsw_added_at is None:
        raise AgreementError("The NQSW has not added their view yet", status=409)
    if review.confirmed_at is not None:
        raise AgreementError("This review is already confirmed", status=409)
    review.confirmed_by_id, review.confirmed_at = actor.id, now
    audit.record("agreement.review_confirmed", actor=actor, obj=agreement, months=review.months)
