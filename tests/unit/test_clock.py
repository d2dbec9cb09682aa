"""One clock: only nqsw_visits/clock.py reads the time, and it reads it the right way."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine

from nqsw_visits import clock
from tests.factories import FROZEN_AT

PACKAGE = Path(__file__).resolve().parents[2] / "nqsw_visits"
READS_THE_TIME = re.compile(r"datetime\.now|utcnow|date\.today|time\.time\b|time\.monotonic")


def test_only_the_clock_module_reads_the_time():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "clock.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if READS_THE_TIME.search(line)
    ]
    assert found == []
    assert READS_THE_TIME.search((PACKAGE / "clock.py").read_text())  # the check can fire


def test_tests_start_at_the_frozen_moment():
    assert abs(clock.now() - FROZEN_AT).total_seconds() < 60
    assert clock.today() == date(2027, 1, 13)


def test_now_is_aware_utc():
    moment = clock.now()
    assert moment.tzinfo is UTC and moment.utcoffset().total_seconds() == 0


def test_today_is_the_local_date_not_the_utc_one(app):
    # 00:30 on a summer night in London is still 23:30 the day before in UTC.
    with time_machine.travel(datetime(2027, 7, 14, 23, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 7, 15)
        assert clock.now().date() == date(2027, 7, 14)
        app.config["TIMEZONE"] = "UTC"
        assert clock.today() == date(2027, 7, 14)


def test_the_zone_follows_the_setting(app):
    assert str(clock.zone()) == "Europe/London"
    app.config["TIMEZONE"] = "America/New_York"
    assert str(clock.zone()) == "America/New_York"


def test_monotonic_goes_forward():
    first = clock.monotonic()
    assert clock.monotonic() >= first
