"""Pages of a mentoring agreement: the list, start, read, confirm, change, end."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.agreements import activity, meetings, queries, reviews, rules, versions
from nqsw_visits.agreements.access import agreement_for, nqsw_to_start_for
from nqsw_visits.agreements.blueprint import bp
from nqsw_visits.agreements.forms import NO_STANDARD, ConfirmForm, EndForm, TermsForm
from nqsw_visits.agreements.models import MentoringAgreement, SupportLevel
from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.observations.standards import standards_for_team
from nqsw_visits.people.models import Role, User
from nqsw_visits.people.queries import manages

PEOPLE_OF_AGREEMENTS = (Role.NQSW, Role.MENTOR, Role.PRACTICE_MANAGER)
PER_PAGE = 20


@bp.get("/agreements")
@role_required(*PEOPLE_OF_AGREEMENTS)
def index():
    """The agreements you are in, and the NQSWs you support who have none yet."""
    found = paginate(queries.agreements_of(), PER_PAGE, params=queries.person(current_user))
    people = queries.load_people(queries.with_versions(found.items))
    waiting = []
    if current_user.has_role(Role.MENTOR, Role.PRACTICE_MANAGER):
        waiting = queries.without_agreement(current_user)
    return render_template(
        "agreements/index.html", found=found, waiting=waiting, rules=rules, people=people
    )


def _terms_form(nqsw: User, agreement: MentoringAgreement | None = None) -> TermsForm:
    latest = rules.latest(agreement) if agreement else None
    form = TermsForm() if latest is None else TermsForm(data=_prefill(agreement, latest))
    mentors, managers = queries.mentors_and_managers_for(nqsw)
    form.mentor.choices = [(m.id, m.display_name) for m in mentors]
    form.manager.choices = [(m.id, m.display_name) for m in managers]
    standards = standards_for_team(nqsw.team_id)
    choices = [(NO_STANDARD, "None")] + [(s.id, f"{s.code} {s.title}") for s in standards]
    form.standard_1.choices = form.standard_2.choices = choices
    if latest is not None:
        cases = [c for c in agreement.focus_cases if c.in_version(latest.number)]
        goals = [g for g in agreement.goals if g.in_version(latest.number)]
        form.kept_cases.choices = [(c.id, f"{c.case_reference}: {c.learning_aim}") for c in cases]
        form.kept_goals.choices = [(g.id, g.description) for g in goals]
    elif current_user.has_role(Role.MENTOR) and not form.is_submitted():
        form.mentor.data = current_user.id
    return form


def _prefill(agreement: MentoringAgreement, latest) -> dict:
    return {
        "mentor": latest.mentor_id,
        "manager": latest.manager_id,
        "starts_on": latest.starts_on,
        "every_weeks": str(latest.one_to_one_every_weeks),
        "nine_month_review": latest.nine_month_review,
        "kept_cases": [c.id for c in agreement.focus_cases if c.in_version(latest.number)],
        "kept_goals": [g.id for g in agreement.goals if g.in_version(latest.number)],
    }


def _person(person_id, choices, field: str, message: str) -> User:
    person = db.session.get(User, person_id) if person_id in dict(choices) else None
    if person is None:
        raise rules.AgreementError(message, field=field)
    return person


def _terms(form: TermsForm) -> rules.Terms:
    cases = [
        rules.NewFocusCase(
            getattr(form, f"case_{n}").data,
            getattr(form, f"aim_{n}").data or "",
            SupportLevel(getattr(form, f"level_{n}").data),
        )
        for n in form.new_case_numbers()
    ]
    goals = [
        rules.NewGoal(getattr(form, f"goal_{n}").data, getattr(form, f"standard_{n}").data or None)
        for n in (1, 2)
        if (getattr(form, f"goal_{n}").data or "").strip()
    ]
    return rules.Terms(
        mentor=_person(form.mentor.data, form.mentor.choices, "mentor", "Choose a mentor"),
        manager=_person(
            form.manager.data, form.manager.choices, "manager", "Choose a practice manager"
        ),
        starts_on=form.starts_on.data,
        every_weeks=int(form.every_weeks.data),
        nine_month_review=bool(form.nine_month_review.data),
        new_focus_cases=cases,
        kept_focus_case_ids=frozenset(form.kept_cases.data or ()),
        new_goals=goals,
        kept_goal_ids=frozenset(form.kept_goals.data or ()),
    )


@bp.route("/people/<int:nqsw_id>/agreement/new", methods=["GET", "POST"])
@role_required(Role.MENTOR, Role.PRACTICE_MANAGER)
def start(nqsw_id: int):
    """Record the start meeting: the three people, focus cases, goals and rhythm."""
    nqsw = nqsw_to_start_for(nqsw_id)
    form, status = _terms_form(nqsw), 200
    if form.validate_on_submit():
        try:
            agreement = rules.start(current_user, nqsw, _terms(form), clock.now())
            db.session.commit()
            flash("Agreement saved. Book the start meeting: all three are invited", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
        except rules.AgreementError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template("agreements/start.html", form=form, nqsw=nqsw), status


def _manager(agreement: MentoringAgreement) -> bool:
    """The viewer is a party to the agreement as neither its NQSW nor one of its mentors."""
    mentors = {version.mentor_id for version in agreement.versions}
    return current_user.id != agreement.nqsw_id and current_user.id not in mentors


def _page_context(agreement: MentoringAgreement, shown) -> dict:
    starts = shown.starts_on
    cases = [c for c in agreement.focus_cases if c.in_version(shown.number)]
    holidays = bank_holidays.between(starts, starts + timedelta(days=400))
    counts, history = activity.on_focus_cases(
        [c.id for c in cases], current_user.id, _manager(agreement)
    )
    return {
        "agreement": agreement,
        "shown": shown,
        "latest": rules.latest(agreement),
        "in_force": rules.in_force(agreement),
        "state": rules.state(agreement),
        "reviews": rules.review_points(starts, shown.nine_month_review, holidays),
        "review_states": reviews.points(agreement, holidays, clock.today()),
        "rated_at_start": any(r.point == 0 for c in agreement.goals for r in c.ratings),
        "cases": cases,
        "activity": counts,
        "history": history,
        "goals": [g for g in agreement.goals if g.in_version(shown.number)],
        "confirmed": {row.person_id: row.confirmed_at for row in shown.confirmations},
        "people": rules.parties(agreement, shown),
        "start_meeting": meetings.start_meeting(agreement.id),
        "now": clock.now(),
        "to_take_over": shown.manager_id != current_user.id
        and agreement.ended_on is None
        and manages(current_user, agreement.nqsw),
    }


@bp.get("/agreements/<int:agreement_id>")
@role_required(*PEOPLE_OF_AGREEMENTS)
def show(agreement_id: int):
    """The agreement as it stands, who has confirmed it, its reviews and its history."""
    agreement = agreement_for(agreement_id)
    context = _page_context(agreement, rules.latest(agreement))
    confirm_form = ConfirmForm(version=str(context["latest"].number))
    end_form = EndForm()
    return render_template(
        "agreements/show.html", confirm_form=confirm_form, end_form=end_form, **context
    )


@bp.get("/agreements/<int:agreement_id>/versions/<int:number>")
@role_required(*PEOPLE_OF_AGREEMENTS)
def version(agreement_id: int, number: int):
    """An earlier version, as it was agreed."""
    agreement = agreement_for(agreement_id)
    shown = next((v for v in agreement.versions if v.number == number), None)
    if shown is None:
        abort(404)
    return render_template("agreements/version.html", **_page_context(agreement, shown))


@bp.post("/agreements/<int:agreement_id>/confirm")
@role_required(*PEOPLE_OF_AGREEMENTS)
def confirm(agreement_id: int):
    """Confirm the version you have read."""
    agreement = agreement_for(agreement_id)
    form = ConfirmForm()
    number = int(form.version.data) if (form.version.data or "").isdigit() else 0
    if form.validate_on_submit():
        try:
            complete = versions.confirm(current_user, agreement, number, clock.now())
            db.session.commit()
            flash(
                "Confirmed by all three: the agreement is active"
                if complete
                else "Confirmed. The agreement is active once all three have confirmed it",
                "success",
            )
        except rules.AgreementError as error:
            refused(error)
    return redirect(url_for(".show", agreement_id=agreement.id))


@bp.route("/agreements/<int:agreement_id>/change", methods=["GET", "POST"])
@role_required(*PEOPLE_OF_AGREEMENTS)
def change(agreement_id: int):
    """Change the agreement: a new version that all three confirm."""
    agreement = agreement_for(agreement_id)
    if agreement.ended_on is not None:
        flash("This agreement has ended", "error")
        return redirect(url_for(".show", agreement_id=agreement.id))
    form, status = _terms_form(agreement.nqsw, agreement), 200
    form.submit.label.text = "Save the new version"
    if form.validate_on_submit():
        try:
            made = versions.change(
                current_user, agreement, _terms(form), form.what_changed.data or "", clock.now()
            )
            db.session.commit()
            flash(f"Version {made.number} saved. The others are asked to confirm it", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
        except rules.AgreementError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template("agreements/change.html", form=form, agreement=agreement), status


@bp.post("/agreements/<int:agreement_id>/take-over")
@role_required(Role.PRACTICE_MANAGER)
def take_over(agreement_id: int):
    """The NQSW's new practice manager takes the agreement over."""
    agreement = agreement_for(agreement_id)
    if ConfirmForm().validate_on_submit():
        try:
            made = versions.take_over(current_user, agreement, clock.now())
            db.session.commit()
            flash(
                f"You are named in version {made.number}. The others are asked to confirm it",
                "success",
            )
        except rules.AgreementError as error:
            refused(error)
    return redirect(url_for(".show", agreement_id=agreement.id))


@bp.post("/agreements/<int:agreement_id>/end")
@role_required(Role.MENTOR, Role.PRACTICE_MANAGER)
def end(agreement_id: int):
    """End the agreement on a day; it stays readable."""
    agreement = agreement_for(agreement_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            versions.end(current_user, agreement, form.ended_on.data, clock.now())
            db.session.commit()
            flash("The agreement has ended", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
        except rules.AgreementError as error:
            refused(error, form)
    context = _page_context(agreement, rules.latest(agreement))
    confirm_form = ConfirmForm(version=str(context["latest"].number))
    page = render_template(
        "agreements/show.html", confirm_form=confirm_form, end_form=form, form=form, **context
    )
    return page, 422
