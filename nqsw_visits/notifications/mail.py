"""Wiring for queued email: send after a request that queued some, and `flask send-emails`."""

import threading

import click
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.mailer import SmtpSettings, send_due
from nqsw_visits.notifications.models import OutboxEmail


def smtp_settings(app: Flask) -> SmtpSettings:
    """SMTP settings from the app's configuration."""
    config = app.config
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"],
        starttls=config["SMTP_STARTTLS"],
        sender=config["MAIL_FROM"],
        base_url=config["PUBLIC_URL"],
        claim_for=config["MAIL_CLAIM_TIMEOUT"],
    )


@event.listens_for(Session, "after_flush")
def _note_queued_mail(session, _context):
    if has_request_context() and any(isinstance(obj, OutboxEmail) for obj in session.new):
        g.mail_queued = True


def _send_in_background(app: Flask) -> None:
    def work():
        with app.app_context():
            try:
                send_due(smtp_settings(app), clock.now())
            finally:
                db.session.remove()

    threading.Thread(target=work, name="send-emails", daemon=True).start()


@click.command("send-emails")
def send_emails_command() -> None:
    """Send queued emails that are due (run every few minutes, e.g. from cron)."""
    counts = send_due(smtp_settings(current_app), clock.now())
    click.echo(f"{counts['sent']} sent, {counts['failed']} still queued after a failure.")


def init_mail(app: Flask) -> None:
    """Send queued email once the response is ready (its transaction has committed)."""
    app.cli.add_command(send_emails_command)

    @app.after_request
    def send_queued(response):
        if g.pop("mail_queued", False) and app.config["MAIL_SEND_AFTER_REQUEST"]:
            _send_in_background(app)
        return response
