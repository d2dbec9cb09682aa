"""Forms for asking for support and answering a request."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..availability.forms import ClockField, GovDateField
from ..models_requests import MeetingType, RequestKind
from ..services.privacy import privacy_problems

VENUES = [
    ("family_home", "Family home"),
    ("school", "School or nursery"),
    ("court", "Court"),
    ("office", "Council office"),
    ("health", "Health setting"),
    ("other", "Somewhere else"),
]


# PostgreSQL refuses NUL in text, and no note needs other control characters either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_identifying_detail(form, field):
    """Refuse text that looks like a name, postcode or date of birth, saying which."""
    if _CONTROL.search(field.data or ""):
        raise ValidationError("Remove the control characters from this text")
    found = privacy_problems(field.data or "")
    if found:
        raise ValidationError(
            f"This looks like it contains {' and '.join(found)}. Remove it: "
            "use the case reference, and keep personal details in the case system"
        )


class AskForm(FlaskForm):
    """What an NQSW asks a mentor for."""

    mentor = RadioField(
        "Who do you want to ask?",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired("Select a mentor")],
    )
    kind = RadioField(
        "What is it for?",
        widget=GovRadioInput(),
        choices=[(kind.value, kind.label) for kind in RequestKind],
        validators=[InputRequired("Select what you want support with")],
    )
    meeting_type = SelectField(
        "Kind of meeting",
        widget=GovSelect(),
        choices=[("", "Not a meeting")] + [(m.value, m.label) for m in MeetingType],
        # No Optional(): it would stop the chain before validate_meeting_type runs. The
        # default keeps a form posted without the field valid for other kinds.
        default="",
    )
    day = GovDateField(
        "Date",
        widget=GovDateInput(),
        description="For example, 2 3 2027",
        validators=[InputRequired("Enter the date, including day, month and year")],
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
        description="For example, 11:30",
        validators=[InputRequired("Enter an end time")],
    )
    case_reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        description="The ID from the case system. Never a name. Not needed for a case discussion.",
        validators=[Length(max=20, message="The case reference must be 20 characters or fewer")],
    )
    focus_case = BooleanField("This is one of my focus cases", widget=GovCheckboxInput())
    venue_type = SelectField("Where", widget=GovSelect(), choices=VENUES)
    area = StringField(
        "Area (optional)",
        widget=GovTextInput(),
        description="A district or patch, never an address",
        validators=[Length(max=80), no_identifying_detail],
    )
    purpose = TextAreaField(
        "What is the visit or meeting for?",
        widget=GovTextArea(),
        validators=[InputRequired("Say what it is for"), Length(max=1000), no_identifying_detail],
    )
    feedback_on = StringField(
        "Something you want feedback on (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300), no_identifying_detail],
    )
    feedback_on_second = StringField(
        "Something else you want feedback on (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300), no_identifying_detail],
    )
    consent = RadioField(
        "Has the family agreed to a second worker coming?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No, not yet"), ("not_applicable", "Not applicable")],
        validators=[InputRequired("Select whether the family has agreed")],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    def validate_meeting_type(self, field):
        if self.kind.data == RequestKind.MEETING and not field.data:
            raise ValidationError("Select the kind of meeting")

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end time must be after the start time")


class ReasonForm(FlaskForm):
    """A reason, for declining or cancelling."""

    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        validators=[InputRequired("Enter a reason"), Length(max=500), no_identifying_detail],
    )
    submit = SubmitField("Send", widget=GovSubmitInput())


class ProposeForm(FlaskForm):
    """Another time the mentor can do."""

    day = GovDateField(
        "Date",
        widget=GovDateInput(),
        description="For example, 2 3 2027",
        validators=[InputRequired("Enter the date, including day, month and year")],
    )
    starts = ClockField(
        "Start time",
        widget=GovTextInput(),
        description="For example, 14:00",
        validators=[InputRequired("Enter a start time")],
    )
    ends = ClockField(
        "End time",
        widget=GovTextInput(),
        description="For example, 15:00",
        validators=[InputRequired("Enter an end time")],
    )
    reason = TextAreaField(
        "Message (optional)",
        widget=GovTextArea(),
        validators=[Length(max=500), no_identifying_detail],
    )
    submit = SubmitField("Offer this time", widget=GovSubmitInput())

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end time must be after the start time")


class HandOverForm(FlaskForm):
    """The mentor to pass a request to."""

    mentor = RadioField(
        "Who should have this request?",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired("Select a mentor")],
    )
    submit = SubmitField("Pass it on", widget=GovSubmitInput())
