"""Forms for organising group sessions: one session or a monthly series, who is invited,
changing and cancelling."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from nqsw_visits.availability.forms import ClockField, GovDateField, WholeNumberField
from nqsw_visits.core import clock
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.group_sessions.audience import Audience, month_label, parse_emails
from nqsw_visits.group_sessions.models import MAX_CAPACITY
from nqsw_visits.people.rules import has_control_characters
from nqsw_visits.support_requests.forms import no_identifying_detail

PLAIN_TEXT = [no_identifying_detail]
WEEKS = [("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MAX_MONTHS = 12
SCOPES = [
    ("one", "Only this session"),
    ("future", "This session and every later one in the series"),
]


def _topic():
    return StringField(
        "Topic",
        widget=GovTextInput(),
        description="For example, Preparing for a child protection conference",
        validators=[InputRequired("Enter the topic"), Length(max=120), *PLAIN_TEXT],
    )


def _place():
    return StringField(
        "Room or online link",
        widget=GovTextInput(),
        description="Where people go, or the link they join by",
        validators=[InputRequired("Enter the room or the online link"), Length(max=300)],
    )


def _capacity():
    return WholeNumberField(
        "Places",
        widget=GovTextInput(),
        description="Replies past this number go on a waiting list",
        validators=[
            InputRequired("Enter how many places there are, as a number"),
            NumberRange(1, MAX_CAPACITY, f"Enter a number of places from 1 to {MAX_CAPACITY}"),
        ],
    )


def _clock(label: str, example: str, message: str):
    return ClockField(
        label,
        widget=GovTextInput(),
        description=f"For example, {example}",
        validators=[InputRequired(message)],
    )


class DetailsMixin:
    """The end after the start, on the same day; a place without control characters."""

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end time must be after the start time, on the same day")

    def validate_place(self, field):
        if has_control_characters(field.data or ""):
            raise ValidationError("Remove the control characters from this text")


def _organiser():
    return SelectField(
        "Organising mentor",
        widget=GovSelect(),
        coerce=int,
        description="An administrator organises a session on a mentor's behalf.",
        validators=[InputRequired("Choose the organising mentor")],
        invalid_choice_message="Choose the organising mentor from the list",
    )


def _teams():
    return SelectMultipleField(
        "Teams", widget=GovCheckboxesInput(), coerce=int, description="Everyone in each team."
    )


def _cohort():
    return SelectField(
        "A cohort",
        widget=GovSelect(),
        default="",
        invalid_choice_message="Choose a cohort from the list",
    )


def _people():
    return TextAreaField(
        "Named people (optional)",
        widget=GovTextArea(),
        description="Their email addresses, one a line.",
        validators=[Length(max=20_000)],
    )


class AudienceMixin:
    """Who is invited: teams, a cohort and named people; an administrator picks the mentor."""

    def set_choices(self, mentors: list | None, teams: list, months: list[date]) -> None:
        """The mentors to organise for (None: the person organises for themselves), the
        teams to tick and the cohorts to pick from."""
        if mentors is None:
            if "organiser" in self:
                del self.organiser
        else:
            self.organiser.choices = [(m.id, m.display_name) for m in mentors]
        self.teams.choices = [(team.id, team.name) for team in teams]
        cohorts = [(f"{month:%Y-%m}", month_label(month)) for month in months]
        self.cohort.choices = [("", "No cohort"), *cohorts]

    def chosen_cohort(self) -> date | None:
        value = self.cohort.data or ""
        return date.fromisoformat(f"{value}-01") if value else None

    def chosen(self) -> Audience:
        """The teams, cohort and addresses chosen, as the audience rule takes them."""
        teams = frozenset(self.teams.data or ())
        return Audience(teams, self.chosen_cohort(), parse_emails(self.people.data))


def _day() -> GovDateField:
    return GovDateField(
        "Date",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the date of the session")],
    )


def _times() -> tuple:
    return (
        _clock("Start time", "14:00", "Enter a start time"),
        _clock("End time", "16:00", "Enter an end time"),
    )


class SessionForm(DetailsMixin, AudienceMixin, FlaskForm):
    """One group session: its topic, day and times, place, places and who is invited."""

    organiser = _organiser()
    topic = _topic()
    day, starts, ends = _day(), *_times()
    place = _place()
    capacity = _capacity()
    teams, cohort, people = _teams(), _cohort(), _people()
    submit = SubmitField("Create the session", widget=GovSubmitInput())


def _months_ahead(count: int = MAX_MONTHS) -> list[tuple[str, str]]:
    today = clock.today()
    months = []
    for step in range(count):
        year, month = divmod(today.month - 1 + step, 12)
        first = date(today.year + year, month + 1, 1)
        months.append((f"{first:%Y-%m}", f"{first:%B %Y}"))
    return months


class SeriesForm(DetailsMixin, AudienceMixin, FlaskForm):
    """A monthly series: the same week and weekday of each month at the same time."""

    organiser = _organiser()
    topic = _topic()
    place = _place()
    capacity = _capacity()
    week_of_month = RadioField(
        "Which week of the month?",
        widget=GovRadioInput(),
        choices=WEEKS,
        validators=[InputRequired("Choose which week of the month")],
    )
    day_of_week = RadioField(
        "Which day?",
        widget=GovRadioInput(),
        choices=[(str(number), name) for number, name in enumerate(WEEKDAYS)],
        validators=[InputRequired("Choose the day of the week")],
    )
    starts, ends = _times()
    first_month = SelectField(
        "First month",
        widget=GovSelect(),
        validators=[InputRequired("Choose the first month")],
        invalid_choice_message="Choose the first month from the list",
    )
    months = SelectField(
        "For how many months?",
        widget=GovSelect(),
        choices=[(str(n), str(n)) for n in range(1, MAX_MONTHS + 1)],
        default="6",
        validators=[InputRequired("Choose for how many months")],
        invalid_choice_message="Choose a number of months from the list",
    )
    teams, cohort, people = _teams(), _cohort(), _people()
    submit = SubmitField("Create the series", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_month.choices = _months_ahead()

    def first_day(self) -> date:
        return date.fromisoformat(f"{self.first_month.data}-01")


def _scope():
    return RadioField(
        "Which sessions?",
        widget=GovRadioInput(),
        choices=SCOPES,
        default="one",
        validators=[InputRequired("Choose which sessions")],
    )


class EditForm(DetailsMixin, FlaskForm):
    """A session's details, changed for it alone or for the rest of its series."""

    topic = _topic()
    day, starts, ends = _day(), *_times()
    place = _place()
    capacity = _capacity()
    scope = _scope()
    submit = SubmitField("Save the changes", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    """Why the session is called off, for it alone or for the rest of its series."""

    reason = StringField(
        "Why is it cancelled?",
        widget=GovTextInput(),
        description="Everyone who replied and every guest is told.",
        validators=[InputRequired("Say why it is cancelled"), Length(max=300), *PLAIN_TEXT],
    )
    scope = _scope()
    submit = SubmitField("Cancel the session", widget=GovSubmitInput())


class InviteForm(AudienceMixin, FlaskForm):
    """More people invited to a session already set up, or to the rest of its series."""

    teams, cohort, people = _teams(), _cohort(), _people()
    scope = _scope()
    submit = SubmitField("Invite them", widget=GovSubmitInput())
