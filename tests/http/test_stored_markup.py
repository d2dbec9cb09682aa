"""Stored markup stays text: a script and htmx probe in every free-text field is shown inert
on every page and fragment each role can reach, in calendar files and in emails."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Response
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import select

from nqsw_visits.agreements import models as agreement_models  # noqa: F401 (its tables)
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import OutboxEmail
from nqsw_visits.one_to_ones import models as one_to_one_models  # noqa: F401 (its tables)
from tests.http.walk import walk
from tests.http.world import ADMIN, MANAGER, MENTOR, NQSW, PROBE, RAW, ROLES, build, probe

# The properties the calendar files are made of; anything else was injected.
ICS_NAMES = {"BEGIN", "END", "PRODID", "VERSION", "METHOD", "X-WR-CALNAME", "X-WR-CALDESC"}
ICS_NAMES |= {"UID", "DTSTAMP", "LAST-MODIFIED", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY"}
ICS_NAMES |= {"STATUS", "DESCRIPTION", "LOCATION"}
# Stored but shown on no page today; should one appear, the checks above already cover it.
NOT_SHOWN = {
    "framework_source": "where a framework comes from, kept with the file",
    "standard_description": "a standard's longer wording, kept with the file",
    "area": "where a visit is: shown only back in the form it was typed in",
}
TAG = re.compile(re.escape(str(escape(PROBE))).replace(r"\{\}", "([A-Za-z0-9_-]+)"))
STORED = re.compile(re.escape(PROBE).replace(r"\{\}", "([A-Za-z0-9_-]+)"))
# Text columns no person fills in a form, each for a reason; every other one must hold a probe.
NOT_TYPED = {
    "made by the application, from its own words and people's names": {
        "outbox_emails.subject", "outbox_emails.body", "outbox_emails.last_error",
        "notifications.message", "audit_events.detail", "audit_events.action",
        "audit_events.object_type", "user_sessions.end_reason", "teams.name_key",
        "outbox_emails.calendar",
    },
    "one of a fixed set of values (kinds, statuses, roles), refused otherwise": {
        "availability_exceptions.kind", "user_roles.role", "focus_cases.support_level",
        "one_to_ones.status", "one_to_ones.kind", "support_requests.kind",
        "support_requests.meeting_type", "support_requests.venue_type",
        "support_requests.consent", "support_requests.status",
        "mentor_holds.kind", "observations.classification", "request_events.action",
        "request_events.from_status", "request_events.to_status", "agreed_actions.owner",
        "group_sessions.state", "group_invites.reply",
    },
    "random tokens and hashes the application makes": {
        "users.password_hash", "users.calendar_token_hash", "user_sessions.token_hash",
        "outbox_emails.claim_token", "support_requests.uid", "one_to_ones.series",
        "group_sessions.uid",
    },
    "an email address: checked as one, and the sign-in name": {
        "users.email", "outbox_emails.to_address", "group_guests.email",
    },
    "a case reference: refused unless it has the council's strict format": {
        "support_requests.case_reference", "focus_cases.case_reference",
    },
    "from GOV.UK's bank-holiday list, not typed by anyone": {"bank_holidays.title"},
    "a framework file's short codes (40 characters, an administrator's command)": {
        "frameworks.code", "standards.code",
    },
}  # fmt: skip


# What a group session's invitations say: its topic and place, and the guest's own name.
INVITATION_TEXT = ("group_topic", "series_topic", "place", "guest_name")


class _Live(HTMLParser):
    """What a browser would act on: an htmx attribute fetching the probe, a probe script."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self._script = tag == "script"
        for name, value in attrs:
            if name.startswith(("hx-", "data-hx-")) and "/probe" in (value or ""):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self._script and "alert(1)" in data:
            self.found.append(f"<script>{data}")

    def handle_endtag(self, tag):
        self._script = False


def assert_inert(response, where: str) -> set[str]:
    """No raw probe in an HTML answer; returns the fields whose escaped probe it shows."""
    assert response.status_code < 500, f"{response.status_code} on {where}"
    if "html" not in (response.content_type or ""):
        return set()
    body = response.get_data(as_text=True)
    for raw in RAW:
        assert raw not in body, f"unescaped {raw!r} on {where}"
    live = _Live()
    live.feed(body)
    assert live.found == [], f"probe live on {where}"
    return set(TAG.findall(body))


def assert_calendar(body: bytes, where: str) -> list[str]:
    """Each unfolded line is one of the expected properties; returns the event summaries."""
    text = body.decode()
    assert "\n" not in text.replace("\r\n", ""), f"bare line break in {where}"
    for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n"):
        if line:
            name = re.match(r"[A-Za-z0-9-]+", line).group(0).upper()
            assert name in ICS_NAMES, f"unexpected property {line!r} in {where}"
    return [str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")]


@pytest.fixture
def world(app):
    made = build(app)
    made.shown = set()
    for what, response in made.answers:
        made.shown |= assert_inert(response, what)  # what each form answered with
    return made


def text_columns() -> list[sa.Column]:
    """Every string and text column of every model, whichever area defines it."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String)  # Text is a String too
    ]


def stored_probes() -> dict[str, set[str]]:
    """Per `table.column`, the tags of the probes stored in it."""
    found = {}
    for column in text_columns():
        values = db.session.scalars(sa.select(column).where(column.contains(PROBE[:20])))
        found[f"{column.table.name}.{column.name}"] = set(STORED.findall(" ".join(values)))
    return found


def test_every_text_column_a_person_fills_holds_a_probe(world):
    """A free-text column added later fails here until the world types a probe into it."""
    exempt = set().union(*NOT_TYPED.values())
    columns = {f"{c.table.name}.{c.name}" for c in text_columns()}
    assert {"agreement_reviews.nqsw_view", "one_to_one_actions.description"} <= columns
    stored = stored_probes()
    unprobed = sorted(name for name in columns - exempt if not stored[name])
    assert unprobed == [], f"free text the world never fills with a probe: {unprobed}"
    assert set().union(*stored.values()) <= world.tags


def test_every_page_and_fragment_shows_stored_markup_as_text(world):
    shown, visits = set(world.shown), Counter()
    for role in (*ROLES, "mentor2"):  # the second mentor has a request handed over
        for path, htmx, response in walk(world, role):
            visits[role, response.status_code] += 1
            shown |= assert_inert(response, f"GET {path} as {role}{' (htmx)' * htmx}")
    # Every probe typed or stored was shown (escaped) somewhere, so no field went unchecked.
    typed = world.tags | set().union(*stored_probes().values())
    unshown = sorted(tag for tag in typed - shown if tag.split("-")[0] not in NOT_SHOWN)
    assert unshown == [], " ".join(unshown)
    assert len(shown) >= 60
    assert all(visits[role, 200] >= 10 for role in ROLES), visits


def test_calendar_files_and_feeds_keep_names_as_text(world):
    people = world.people
    for role in (NQSW, MENTOR):
        client = world.clients[role]
        other = probe(MENTOR if role == NQSW else NQSW)
        for request_id in world.ids["request_id"]:
            answer = client.get(f"/requests/{request_id}.ics")
            if answer.status_code == 200:
                (summary,) = assert_calendar(answer.data, f"request {request_id} as {role}")
                assert other in summary or probe("mentor2") in summary
        assert len(world.ids["session_id"]) >= 4  # booked, cancelled, held and missed
        for session_id in world.ids["session_id"]:
            answer = client.get(f"/one-to-ones/{session_id}.ics")
            assert answer.status_code == 200, session_id
            (summary,) = assert_calendar(answer.data, f"one-to-one {session_id} as {role}")
            assert other in summary
        page = client.post("/account/calendar").get_data(as_text=True)
        address = re.search(r"https?://[^/\s\"<]+(/calendar/[^\"<\s]+\.ics)", page).group(1)
        feed = world.app.test_client().get(address)
        assert feed.status_code == 200, address
        summaries = assert_calendar(feed.data, f"feed of {people[role].display_name}")
        assert any(other in summary for summary in summaries)


def test_emails_carry_no_note_text_and_one_line_subjects(world):
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert len(emails) >= 10
    names = {probe(role) for role in (NQSW, MENTOR, "mentor2", MANAGER, ADMIN)}
    # A group session's invitation says what it is about, where, and to a guest their name.
    names |= {probe(tag) for tag in world.tags if tag.startswith(INVITATION_TEXT)}
    for email in emails:
        assert "\r" not in email.subject and "\n" not in email.subject, email.subject
        # Only people's names may appear: what they wrote stays in the service.
        written = {tag for tag in world.tags if probe(tag) not in names}
        assert not any(probe(tag) in email.body + email.subject for tag in written), email.body


def test_the_checks_catch_what_they_look_for():
    """A raw probe fails; the escaped one passes and counts as shown; an injected line fails."""
    text = probe("purpose")
    escaped = Response(f"<p title='{escape(text)}'>{escape(text)}</p>", mimetype="text/html")
    assert assert_inert(escaped, "escaped") == {"purpose"}
    half_escaped = text.replace('"', "&#34;")  # a single-quoted attribute it breaks out of
    broken_out = "<p title='x' hx-post=&#34;/probe&#34;>x</p>"  # quotes escaped, ' not
    for raw in (f"<p>{text}</p>", f"<p title='{half_escaped}'>x</p>", broken_out):
        with pytest.raises(AssertionError):
            assert_inert(Response(raw, mimetype="text/html"), "raw")
    good = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    assert_calendar(good.encode(), "good")
    for bad in (good.replace("VERSION", "ATTENDEE"), good.replace("2.0", "2.0\nX-EVIL:1")):
        with pytest.raises(AssertionError):
            assert_calendar(bad.encode(), "bad")
