"""Times are stored in UTC and shown in Europe/London, across both DST changes."""

from datetime import UTC, datetime

import pytest


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "29 March 2026 at 12:30am"),  # GMT
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "29 March 2026 at 2:30am"),  # BST begins
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),  # BST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),  # GMT again
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "1 July 2026 at 1:00pm"),
    ],
)
def test_local_datetime_follows_british_summer_time(app, utc, shown):
    assert app.jinja_env.filters["local_datetime"](utc) == shown


def test_local_date_uses_the_local_day(app):
    late_summer_evening = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert app.jinja_env.filters["local_date"](late_summer_evening) == "1 July 2026"
