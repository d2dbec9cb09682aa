"""The outbox sends each email once: two senders at once, a sender that dies, a real SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1. Run on SQLite and, with TEST_DATABASE_URL set,
on PostgreSQL; the two-sender test prints a line with its figures.
"""

import asyncio
import email
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import event, func, select

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications import mailer
from nqsw_visits.notifications.mailer import SmtpSettings, send_due
from nqsw_visits.notifications.models import OutboxEmail

pytestmark = pytest.mark.timeout(120)

EMAILS = 50
BATCH = 5
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler that keeps each message's Message-ID and recipients."""

    def __init__(self, on_receive=None):
        self.received: list[tuple[str, tuple[str, ...]]] = []
        self.on_receive = on_receive

    async def handle_DATA(self, server, session, envelope):
        if self.on_receive:
            self.on_receive()
        message = email.message_from_bytes(envelope.content)
        self.received.append((message["Message-ID"], tuple(envelope.rcpt_tos)))
        await asyncio.sleep(0.002)  # a little latency, so two senders overlap
        return "250 OK"


def start_smtp(inbox: Inbox) -> Controller:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = start_smtp(inbox)
    yield inbox, SmtpSettings(host="127.0.0.1", port=controller.port, timeout=5)
    controller.stop()


def queue(count: int) -> None:
    for number in range(count):
        db.session.add(
            OutboxEmail(
                to_address=f"person{number}@example.org",
                subject=f"Alongside: message {number}",
                body="Open Alongside: {base_url}/",
                next_attempt_at=LONG_AGO,
            )
        )
    db.session.commit()


def pending() -> int:
    return db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None)))


def test_two_senders_at_once_send_every_email_exactly_once(app, app_config, smtp):
    inbox, settings = smtp
    queue(EMAILS)
    # Two app instances with their own engines and pools, as two processes would have.
    apps = [create_app(app_config), create_app(app_config)]
    barrier = threading.Barrier(len(apps))
    sent = [0] * len(apps)
    errors: list[BaseException] = []

    def sender(index: int) -> None:
        with apps[index].app_context():
            try:
                barrier.wait(timeout=10)
                for _ in range(EMAILS):  # bounded: each round sends or ends the loop
                    counts = send_due(settings, clock.now(), limit=BATCH)
                    assert counts["sent"] <= BATCH and not counts["failed"], counts
                    if not counts["sent"]:
                        break
                    sent[index] += counts["sent"]
            except BaseException as error:  # noqa: BLE001 - reported by the test below
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(thread.is_alive() for thread in threads)
    print(f"\noutbox {db.engine.dialect.name}: {EMAILS} emails, senders sent {sent}")

    ids = Counter(message_id for message_id, _ in inbox.received)
    recipients = Counter(to for _, to in inbox.received)
    assert len(inbox.received) == EMAILS and sum(sent) == EMAILS
    assert min(sent) > 0  # both senders really took part
    assert len(ids) == EMAILS and set(ids.values()) == {1}
    assert set(recipients.values()) == {1}
    assert pending() == 0
    assert db.session.scalar(select(func.count()).where(OutboxEmail.claim_token.is_not(None))) == 0


def test_a_sender_that_dies_holding_a_claim_leaves_the_emails_for_a_later_run(app, smtp):
    inbox, settings = smtp
    queue(3)
    hold = settings.claim_for
    claimed = mailer.claim(clock.now(), "a-sender-that-died", limit=BATCH, hold=hold)
    assert len(claimed) == 3

    assert send_due(settings, clock.now()) == {"sent": 0, "failed": 0}  # still claimed
    assert inbox.received == []
    later = clock.now() + hold + timedelta(seconds=1)
    with time_machine.travel(later, tick=True):
        assert send_due(settings, clock.now()) == {"sent": 3, "failed": 0}
        assert send_due(settings, clock.now()) == {"sent": 0, "failed": 0}
        # The dead sender comes back to life: it no longer holds the claim.
        assert not mailer.mark_sent(claimed[0].id, "a-sender-that-died", clock.now())
    assert len(inbox.received) == 3 and len({mid for mid, _ in inbox.received}) == 3
    assert pending() == 0


def test_a_crash_after_the_server_accepted_sends_that_email_again(app, smtp, monkeypatch):
    """The one window where an email can go twice, with the same Message-ID."""
    inbox, settings = smtp
    queue(2)

    def die(*_args):
        raise RuntimeError("the process died")

    with monkeypatch.context() as patch:
        patch.setattr(mailer, "mark_sent", die)
        patch.setattr(mailer, "release", lambda _token: None)  # a dead process releases nothing
        with pytest.raises(RuntimeError):
            send_due(settings, clock.now())
    assert len(inbox.received) == 1 and pending() == 2

    with time_machine.travel(clock.now() + settings.claim_for + timedelta(seconds=1), tick=True):
        assert send_due(settings, clock.now()) == {"sent": 2, "failed": 0}
    ids = Counter(message_id for message_id, _ in inbox.received)
    assert sorted(ids.values()) == [1, 2]  # the first email twice, under one Message-ID
    assert pending() == 0


def test_no_database_transaction_is_open_while_the_smtp_server_receives(app):
    queue(3)
    open_transactions = []
    seen_while_sending = []

    def began(_conn):
        open_transactions.append(1)

    def ended(_conn):
        open_transactions.pop()

    for name, listener in (("begin", began), ("commit", ended), ("rollback", ended)):
        event.listen(db.engine, name, listener)
    inbox = Inbox(on_receive=lambda: seen_while_sending.append(len(open_transactions)))
    controller = start_smtp(inbox)
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, timeout=5)
        assert send_due(settings, clock.now()) == {"sent": 3, "failed": 0}
    finally:
        controller.stop()
        for name, listener in (("begin", began), ("commit", ended), ("rollback", ended)):
            event.remove(db.engine, name, listener)
    assert seen_while_sending == [0, 0, 0]


def test_two_flask_send_emails_processes_at_once_send_each_email_once(app, app_config, smtp):
    inbox, settings = smtp
    queue(EMAILS)
    db.session.remove()
    env = {
        **os.environ,
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SMTP_HOST": settings.host,
        "SMTP_PORT": str(settings.port),
        "MAIL_SEND_AFTER_REQUEST": "0",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "send-emails"]
    root = Path(__file__).parents[2]
    runs = [
        subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = [int(output.split()[0]) for output in outputs]
    print(f"\noutbox {db.engine.dialect.name}: two flask send-emails sent {sent}")
    assert sum(sent) == EMAILS, outputs
    ids = Counter(message_id for message_id, _ in inbox.received)
    assert len(ids) == EMAILS and set(ids.values()) == {1}
    assert pending() == 0
