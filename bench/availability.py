"""Time four weeks of free-slot finding: one mentor with 200 commitments, and ten mentors.

Run with `make bench`. Prints the median of repeated runs; targets are 5 ms and 30 ms.
"""

import random
import statistics
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nqsw_visits.availability.free_time import (
    Commitment,
    Limits,
    MentorCalendar,
    Pattern,
    free_slots,
)

LONDON = ZoneInfo("Europe/London")
START_DAY = date(2027, 3, 1)
KINDS = ["home_visit", "court_hearing", "meeting", "case_discussion"]


def make_calendar(seed: int, commitments: int) -> MentorCalendar:
    """A mentor working 9-12:30 and 13:30-17 on weekdays, with random commitments."""
    rng = random.Random(seed)
    pattern = {d: [(time(9), time(12, 30)), (time(13, 30), time(17))] for d in range(5)}
    items = []
    for _ in range(commitments):
        day = START_DAY + timedelta(days=rng.randrange(28))
        start = datetime.combine(
            day, time(rng.randrange(8, 17), rng.choice([0, 15, 30, 45])), tzinfo=LONDON
        ).astimezone(UTC)
        items.append(
            Commitment(
                start, start + timedelta(minutes=rng.choice([30, 60, 90])), rng.choice(KINDS)
            )
        )
    away = [
        (
            datetime.combine(START_DAY + timedelta(days=9), time(0), tzinfo=LONDON),
            datetime.combine(START_DAY + timedelta(days=11), time(0), tzinfo=LONDON),
        )
    ]
    return MentorCalendar(
        LONDON,
        [Pattern(date(2026, 1, 1), pattern)],
        away,
        frozenset({date(2027, 3, 26), date(2027, 3, 29)}),
        Limits(max_per_day=20, max_per_week=100),
        items,
    )


def median_ms(work, repeats: int = 30) -> float:
    timings = []
    for _ in range(repeats):
        began = clock.perf_counter()
        work()
        timings.append((clock.perf_counter() - began) * 1000)
    return statistics.median(timings)


def main() -> None:
    start = datetime.combine(START_DAY, time(0), tzinfo=LONDON).astimezone(UTC)
    end = start + timedelta(days=28)
    now = start - timedelta(days=1)
    hour = timedelta(hours=1)
    one = make_calendar(1, 200)
    ten = [make_calendar(seed, 200) for seed in range(10)]
    slots = free_slots(one, start, end, hour, "home_visit", now)
    one_ms = median_ms(lambda: free_slots(one, start, end, hour, "home_visit", now))
    ten_ms = median_ms(
        lambda: [free_slots(cal, start, end, hour, "home_visit", now) for cal in ten]
    )
    print(
        f"four weeks, one mentor, 200 commitments: {one_ms:.2f} ms "
        f"(target 5 ms; {len(slots)} free starts)"
    )
    print(f"four weeks, ten mentors, 200 commitments each: {ten_ms:.2f} ms (target 30 ms)")


if __name__ == "__main__":
    main()
