"""Forms for starting, changing, confirming and ending a mentoring agreement."""

import re

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability.forms import GovDateField
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.support_requests.forms import case_reference_example, no_identifying_detail

RHYTHMS = [
    ("1", "Every week"),
    ("2", "Every 2 weeks"),
    ("3", "Every 3 weeks"),
    ("4", "Every 4 weeks"),
]
LEVELS = [(level.value, level.label) for level in SupportLevel]
NO_STANDARD = 0


def _reference(label: str) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[Length(max=40)])


def _aim(label: str) -> TextAreaField:
    return TextAreaField(
        label, widget=GovTextArea(), validators=[Length(max=500), no_identifying_detail]
    )


def _level(label: str) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), choices=LEVELS, validators=[Optional()])


def _goal(label: str) -> TextAreaField:
    return TextAreaField(
        label, widget=GovTextArea(), validators=[Length(max=300), no_identifying_detail]
    )


def _standard(label: str) -> SelectField:
    return SelectField(label, widget=GovSelect(), coerce=int, validate_choice=False)


class TermsForm(FlaskForm):
    """The terms of an agreement: people, start, rhythm, new focus cases and goals."""

    mentor = SelectField("Mentor", widget=GovSelect(), coerce=int, validate_choice=False)
    manager = SelectField("Practice manager", widget=GovSelect(), coerce=int, validate_choice=False)
    starts_on = GovDateField(
        "Start date",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the start date, including day, month and year")],
    )
    every_weeks = RadioField(
        "How often will you meet one-to-one?",
        widget=GovRadioInput(),
        choices=RHYTHMS,
        default="2",
        validators=[InputRequired("Select how often you will meet one-to-one")],
    )
    nine_month_review = BooleanField("Add a review at 9 months", widget=GovCheckboxInput())
    kept_cases = SelectMultipleField(
        "Focus cases to keep", widget=GovCheckboxesInput(), coerce=int, validate_choice=False
    )
    case_1 = _reference("Case reference")
    aim_1 = _aim("What the NQSW wants to learn from this case")
    level_1 = _level("How will the mentor support this case?")
    case_2 = _reference("Case reference (optional)")
    aim_2 = _aim("What the NQSW wants to learn from this case (optional)")
    level_2 = _level("How will the mentor support this case? (optional)")
    kept_goals = SelectMultipleField(
        "Goals to keep", widget=GovCheckboxesInput(), coerce=int, validate_choice=False
    )
    goal_1 = _goal("Goal")
    standard_1 = _standard("Professional standard for this goal (optional)")
    goal_2 = _goal("Another goal (optional)")
    standard_2 = _standard("Professional standard for this goal (optional)")
    what_changed = TextAreaField(
        "Why it changed (optional)",
        widget=GovTextArea(),
        validators=[Length(max=500), no_identifying_detail],
    )
    submit = SubmitField("Save and confirm", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hint = f"The ID from the case system, for example {case_reference_example()}. Never a name."
        self.case_1.description = self.case_2.description = hint

    def new_case_numbers(self) -> list[int]:
        """Which of the two focus-case rows were filled in."""
        return [n for n in (1, 2) if (getattr(self, f"case_{n}").data or "").strip()]

    def validate_case_1(self, field):
        self._check_case(field, 1)

    def validate_case_2(self, field):
        self._check_case(field, 2)

    def validate_level_1(self, field):
        self._check_level(field, 1)

    def validate_level_2(self, field):
        self._check_level(field, 2)

    def _check_case(self, reference, number: int) -> None:
        reference.data = (reference.data or "").strip()
        aim = getattr(self, f"aim_{number}")
        if not reference.data:
            if (aim.data or "").strip():
                raise ValidationError("Enter the case reference, or leave this case empty")
            return
        pattern = current_app.config["CASE_REFERENCE_PATTERN"]
        if not re.fullmatch(pattern, reference.data, re.IGNORECASE) or len(reference.data) > 40:
            raise ValidationError(
                f"Enter a case reference in the same format as {case_reference_example()}"
            )

    def _check_level(self, level, number: int) -> None:
        if (getattr(self, f"case_{number}").data or "").strip() and not level.data:
            raise ValidationError("Select how the mentor will support this case")


class ConfirmForm(FlaskForm):
    """Confirm one version: the number says which one was read."""

    version = HiddenField()
    submit = SubmitField("Confirm this agreement", widget=GovSubmitInput())


class EndForm(FlaskForm):
    """End the agreement on a day."""

    ended_on = GovDateField(
        "Last day of the agreement",
        widget=GovDateInput(),
        description=ExampleDate(),
        validators=[InputRequired("Enter the last day, including day, month and year")],
    )
    submit = SubmitField("End the agreement", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    """The mentor's review at a review point."""

    progress = TextAreaField(
        "Progress on each goal and focus case",
        widget=GovTextArea(),
        description="What the evidence shows, from observations and sessions. No case detail.",
        validators=[
            InputRequired("Say what progress there has been"),
            Length(max=4000),
            no_identifying_detail,
        ],
    )
    what_next = TextAreaField(
        "What next",
        widget=GovTextArea(),
        validators=[InputRequired("Say what comes next"), Length(max=2000), no_identifying_detail],
    )
    submit = SubmitField("Save the review", widget=GovSubmitInput())


def review_form_for(goals, cases, review=None) -> FlaskForm:
    """The review form with an optional short progress line per goal and focus case."""

    class LinedReviewForm(ReviewForm):
        pass

    parts = [(f"goal_{g.id}", f"Progress on the goal: {g.description}") for g in goals]
    parts += [(f"case_{c.id}", f"Progress on focus case {c.case_reference}") for c in cases]
    for name, label in parts:
        field = StringField(
            label[:200],
            widget=GovTextInput(),
            description="One or two sentences. No case detail.",
            validators=[Optional(), Length(max=300), no_identifying_detail],
        )
        setattr(LinedReviewForm, name, field)
    form = LinedReviewForm(obj=review)
    if review is not None and not form.is_submitted():
        for line in review.lines:
            name = f"goal_{line.goal_id}" if line.goal_id else f"case_{line.focus_case_id}"
            if name in form:
                form[name].data = line.text
    form.line_names = [name for name, _ in parts]
    return form


class ViewForm(FlaskForm):
    """The NQSW's view of a review; a rating for each goal is added per agreement."""

    view = TextAreaField(
        "Your view",
        widget=GovTextArea(),
        validators=[InputRequired("Add your view"), Length(max=2000), no_identifying_detail],
    )
    submit = SubmitField("Add my view", widget=GovSubmitInput())


class RatingsForm(FlaskForm):
    """The NQSW's ratings of themselves at the start; a rating for each goal is added."""

    submit = SubmitField("Save my ratings", widget=GovSubmitInput())


def view_form_for(goals, ratings, base: type[FlaskForm] = ViewForm) -> FlaskForm:
    """The form (a ViewForm unless told) with a required rating for each goal (goal_<id>)."""

    class RatedViewForm(base):
        pass

    for goal in goals:
        field = RadioField(
            f"How do you rate yourself on: {goal.description}",
            widget=GovRadioInput(),
            choices=[(str(value), f"{value}: {label}") for value, label in ratings],
            validators=[InputRequired("Rate yourself on this goal")],
        )
        setattr(RatedViewForm, f"goal_{goal.id}", field)
    return RatedViewForm()


class ConfirmReviewForm(FlaskForm):
    """The practice manager confirms a review."""

    submit = SubmitField("Confirm this review", widget=GovSubmitInput())
