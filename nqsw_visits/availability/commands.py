"""`flask load-bank-holidays FILE`: refresh England and Wales bank holidays from a file."""

import click

from nqsw_visits.availability.rules import (
    AvailabilityError,
    load_bank_holidays,
    parse_bank_holidays,
)
from nqsw_visits.core.extensions import db


@click.command("load-bank-holidays")
@click.argument("json_file", type=click.File("r", encoding="utf-8"))
def load_bank_holidays_command(json_file) -> None:
    """Add or update bank holidays from a file in the GOV.UK bank-holidays.json format."""
    try:
        holidays = parse_bank_holidays(json_file.read())
    except AvailabilityError as error:
        raise click.ClickException(str(error)) from None
    added = load_bank_holidays(holidays)
    db.session.commit()
    click.echo(f"{len(holidays)} bank holidays read, {added} new.")
