"""Forms for booking one-to-ones, writing the record, actions, cancelling and sharing."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from nqsw_visits.agreements.forms import RHYTHMS
from nqsw_visits.availability.forms import ClockField, GovDateField
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.one_to_ones.rules import LENGTHS, MAX_SESSIONS
from nqsw_visits.support_requests.forms import no_identifying_detail

PLAIN_TEXT = [no_identifying_detail]


class BookForm(FlaskForm):
    """A series of one-to-ones: the first date and time, length, rhythm and how many."""

    first_day = GovDateField(
        "Date of the first one-to-one",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the date of the first one-to-one")],
    )
    starts = ClockField(
        "Start time",
        widget=GovTextInput(),
        description="For example, 10:00",
        validators=[InputRequired("Enter a start time")],
    )
    minutes = RadioField(
        "How long is each one-to-one?",
        widget=GovRadioInput(),
        choices=[(str(m), f"{m} minutes") for m in LENGTHS],
        default="60",
        validators=[InputRequired("Choose how long each one-to-one lasts")],
    )
    every_weeks = RadioField(
        "How often?",
        widget=GovRadioInput(),
        choices=RHYTHMS,
        validators=[InputRequired("Choose how often you meet")],
    )
    count = SelectField(
        "How many to book",
        widget=GovSelect(),
        choices=[(str(n), str(n)) for n in range(1, MAX_SESSIONS + 1)],
        default="6",
        validators=[InputRequired("Choose how many to book")],
    )
    submit = SubmitField("Book one-to-ones", widget=GovSubmitInput())


class RecordForm(FlaskForm):
    """What the mentor and the NQSW talked about."""

    talked_about = TextAreaField(
        "What we talked about",
        widget=GovTextArea(),
        description="Only the two of you can read this. Use case references, never names.",
        validators=[
            InputRequired("Enter what you talked about"),
            Length(max=4000),
            *PLAIN_TEXT,
        ],
    )
    submit = SubmitField("Save the record", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An action agreed at the session: what, who, by when."""

    description = StringField(
        "Action",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the action"), Length(max=300), *PLAIN_TEXT],
    )
    owner = RadioField(
        "Who will do it?",
        widget=GovRadioInput(),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choose who will do it")],
    )
    due_on = GovDateField(
        "By when (optional)",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[Optional()],
    )
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    """Why the session is called off."""

    reason = StringField(
        "Why is it cancelled?",
        widget=GovTextInput(),
        validators=[
            InputRequired("Say why the one-to-one is cancelled"),
            Length(max=300),
            *PLAIN_TEXT,
        ],
    )
    submit = SubmitField("Cancel the one-to-one", widget=GovSubmitInput())


class MissedForm(FlaskForm):
    """That the session did not happen, and why if known."""

    reason = StringField(
        "What happened? (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300), *PLAIN_TEXT],
    )
    submit = SubmitField("Mark as missed", widget=GovSubmitInput())


class ShareForm(FlaskForm):
    """The NQSW lets a later mentor read the record, or stops it."""

    shared = HiddenField()


class DoneForm(FlaskForm):
    """Mark an action done (the token only)."""
