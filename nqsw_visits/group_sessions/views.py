"""Pages of group sessions: a person's list, each session, replying and feedback."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm, refused
from nqsw_visits.core.htmx import is_htmx, render_page_or_fragment
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.group_sessions import audience, queries, rules
from nqsw_visits.group_sessions.access import session_for
from nqsw_visits.group_sessions.blueprint import bp
from nqsw_visits.group_sessions.diary import may_manage
from nqsw_visits.group_sessions.forms import InviteForm
from nqsw_visits.group_sessions.models import CHOSEN, REPLY_LABELS, Reply
from nqsw_visits.group_sessions.run_forms import FeedbackForm, GuestForm, ReplyForm
from nqsw_visits.people.models import Role

EVERYONE = (Role.NQSW, Role.MENTOR, Role.PRACTICE_MANAGER, Role.ADMIN)
ORGANISERS = (Role.MENTOR, Role.ADMIN)


@bp.context_processor
def _labels() -> dict:
    return {"labels": REPLY_LABELS}


def done(session, message: str, anchor: str = ""):
    """Commit, say what happened, and go back to the session (post/redirect/get)."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("group_sessions.show", session_id=session.id) + anchor, 303)


def _refused_on(error, form, name: str) -> int:
    """A rule's refusal on its own field, or on the one named: shown beside the form."""
    db.session.rollback()
    field = getattr(form, error.field or "", None) or getattr(form, name)
    field.errors = [*field.errors, str(error)]
    return error.status


def _said(stored: Reply) -> str:
    if stored == Reply.WAITING:
        return (
            "You are on the waiting list: the session is full. If a place comes free you "
            "move up in turn, and you are told."
        )
    return f"Reply saved: {stored.label}"


def _reply_form(invite) -> ReplyForm:
    answer = Reply(invite.reply) if invite else Reply.NONE
    answer = Reply.GOING if answer == Reply.WAITING else answer
    return ReplyForm(formdata=None, answer=answer.value if answer in CHOSEN else None)


def invite_form(session, blank: bool = False) -> InviteForm:
    """The form that invites more people, with its teams and cohorts to choose from."""
    form = InviteForm(formdata=None) if blank else InviteForm()
    form.set_choices(None, queries.teams(), audience.cohort_months())
    if session.series_id is None:
        del form.scope
    return form


def show_page(session, status: int = 200, fragment: str | None = None, message=None, **forms):
    """The session page (or, for htmx, the fragment named) with any forms given."""
    now, user = clock.now(), current_user
    invite = queries.invite_of(session.id, user.id)
    running = may_manage(user, session)
    forms = {
        "reply_form": forms.get("reply_form") or _reply_form(invite),
        "guest_form": forms.get("guest_form") or GuestForm(formdata=None),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(formdata=None),
        "invite_form": forms.get("invite_form")
        or (invite_form(session, blank=True) if running and session.may_change(now) else None),
    }
    attended = invite is not None and invite.attended is True
    context = {
        "session": session,
        "now": now,
        "invite": invite,
        "running": running,
        "clashes": rules.clashes_for(user.id, session) if invite and session.may_reply(now) else [],
        "may_give_feedback": attended and not queries.gave_feedback(session.id, user.id),
        "lists": queries.by_reply(queries.invitees(session.id)) if running else None,
        "feedback": queries.feedback_of(session.id) if running else None,
        "confirm": ConfirmForm(),
        "message": message,
        "in_place": fragment is not None and is_htmx(),
        "form": next((form for form in forms.values() if form and form.errors), None),
        **forms,
    }
    if fragment is None:
        return render_template("group_sessions/show.html", **context), status
    return render_page_or_fragment("group_sessions/show.html", fragment, status, **context)


@bp.get("")
@role_required(*EVERYONE)
def index():
    """The sessions I organise or am invited to: those to come, then those past."""
    found = paginate(queries.listed_for(current_user, clock.now()), queries.PER_PAGE)
    ids = [session.id for session in found.items]
    return render_template(
        "group_sessions/index.html",
        found=found,
        replies=queries.replies_of(current_user.id, ids),
        counts=queries.reply_counts(ids),
        may_create=current_user.has_role(*ORGANISERS),
        now=clock.now(),
    )


@bp.get("/<int:session_id>")
@role_required(*EVERYONE)
def show(session_id: int):
    """A session: when and where, the guests, my reply, the organiser's lists, the record."""
    return show_page(session_for(session_id))


@bp.post("/<int:session_id>/reply")
@role_required(*EVERYONE)
def reply(session_id: int):
    """Going, maybe or not going; htmx swaps the reply panel, otherwise back to the page."""
    session = session_for(session_id)
    form, status, message = ReplyForm(), 422, None
    if form.validate_on_submit():
        try:
            stored = rules.reply(current_user, session, Reply(form.answer.data), clock.now())
            db.session.commit()
            message, status = _said(Reply(stored)), 200
            if not is_htmx():
                return done(session, message, "#reply")
        except rules.GroupSessionError as error:
            status = _refused_on(error, form, "answer")
    return show_page(session, status, "group_sessions/_reply.html", message, reply_form=form)


@bp.post("/<int:session_id>/feedback")
@role_required(*EVERYONE)
def feedback(session_id: int):
    """An attendee's rating and one line, which the organiser sees without their name."""
    session = session_for(session_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            comment = (form.comment.data or "").strip()
            rules.give_feedback(current_user, session, int(form.rating.data), comment, clock.now())
            return done(session, "Thank you: the organiser sees it without your name", "#record")
        except rules.GroupSessionError as error:
            return show_page(session, refused(error, form), feedback_form=form)
    return show_page(session, 422, feedback_form=form)
