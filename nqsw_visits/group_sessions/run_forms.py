"""Forms for taking part in a group session and running it: replies, feedback, guests,
the register and the record."""

from email_validator import EmailNotValidError
from email_validator import validate_email as check_address
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from nqsw_visits.group_sessions.forms import PLAIN_TEXT
from nqsw_visits.observations.forms import NO_DETAIL
from nqsw_visits.people.rules import has_control_characters

RECORD_HINT = (
    "Every invited person can read this, whether or not they came. "
    "What was covered and what to read next: " + NO_DETAIL
)


class GuestForm(FlaskForm):
    """An invited specialist: staff or from outside, who gets an email invitation only."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the guest's name"), Length(max=120)],
    )
    role = StringField(
        "Role (optional)",
        widget=GovTextInput(),
        description="For example, Independent reviewing officer",
        validators=[Length(max=120)],
    )
    organisation = StringField(
        "Organisation (optional)", widget=GovTextInput(), validators=[Length(max=120)]
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        description="The calendar invitation goes here.",
        validators=[InputRequired("Enter the guest's email address"), Length(max=254)],
    )
    submit = SubmitField("Add the guest", widget=GovSubmitInput())

    def validate_email(self, field):
        try:
            if has_control_characters(field.data):
                raise EmailNotValidError("control characters")
            check_address(field.data.strip(), check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.org"
            ) from None

    def validate_name(self, field):
        if has_control_characters(field.data or ""):
            raise ValidationError("Use only letters, numbers, spaces and punctuation")

    validate_role = validate_organisation = validate_name


class ReplyForm(FlaskForm):
    """Going, maybe or not going."""

    answer = RadioField(
        "Will you go?",
        widget=GovRadioInput(),
        choices=[("going", "Going"), ("maybe", "Maybe"), ("not_going", "Not going")],
        validators=[InputRequired("Choose going, maybe or not going")],
        invalid_choice_message="Choose going, maybe or not going",
    )
    submit = SubmitField("Send your reply", widget=GovSubmitInput())


class RegisterForm(FlaskForm):
    """Who came: a tick for each invited person."""

    present = SelectMultipleField("Who came?", widget=GovCheckboxesInput(), coerce=int)
    submit = SubmitField("Save the register", widget=GovSubmitInput())


class AttendedForm(FlaskForm):
    """One person came, or did not."""

    attended = RadioField(
        "Came", choices=[("yes", "Came"), ("no", "Did not come")], validators=[InputRequired()]
    )


class RecordForm(FlaskForm):
    """Notes of the session and links to resources, for everyone invited."""

    notes = TextAreaField(
        "Notes",
        widget=GovTextArea(),
        description=RECORD_HINT,
        validators=[InputRequired("Enter the notes"), Length(max=5000), *PLAIN_TEXT],
    )
    resources = TextAreaField(
        "Links to resources (optional)",
        widget=GovTextArea(),
        description="One a line: a web address and what it is. " + NO_DETAIL,
        validators=[Optional(), Length(max=3000), *PLAIN_TEXT],
    )
    submit = SubmitField("Save the record", widget=GovSubmitInput())


class FeedbackForm(FlaskForm):
    """A rating and one line for the organiser, shown without the attendee's name."""

    rating = RadioField(
        "How useful was the session?",
        widget=GovRadioInput(),
        choices=[
            ("5", "5: very useful"),
            ("4", "4"),
            ("3", "3"),
            ("2", "2"),
            ("1", "1: not useful"),
        ],
        validators=[InputRequired("Choose a rating from 1 to 5")],
        invalid_choice_message="Choose a rating from 1 to 5",
    )
    comment = StringField(
        "One line for the organiser (optional)",
        widget=GovTextInput(),
        description="The organiser sees it without your name. " + NO_DETAIL,
        validators=[Length(max=200), *PLAIN_TEXT],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())
