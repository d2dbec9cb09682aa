"""Emails: queued with the change, sent over real SMTP on 127.0.0.1, kept through an outage."""

import logging
import socket
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.mailer import SmtpSettings, send_due
from nqsw_visits.notifications.models import OutboxEmail
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def asked(app):
    mentor = make_user(Role.MENTOR, email="grace@example.org")
    nqsw = make_user(Role.NQSW, name="Amira Hassan")
    assign_mentor(nqsw, mentor)
    availability_store.add_window(mentor, mentor, 1, time(9), time(17), date(2026, 1, 1))
    request = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.COURT_HEARING,
            case_reference="CR-4242",
            starts_at=datetime(2027, 3, 2, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, 12, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    db.session.commit()
    return request


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, base_url="https://alongside.example", timeout=2
    )


def test_the_email_is_queued_with_the_change_and_sent_over_smtp(asked, smtp_server):
    inbox, port = smtp_server
    assert send_due(settings(port)) == {"sent": 1, "failed": 0}
    ((recipients, content),) = inbox.messages
    assert recipients == ["grace@example.org"]
    assert "Subject: Alongside: Amira Hassan asked you for support" in content
    assert f"https://alongside.example/requests/{asked.id}" in content
    assert "CR-4242" not in content and "court" not in content.lower()
    assert "Message-ID: <outbox." in content
    assert send_due(settings(port)) == {"sent": 0, "failed": 0}  # sent once only


def test_no_email_when_the_change_fails(app):
    nqsw, stranger = make_user(Role.NQSW), make_user(Role.MENTOR)
    with pytest.raises(scheduling.SchedulingError):
        scheduling.ask(
            nqsw,
            stranger.id,
            scheduling.Details(
                kind=RequestKind.MEETING,
                case_reference="CR-1",
                starts_at=clock.now(),
                ends_at=clock.now(),
            ),
            LONDON,
            clock.now(),
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_an_smtp_outage_keeps_the_email_and_it_goes_later(asked, smtp_server):
    inbox, port = smtp_server
    dead_port = free_port()
    assert send_due(settings(dead_port)) == {"sent": 0, "failed": 1}
    email = db.session.scalar(select(OutboxEmail))
    assert email.sent_at is None and email.attempts == 1 and email.last_error
    assert email.next_attempt_at > clock.now()
    assert send_due(settings(port)) == {"sent": 0, "failed": 0}  # not due yet
    assert send_due(settings(port), now=clock.now() + timedelta(hours=1)) == {
        "sent": 1,
        "failed": 0,
    }
    assert len(inbox.messages) == 1


def test_without_smtp_the_email_goes_to_the_log_without_case_detail(asked, caplog):
    caplog.set_level(logging.INFO, logger="nqsw_visits.notifications.mailer")
    assert send_due(SmtpSettings(host=""))["sent"] == 1
    assert "asked you for support" in caplog.text and "CR-4242" not in caplog.text


def test_flask_send_emails_command(asked, runner, smtp_server, app):
    inbox, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    result = runner.invoke(args=["send-emails"])
    assert result.exit_code == 0 and "1 sent" in result.output
    assert len(inbox.messages) == 1
