"""Forms for keeping availability current."""

import re
from datetime import date, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from nqsw_visits.availability.models import ExceptionKind
from nqsw_visits.core.dates import ExampleDate, in_range, out_of_range_message

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


def parse_clock(text: str) -> time:
    """A time of day from '9', '9:30', '09.30', '0930', '2pm' or '2:30pm'."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        raise ValueError(text)
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half and not 1 <= hour <= 12:
        raise ValueError(text)
    if half == "pm" and hour != 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    return time(hour, minute)


class ClockField(StringField):
    """A time of day typed as text, kept as typed when it cannot be read."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if self.raw:
            try:
                self.data = parse_clock(self.raw)
            except ValueError:
                self.data = None

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        return self.data.strftime("%H:%M") if self.data else ""

    def pre_validate(self, form):
        if getattr(self, "raw", "") and self.data is None:
            raise ValidationError(f"Enter {self.label.text.lower()} as a time, like 9:30 or 14:00")


class GovDateField(DateField):
    """A date typed in three boxes (day, month, year) that post under one name."""

    def process_formdata(self, valuelist):
        self.raw_data = [str(v).strip() for v in [*valuelist, "", "", ""][:3]]
        self.data = None
        if not any(self.raw_data):
            return
        day, month, year = self.raw_data
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a twenty-digit year overflows
            name = self.label.text.removesuffix(" (optional)")
            raise ValueError(f"{name} must be a real date") from None
        if not in_range(self.data):
            self.data = None
            raise ValueError(out_of_range_message())


class WholeNumberField(IntegerField):
    """A whole number, with an error that says which number is wrong."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a whole number, like 2") from None


class WindowForm(FlaskForm):
    """One stretch of a weekday when the mentor can go out."""

    HINT = "For example, 9:00 to 12:30, or 13:30 to 17:00"

    weekday = SelectField("Day", widget=GovSelect(), coerce=int, choices=list(enumerate(WEEKDAYS)))
    # One hint for both times sits on the fieldset, so the fields line up in a row.
    starts = ClockField(
        "Start time", widget=GovTextInput(), validators=[InputRequired("Enter a start time")]
    )
    ends = ClockField(
        "End time", widget=GovTextInput(), validators=[InputRequired("Enter an end time")]
    )
    submit = SubmitField("Add time", widget=GovSubmitInput())

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end time must be after the start time, on the same day")


class ExceptionForm(FlaskForm):
    """Leave, training or other time away, for whole days or part of a day."""

    kind = RadioField(
        "Why are you not available?",
        widget=GovRadioInput(),
        choices=[(kind.value, kind.label) for kind in ExceptionKind],
        validators=[InputRequired("Select why you are not available")],
    )
    first_day = GovDateField(
        "First day",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the first day, including a day, month and year")],
    )
    last_day = GovDateField(
        "Last day (optional)",
        widget=GovDateInput(),
        description="Leave empty for a single day",
        validators=[Optional()],
    )
    starts = ClockField(
        "From (optional)",
        widget=GovTextInput(),
        description="For part of a day, the time you become unavailable",
        validators=[Optional()],
    )
    ends = ClockField(
        "Until (optional)",
        widget=GovTextInput(),
        description="For part of a day, the time you are back",
        validators=[Optional()],
    )
    note = StringField(
        "Note (optional)",
        widget=GovTextInput(),
        description="Only you and administrators see this. Do not include personal details.",
        validators=[Length(max=200, message="The note must be 200 characters or fewer")],
    )
    submit = SubmitField("Add", widget=GovSubmitInput())

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("The last day must be the same as or after the first day")


class LimitsForm(FlaskForm):
    """Caps on accompaniments, travel time and minimum notice."""

    max_per_day = WholeNumberField(
        "Most accompaniments in a day",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the most accompaniments in a day, as a number"),
            NumberRange(0, 10, "Enter a number from 0 to 10"),
        ],
    )
    max_per_week = WholeNumberField(
        "Most accompaniments in a week",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the most accompaniments in a week, as a number"),
            NumberRange(0, 50, "Enter a number from 0 to 50"),
        ],
    )
    travel_minutes = WholeNumberField(
        "Travel time before and after home visits and court, in minutes",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the travel time in minutes"),
            NumberRange(0, 240, "Enter a number of minutes from 0 to 240"),
        ],
    )
    notice_working_days = WholeNumberField(
        "Minimum notice, in working days",
        widget=GovTextInput(),
        description="Requests with less notice are still allowed, and marked urgent",
        validators=[
            InputRequired("Enter the minimum notice in working days"),
            NumberRange(0, 20, "Enter a number of working days from 0 to 20"),
        ],
    )
    works_bank_holidays = BooleanField("I work on bank holidays", widget=GovCheckboxInput())
    submit = SubmitField("Save limits", widget=GovSubmitInput())
