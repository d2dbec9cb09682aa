"""Forms for booking and cancelling an agreement's start meeting."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from nqsw_visits.availability.forms import ClockField, GovDateField
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.one_to_ones.forms import PLAIN_TEXT


class StartMeetingForm(FlaskForm):
    """The day of the start meeting, and when it starts and ends."""

    day = GovDateField(
        "Date of the start meeting",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the date of the start meeting")],
    )
    starts = ClockField(
        "Start time",
        widget=GovTextInput(),
        description="For example, 10:00",
        validators=[InputRequired("Enter a start time")],
    )
    ends = ClockField(
        "End time",
        widget=GovTextInput(),
        description="For example, 11:00",
        validators=[InputRequired("Enter an end time")],
    )
    submit = SubmitField("Book the start meeting", widget=GovSubmitInput())


class StartMeetingCancelForm(FlaskForm):
    """Why the start meeting is called off."""

    reason = StringField(
        "Why is it cancelled?",
        widget=GovTextInput(),
        validators=[
            InputRequired("Say why the meeting is cancelled"),
            Length(max=300),
            *PLAIN_TEXT,
        ],
    )
    submit = SubmitField("Cancel the start meeting", widget=GovSubmitInput())
