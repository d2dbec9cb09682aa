"""The mentor writes an observation on a completed accompaniment, and shares it."""

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.htmx import hx_redirect, is_htmx, render_page_or_fragment
from nqsw_visits.core.security import not_found_unless, role_required
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.blueprint import bp
from nqsw_visits.observations.forms import NotesForm
from nqsw_visits.observations.models import (
    Classification,
    Observation,
    ObservationStandard,
    Standard,
)
from nqsw_visits.observations.standards import standards_for_team
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests.access import request_for

# The same words the rules use when the NQSW changes a locked record.
LOCKED = "This observation is signed and locked. Add an addendum instead."


def _draft_of(request_id: int) -> Observation | None:
    """The observation written so far, if any, with the standards it ticks, in one statement."""
    # Joined one after the other, not nested as a loader option joins them: SQLite would
    # build the whole nested join first.
    rows = db.session.execute(
        select(Observation, Standard)
        .outerjoin(ObservationStandard, ObservationStandard.observation_id == Observation.id)
        .outerjoin(Standard, Standard.id == ObservationStandard.standard_id)
        .where(Observation.request_id == request_id)
        .order_by(Standard.position)
    ).all()
    if not rows:
        return None
    set_committed_value(rows[0][0], "standards", [row[1] for row in rows if row[1] is not None])
    return rows[0][0]


def _form_for(existing: Observation | None, team_id: int | None) -> NotesForm:
    form = NotesForm(obj=existing) if existing else NotesForm()
    if existing and not form.is_submitted():
        form.standards.data = [s.id for s in existing.standards]
        form.for_case_record.data = "yes" if existing.for_case_record else "no"
    form.standards.choices = [(s.id, f"{s.code} {s.title}") for s in standards_for_team(team_id)]
    if not form.classification.data:
        form.classification.data = Classification.FORMATIVE.value
    return form


def _page(item, form: NotesForm, existing: Observation | None, status: int, refusal=None):
    """The write page, or for htmx only its form (or the refusal) in place."""
    return render_page_or_fragment(
        "observations/write.html",
        "observations/_write_form.html",
        status,
        item=item,
        form=form,
        observation=existing,
        refusal=refusal,
        in_place=is_htmx(),
    )


def _notes(form: NotesForm) -> observations.Notes:
    return observations.Notes(
        classification=Classification(form.classification.data),
        observed=form.observed.data or "",
        strengths=form.strengths.data or "",
        to_develop=form.to_develop.data or "",
        look_out_for=form.look_out_for.data or "",
        for_case_record=form.for_case_record.data == "yes",
        standard_ids=tuple(form.standards.data or ()),
    )


@bp.route("/requests/<int:request_id>/observation", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def write(request_id: int):
    """Write (or go on with) the observation of a completed accompaniment."""
    item = request_for(request_id)
    not_found_unless(item.mentor_id == current_user.id, "observation of request", request_id)
    existing = _draft_of(item.id)
    form, status = _form_for(existing, item.nqsw.team_id), 200
    if existing is not None and existing.locked_at is not None:
        return _page(item, form, existing, 409, refusal=LOCKED)
    if form.validate_on_submit():
        try:
            observation = observations.start(current_user, item)
            observations.save_notes(current_user, observation, _notes(form), clock.now())
            if form.share.data:
                observations.share(current_user, observation, clock.now())
            db.session.commit()
            flash(
                "Shared with " + item.nqsw.display_name if form.share.data else "Draft saved",
                "success",
            )
            shown = url_for("observations.show", observation_id=observation.id)
            return hx_redirect(shown) if is_htmx() else redirect(shown)
        except observations.ObservationError as error:
            if error.status == 409:  # locked while the form was open: refused as above
                db.session.rollback()
                return _page(item, form, existing, 409, refusal=str(error))
            status = refused(error, form)
    elif form.errors:
        status = 422
    return _page(item, form, existing, status)
