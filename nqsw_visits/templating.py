"""Template filters and the navigation each role sees."""

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask
from flask_wtf.csrf import generate_csrf
from govuk_frontend_wtf.gov_form_base import GovFormBase
from jinja2 import Template

from nqsw_visits.availability.models import HOLD_KIND_LABELS, ExceptionKind
from nqsw_visits.core import clock
from nqsw_visits.core.dates import twelve_hour
from nqsw_visits.core.paging import pagination_params, shift_weeks
from nqsw_visits.navigation import kept, register_layout_helpers
from nqsw_visits.observations.models import CLASSIFICATION_LABELS
from nqsw_visits.people.audit_labels import audit_label
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests.models import (
    CONSENT_LABELS,
    EVENT_LABELS,
    MEETING_TYPE_LABELS,
    STATUS_TAGS,
)


# Status of a request -> (words, GOV.UK tag colour).
class ImportingTemplate(Template):
    """Jinja's template, with the check each `{% from ... import %}` makes done in C."""

    def _get_default_module(self, ctx=None):
        # Jinja 3.1 compares the importer's globals with this template's through
        # ChainMap.keys(), one key at a time in Python. The GOV.UK macros import on every
        # call, some hundred times a form page: that check was a sixth of its time.
        if ctx is not None and not self.environment.is_async:
            keys = ctx.globals_keys.difference(self.globals)
            if keys:
                return self.make_module({key: ctx.parent[key] for key in keys})
            ctx = None
        return super()._get_default_module(ctx)


KEPT_CHARACTERS = 2_000_000  # rendered form fields held per process, about 2 MB at most
# Free-text boxes hold people's notes: rendered afresh each time, never kept.
NOT_KEPT = frozenset({"textarea.html", "charactercount.html", "password.html"})


class _Unkeyable(Exception):
    """Field parameters holding something other than text, numbers, lists and dicts."""


def _key(value):
    # Text marked safe (it has __html__) and plain text render differently, as do True and 1:
    # keep them apart. Checking the method needs no import of the class that marks text safe.
    if hasattr(value, "__html__"):
        return ("markup", str(value))
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, dict):  # in order: attributes render in the order given
        return ("dict", tuple((name, _key(item)) for name, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_key(item) for item in value))
    raise _Unkeyable


def remember_rendered_fields() -> None:
    """Render each GOV.UK form field once per process for the same parameters."""
    # A field's template uses nothing but its parameters, yet each one runs the component
    # macros again: most of the time of a form page. The same field comes back the same.
    if getattr(GovFormBase.render, "remembers", False):  # once a process, however many apps
        return
    render, kept, size = GovFormBase.render, {}, [0]

    def render_once(widget, params):
        if widget.template.rsplit("/", 1)[-1] in NOT_KEPT:
            return render(widget, params)
        try:
            key = (widget.template, _key(params))
        except _Unkeyable:
            return render(widget, params)
        found = kept.get(key)
        if found is None:
            found = render(widget, params)
            if size[0] + len(found) <= KEPT_CHARACTERS:
                kept[key] = found
                size[0] += len(found)
        return found

    render_once.remembers = True
    GovFormBase.render = render_once


KEPT_COMPONENTS = 500  # rendered GOV.UK components held per process, about 2 MB at most


def remembered_component(store: dict, limit: int = KEPT_COMPONENTS):
    """A template global rendering a GOV.UK component once per process for the same params."""

    # The components are pure functions of their parameters; a paginated list renders the
    # same pagination links for every person on that page, through some hundred macro calls.
    def remembered(component, params: dict):
        try:
            key = (component.name, _key(params))
        except _Unkeyable:
            return component(params)
        return kept(store, limit, key, component, params)

    return remembered


def register_template_helpers(app: Flask, zone: ZoneInfo) -> None:
    """Filters for local times and globals for the layout."""
    app.jinja_env.template_class = ImportingTemplate
    remember_rendered_fields()

    # Pure functions of the moment in a fixed zone, and a page writes the same few moments
    # several times (a card's heading and its summary): each is worked out once.
    @app.template_filter("local_datetime")
    @lru_cache(maxsize=4096)
    def local_datetime(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone)
        return f"{local.day} {local:%B %Y} at {twelve_hour(local)}"

    @app.template_filter("local_date")
    @lru_cache(maxsize=4096)
    def local_date(value: datetime | date | None) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return f"{value.day} {value:%B %Y}"
        return (
            "" if value is None else f"{value.astimezone(zone).day} {value.astimezone(zone):%B %Y}"
        )

    @app.template_filter("local_time")
    def local_time(value: datetime | None) -> str:
        return "" if value is None else f"{value.astimezone(zone):%H:%M}"

    @app.template_filter("local_period")
    def local_period(span) -> str:
        """Whole local days as '24 to 26 November 2026', otherwise start and end times."""
        starts, ends = span.starts_at.astimezone(zone), span.ends_at.astimezone(zone)
        if starts.time() == ends.time() == datetime.min.time():
            last = (ends - timedelta(days=1)).date()
            first = starts.date()
            if first == last:
                return f"{first.day} {first:%B %Y} (all day)"
            return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y} (all day)"
        same_day = starts.date() == ends.date()
        until = twelve_hour(ends) if same_day else local_datetime(span.ends_at)
        return f"{local_datetime(span.starts_at)} to {until}"

    @app.template_filter("exception_label")
    def exception_label(kind: str) -> str:
        return ExceptionKind(kind).label

    # Words for stored codes: each mapping is defined once, beside its model.
    for name, words in (
        ("kind_label", HOLD_KIND_LABELS),
        ("meeting_type_label", MEETING_TYPE_LABELS),
        ("consent_label", CONSENT_LABELS),
        ("request_event_label", EVENT_LABELS),
    ):
        app.add_template_filter(words.__getitem__, name)

    app.add_template_filter(audit_label, "audit_label")
    app.add_template_global(STATUS_TAGS, "STATUS_TAGS")
    app.add_template_global(CLASSIFICATION_LABELS, "CLASSIFICATION_LABELS")
    app.add_template_global(pagination_params, "pagination_params")
    app.add_template_global(shift_weeks, "shift_weeks")
    app.add_template_global(remembered_component({}), "remembered")
    register_layout_helpers(app)
    app.add_template_global(htmx_headers, "htmx_headers")
    app.add_template_global(Role, "Role")
    app.add_template_global(clock.now, "now_utc")


def htmx_headers() -> str:
    """The headers htmx sends with each request: the CSRF token."""
    return json.dumps({"X-CSRFToken": generate_csrf()})
