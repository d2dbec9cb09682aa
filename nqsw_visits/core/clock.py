"""The one place that reads the time: now() in UTC, today() in the service's zone."""

import time
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/London"


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The service's time zone (TIMEZONE), or Europe/London outside an app."""
    return _zone(current_app.config["TIMEZONE"] if has_app_context() else DEFAULT_ZONE)


def today() -> date:
    """Today's date in the service's time zone."""
    return now().astimezone(zone()).date()


def monotonic() -> float:
    """Seconds on a clock that never goes back, for intervals only."""
    return time.monotonic()
