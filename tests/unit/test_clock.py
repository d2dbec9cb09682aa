"""One clock: only nqsw_visits/core/clock.py reads the time, and it reads it the right way."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from nqsw_visits.core import clock
from tests.factories import FROZEN_AT

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nqsw_visits"
# Migrations seed rows too: their timestamps come from the same clock.
SEARCHED = (PACKAGE, ROOT / "migrations")
READS_THE_TIME = re.compile(
    r"\bdatetime\.(now|utcnow|today)\b|\butcnow\b|\bdate\.today\b"
    r"|(?<![\w.])time\.(time|time_ns|monotonic|monotonic_ns|perf_counter|localtime|gmtime)\b"
    r"|\btime_ns\b|^\s*from\s+time\s+import\b"
)


def reads_of_the_time(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [
        f"{number}: {line.strip()}"
        for number, line in enumerate(lines, 1)
        if READS_THE_TIME.search(line)
    ]


@pytest.mark.parametrize(
    "line",
    [
        "stamp = datetime.now(UTC)",
        "stamp = dt.datetime.utcnow()",
        "day = date.today()",
        "day = datetime.today()",
        "from time import time",
        "    from time import monotonic as tick",
        "started = time.time_ns()",
        "started = time_ns()",
        "started = time.time()",
        "started = time.monotonic()",
    ],
)
def test_the_check_sees_each_way_of_reading_the_time(line):
    assert READS_THE_TIME.search(line)


@pytest.mark.parametrize(
    "line",
    ["today = clock.today()", "start = datetime.combine(day, time(9))", "slot.time.strftime('%H')"],
)
def test_the_check_lets_the_clock_and_times_of_day_be(line):
    assert not READS_THE_TIME.search(line)


def test_only_the_clock_module_reads_the_time():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in SEARCHED
        for path in sorted(folder.rglob("*.py"))
        if path != PACKAGE / "core" / "clock.py"
        for line in reads_of_the_time(path)
    ]
    assert found == []
    assert reads_of_the_time(PACKAGE / "core" / "clock.py")  # the check can fire
    assert list((ROOT / "migrations" / "versions").glob("*.py"))  # and looks where they are


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
