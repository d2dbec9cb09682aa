"""The mentor writes an observation on a completed accompaniment, and shares it."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Role
from ..models_observations import Classification, Observation
from ..security import not_found_unless, role_required
from ..services import observations
from ..services.frameworks import standards_for_team
from ..visit_requests.access import request_for
from . import bp
from .access import refused
from .forms import NotesForm


def _form_for(existing: Observation | None, team_id: int | None) -> NotesForm:
    form = NotesForm(obj=existing) if existing else NotesForm()
    if existing and not form.is_submitted():
        form.standards.data = [s.id for s in existing.standards]
        form.for_case_record.data = "yes" if existing.for_case_record else "no"
    form.standards.choices = [(s.id, f"{s.code} {s.title}") for s in standards_for_team(team_id)]
    if not form.classification.data:
        form.classification.data = Classification.FORMATIVE.value
    return form


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
    existing = db.session.scalar(select(Observation).where(Observation.request_id == item.id))
    if existing is not None and existing.locked_at is not None:
        return redirect(url_for("observations.show", observation_id=existing.id))
    form, status = _form_for(existing, item.nqsw.team_id), 200
    if form.validate_on_submit():
        try:
            observation = observations.start(current_user, item)
            observations.save_notes(current_user, observation, _notes(form))
            if form.share.data:
                observations.share(current_user, observation)
            db.session.commit()
            flash(
                "Shared with " + item.nqsw.display_name if form.share.data else "Draft saved",
                "success",
            )
            return redirect(url_for("observations.show", observation_id=observation.id))
        except observations.ObservationError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template(
        "observations/write.html", item=item, form=form, observation=existing
    ), status
