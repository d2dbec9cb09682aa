"""What every area's forms share: a confirm button, and a rule's refusal shown on a form."""

from flask import flash
from flask_wtf import FlaskForm

from nqsw_visits.core.extensions import db


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""


def refused(error, form=None) -> int:
    """Put a rule's refusal on the form's field (or flash it) and give its HTTP status."""
    db.session.rollback()
    field = getattr(form, error.field or "", None) if form is not None else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")
    return error.status
