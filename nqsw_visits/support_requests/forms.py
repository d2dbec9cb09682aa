"""Forms for asking for support and answering a request."""

import re

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from nqsw_visits.availability.forms import ClockField, GovDateField
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.core.privacy import privacy_problems
from nqsw_visits.support_requests.models import MeetingType, RequestKind

NOT_A_FOCUS_CASE = "no"
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


def case_reference_example() -> str:
    """The council's example of a case reference (CASE_REFERENCE_EXAMPLE)."""
    return current_app.config["CASE_REFERENCE_EXAMPLE"]


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
        description=ExampleDate(),
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
    case_reference = StringField("Case reference", widget=GovTextInput())
    # Choices come from the NQSW's mentoring agreement (see focus_cases.py); none, no question.
    focus_case = RadioField(
        "Is this about one of your focus cases?",
        widget=GovRadioInput(),
        choices=[(NOT_A_FOCUS_CASE, "No")],
        default=NOT_A_FOCUS_CASE,
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_references: dict[str, str] = {}  # choice value -> its case reference
        self.case_reference.description = (
            f"The ID from the case system, for example {case_reference_example()}. "
            "Never a name. Not needed for a case discussion."
        )

    def validate_meeting_type(self, field):
        if self.kind.data == RequestKind.MEETING and not field.data:
            raise ValidationError("Select the kind of meeting")

    def set_focus_cases(self, cases) -> None:
        """Offer the NQSW's focus cases (FocusChoice) as the answers to the focus question."""
        self.focus_references = {str(case.id): case.case_reference for case in cases}
        self.focus_case.choices = [
            (str(case.id), f"Yes, {case.case_reference}: {case.learning_aim}".rstrip(": "))
            for case in cases
        ] + [(NOT_A_FOCUS_CASE, "No")]

    def validate_case_reference(self, field):
        field.data = (field.data or "").strip()
        chosen = self.focus_references.get(self.focus_case.data)
        if chosen and not field.data:
            field.data = chosen  # the focus case names the case
        example = case_reference_example()
        if not field.data:
            if self.kind.data != RequestKind.CASE_DISCUSSION:
                raise ValidationError(
                    f"Enter the case reference from the case system, for example {example}"
                )
            return
        pattern = current_app.config["CASE_REFERENCE_PATTERN"]
        # The length and control-character checks hold whatever pattern a council sets.
        matches = re.fullmatch(pattern, field.data, re.IGNORECASE)
        if not matches or len(field.data) > 40 or _CONTROL.search(field.data):
            raise ValidationError(f"Enter a case reference in the same format as {example}")

    def validate_focus_case(self, field):
        chosen = self.focus_references.get(field.data)
        typed = (self.case_reference.data or "").strip().upper()
        if chosen and typed and typed != chosen.upper():
            raise ValidationError(
                f"That focus case is {chosen}: change the case reference, or answer No"
            )

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
        description=ExampleDate(),
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

    def validate_focus_case(self, field):
        chosen = self.focus_references.get(field.data)
        typed = (self.case_reference.data or "").strip().upper()
        if chosen and typed and typed != chosen.upper():
            raise ValidationError(
                f"That focus case is {chosen}: change the case reference, or answer No"
            )

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
