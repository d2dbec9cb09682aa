"""Forms for signing in and changing a password."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from nqsw_visits.people import passwords


class SignInForm(FlaskForm):
    """Email and password."""

    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=passwords.MAX_LENGTH)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordMixin:
    """A new password typed twice, checked against the password rules."""

    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"Use {passwords.MIN_LENGTH} characters or more. Three random words work well.",
        validators=[InputRequired("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter the new password again"),
            EqualTo("new_password", "The passwords do not match"),
        ],
    )

    email_for_rules = ""

    def validate_new_password(self, field):
        found = passwords.problems(field.data or "", self.email_for_rules)
        if found:
            raise ValidationError(found[0])


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """Your current password, then a new one twice."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    field_order = ("current_password", "new_password", "confirm_password", "submit")
