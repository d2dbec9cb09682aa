"""Reading an observation, and the steps after it: reflection, actions, sign-off, addenda."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.database import kept_as_loaded
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm, refused
from nqsw_visits.core.htmx import hx_redirect, is_htmx, render_page_or_fragment
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.access import observation_for
from nqsw_visits.observations.blueprint import bp
from nqsw_visits.observations.forms import ActionForm, AddendumForm, ReflectionForm
from nqsw_visits.observations.models import AgreedAction


def _page(observation, level, status=200, *, section=None, message=None, **forms):
    """The observation page (or, for htmx, the one section that changed)."""
    forms = {
        "reflection_form": forms.get("reflection_form")
        or ReflectionForm(obj=observation, formdata=None),
        "action_form": forms.get("action_form") or ActionForm(formdata=None),
        "addendum_form": forms.get("addendum_form") or AddendumForm(formdata=None),
    }
    page = render_page_or_fragment(
        "observations/show.html",
        # A section's fragment drops the "-section" some anchors carry (#reflection-section).
        f"observations/_{section.removesuffix('-section')}.html"
        if section
        else "observations/show.html",
        status,
        observation=observation,
        level=level,
        confirm=ConfirmForm(),
        message=message,
        message_section=section,
        form=next((form for form in forms.values() if form.errors), None),  # error summary
        **forms,
    )
    if level == "full":
        _audit_read(observation)
    return page


def _audit_read(observation) -> None:
    """Audit the read once the page is rendered; if that fails the page is not sent."""
    with kept_as_loaded():
        observations.record_read(current_user, observation)
        db.session.commit()


def _done(observation, message: str, section: str):
    db.session.commit()
    if is_htmx():
        db.session.refresh(observation)
        return _page(observation, "full", section=section, message=message)
    flash(message, "success")
    return redirect(url_for("observations.show", observation_id=observation.id) + f"#{section}")


@bp.get("/observations/<int:observation_id>")
def show(observation_id: int):
    """The whole record for its parties; the summary for a manager or another mentor."""
    observation, level = observation_for(observation_id)
    return _page(observation, level)


@bp.post("/observations/<int:observation_id>/share")
def share(observation_id: int):
    """The mentor lets the NQSW read the observation."""
    observation, _ = observation_for(observation_id, full=True)
    try:
        observations.share(current_user, observation, clock.now())
    except observations.ObservationError as error:
        return _page(observation, "full", refused(error))
    return _done(observation, f"Shared with {observation.nqsw.display_name}", "sign-off")


@bp.post("/observations/<int:observation_id>/reflection")
def reflect(observation_id: int):
    """The NQSW saves their reflection."""
    observation, _ = observation_for(observation_id, full=True)
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            observations.reflect(
                current_user,
                observation,
                form.reflection.data,
                form.do_differently.data or "",
                clock.now(),
            )
            return _done(observation, "Reflection saved", "reflection-section")
        except observations.ObservationError as error:
            return _page(observation, "full", refused(error, form), reflection_form=form)
    return _page(observation, "full", 422, reflection_form=form)


@bp.post("/observations/<int:observation_id>/manager-sharing")
def manager_sharing(observation_id: int):
    """The NQSW shares the full text with their practice manager, or stops sharing it."""
    observation, _ = observation_for(observation_id, full=True)
    shared = request.form.get("shared") == "yes"
    if not ConfirmForm().validate_on_submit():
        return _page(observation, "full", 400)
    try:
        observations.share_with_manager(current_user, observation, shared)
    except observations.ObservationError as error:
        return _page(observation, "full", refused(error))
    if shared:
        return _done(observation, "Your practice manager can read the record", "sharing")
    return _done(observation, "Only you and your mentor can read the record", "sharing")


@bp.post("/observations/<int:observation_id>/sign")
def sign(observation_id: int):
    """The mentor or the NQSW signs; the record locks when both have."""
    observation, _ = observation_for(observation_id, full=True)
    if not ConfirmForm().validate_on_submit():
        return _page(observation, "full", 400)
    try:
        observations.sign(current_user, observation, clock.now())
    except observations.ObservationError as error:
        if is_htmx():  # the whole page shows the refusal, as an error
            refused(error)
            return hx_redirect(url_for("observations.show", observation_id=observation_id))
        return _page(observation, "full", refused(error))
    if observation.locked_at is not None:
        return _done(observation, "Signed: the record is now locked", "sign-off")
    return _done(observation, "Signed", "sign-off")


@bp.post("/observations/<int:observation_id>/actions")
def add_action(observation_id: int):
    """Add an agreed action."""
    observation, _ = observation_for(observation_id, full=True)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            observations.add_action(
                current_user,
                observation,
                form.what.data,
                form.owner.data,
                form.due_on.data,
                clock.now(),
            )
            return _done(observation, "Action added", "actions")
        except observations.ObservationError as error:
            status = refused(error, form)
    else:
        status = 422
    return _page(observation, "full", status, action_form=form, section="actions")


@bp.post("/observations/<int:observation_id>/actions/<int:action_id>/done")
def action_done(observation_id: int, action_id: int):
    """Mark an agreed action done, or not done."""
    observation, _ = observation_for(observation_id, full=True)
    action = db.session.get(AgreedAction, action_id)
    not_found_unless(
        action is not None and action.observation_id == observation.id, "agreed action", action_id
    )
    if not ConfirmForm().validate_on_submit():
        return _page(observation, "full", 400)
    done = request.form.get("done") == "yes"
    try:
        observations.set_action_done(current_user, action, done, clock.now())
    except observations.ObservationError as error:
        return _page(observation, "full", refused(error))
    return _done(observation, "Action marked as done" if done else "Action reopened", "actions")


@bp.post("/observations/<int:observation_id>/addenda")
def add_addendum(observation_id: int):
    """Add a dated addendum to a signed record."""
    observation, _ = observation_for(observation_id, full=True)
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            observations.add_addendum(current_user, observation, form.text.data)
            return _done(observation, "Addendum added", "addenda")
        except observations.ObservationError as error:
            status = refused(error, form)
    else:
        status = 422
    return _page(observation, "full", status, addendum_form=form, section="addenda")
