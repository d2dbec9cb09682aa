"""One form per administrative task."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from nqsw_visits.people.forms import NewPasswordMixin
from nqsw_visits.people.models import Role


class PersonForm(FlaskForm):
    """A person's name, email, roles and team."""

    display_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the person's full name"), Length(max=120)],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter an email address"), Length(max=254)],
    )
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=[(role.value, role.label) for role in Role],
        description="Select all that apply.",
        validators=[InputRequired("Select at least one role")],
    )
    team = SelectField("Team", widget=GovSelect(), coerce=int, validate_choice=True)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def set_team_choices(self, teams) -> None:
        self.team.choices = [(0, "No team")] + [(team.id, team.name) for team in teams]


class NewPersonForm(NewPasswordMixin, PersonForm):
    """A new person, with the password they will sign in with first."""

    submit = SubmitField("Add person", widget=GovSubmitInput())


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """A new password set by an administrator."""

    submit = SubmitField("Set password", widget=GovSubmitInput())


class ChooseUsersForm(FlaskForm):
    """Tick the people to link (mentors for an NQSW, managers for a team)."""

    people = SelectMultipleField("People", widget=GovCheckboxesInput(), coerce=int)
    submit = SubmitField("Save", widget=GovSubmitInput())


class TeamEditForm(ChooseUsersForm):
    """A team's practice managers and the professional standards frameworks it uses."""

    frameworks = SelectMultipleField(
        "Professional standards this team uses",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Leave all unticked to use every framework.",
    )


class TeamForm(FlaskForm):
    """A new team's name."""

    name = StringField(
        "Team name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a team name"), Length(max=120)],
    )
    submit = SubmitField("Add team", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    """A CSV file of people."""

    file = FileField(
        "CSV file",
        widget=GovFileInput(),
        description="Columns: email,name,roles,team. Separate several roles with a semicolon.",
        validators=[FileRequired("Select a CSV file")],
    )
    submit = SubmitField("Import people", widget=GovSubmitInput())
