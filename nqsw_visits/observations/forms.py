"""Forms for writing, reflecting on and signing an observation."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from nqsw_visits.availability.forms import GovDateField
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.observations.models import CLASSIFICATION_LABELS
from nqsw_visits.support_requests.forms import no_identifying_detail

NO_DETAIL = "Facts about the practice only: no names, addresses or dates of birth."


def _text(label: str, hint: str = NO_DETAIL, required: str | None = None) -> TextAreaField:
    first = InputRequired(required) if required else Optional()
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=hint,
        validators=[first, Length(max=5000), no_identifying_detail],
    )


class NotesForm(FlaskForm):
    """The mentor's observation."""

    classification = RadioField(
        "What kind of observation is this?",
        widget=GovRadioInput(),
        choices=[(c.value, label) for c, label in CLASSIFICATION_LABELS.items()],
        validators=[InputRequired("Choose what kind of observation this is")],
    )
    observed = _text("What you observed", f"What happened and what the NQSW did. {NO_DETAIL}")
    strengths = _text("Strengths")
    to_develop = _text("Areas to develop")
    look_out_for = _text("What to look out for next time")
    standards = SelectMultipleField(
        "Professional standards you saw", widget=GovCheckboxesInput(), coerce=int
    )
    for_case_record = RadioField(
        "Is there anything that must go on the case record?",
        widget=GovRadioInput(),
        description="If yes, the NQSW will be asked to record it in the case system, not here.",
        choices=[("yes", "Yes"), ("no", "No")],
        default="no",
        validators=[InputRequired("Say whether anything must go on the case record")],
    )
    save = SubmitField("Save as draft", widget=GovSubmitInput())
    share = SubmitField("Save and share with the NQSW", widget=GovSubmitInput())


class ReflectionForm(FlaskForm):
    """The NQSW's reflection."""

    reflection = _text("Your reflection on the feedback", required="Write your reflection")
    do_differently = _text("What you will do differently")
    submit = SubmitField("Save your reflection", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An agreed action."""

    what = TextAreaField(
        "What was agreed",
        widget=GovTextArea(),
        description=NO_DETAIL,
        validators=[InputRequired("Enter what was agreed"), Length(max=500), no_identifying_detail],
    )
    owner = RadioField(
        "Who will do it",
        widget=GovRadioInput(),
        choices=[("nqsw", "The NQSW"), ("mentor", "The mentor"), ("both", "Both")],
        validators=[InputRequired("Choose who will do it")],
    )
    due_on = GovDateField(
        "By when",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the date, including day, month and year")],
    )
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class AddendumForm(FlaskForm):
    """A dated note on a signed record."""

    text = _text(
        "Addendum",
        "Dated and added below the signed record. " + NO_DETAIL,
        required="Write the addendum",
    )
    submit = SubmitField("Add the addendum", widget=GovSubmitInput())
