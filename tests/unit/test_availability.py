"""Free-slot maths: explicit cases, both DST days, and a brute-force oracle."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nqsw_visits.availability.free_time import (
    ACCOMPANIMENT_KINDS,
    OUT_OF_OFFICE_KINDS,
    Commitment,
    Limits,
    MentorCalendar,
    Pattern,
    Reason,
    add_working_days,
    check,
    free_slots,
    who_is_free,
)

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_5 = {day: [(time(9), time(12, 30)), (time(13, 30), time(17))] for day in range(5)}
KINDS = ["home_visit", "court_hearing", "meeting", "case_discussion"]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def calendar(**overrides) -> MentorCalendar:
    values = {"zone": LONDON, "patterns": [Pattern(date(2026, 1, 1), WEEKDAYS_9_TO_5)]}
    return MentorCalendar(**(values | overrides))


MONDAY = date(2026, 6, 8)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def test_free_inside_the_pattern():
    verdict = check(calendar(), at(MONDAY, 10), at(MONDAY, 11), "home_visit", LONG_AGO)
    assert verdict.free and not verdict.urgent


def test_each_reason_is_reported():
    cal = calendar(
        away=[(at(MONDAY, 9), at(MONDAY, 10))],
        bank_holidays=frozenset({MONDAY + timedelta(days=1)}),
        commitments=[Commitment(at(MONDAY, 14), at(MONDAY, 15), "home_visit")],
        limits=Limits(max_per_day=1, max_per_week=1, travel_minutes=30),
    )
    cases = [
        (at(MONDAY, 12), at(MONDAY, 14), {Reason.OUTSIDE_HOURS}),  # across lunch
        (at(MONDAY, 9, 30), at(MONDAY, 10, 30), {Reason.AWAY}),
        (at(MONDAY, 14, 30), at(MONDAY, 15, 30), {Reason.CLASH}),
        (at(MONDAY, 15, 15), at(MONDAY, 16), {Reason.TRAVEL}),
    ]
    for start, end, expected in cases:
        reasons = set(check(cal, start, end, "case_discussion", LONG_AGO).reasons)
        assert expected <= reasons, (start, reasons)
    tuesday = MONDAY + timedelta(days=1)
    bank_holiday = check(cal, at(tuesday, 10), at(tuesday, 11), "case_discussion", LONG_AGO)
    assert Reason.BANK_HOLIDAY in bank_holiday.reasons
    capped = check(cal, at(MONDAY, 10, 30), at(MONDAY, 11), "meeting", LONG_AGO)
    assert {Reason.DAY_CAP, Reason.WEEK_CAP} <= set(capped.reasons)
    wednesday = MONDAY + timedelta(days=2)
    week_capped = check(cal, at(wednesday, 10), at(wednesday, 11), "court_hearing", LONG_AGO)
    assert week_capped.reasons == (Reason.WEEK_CAP,)
    assert check(cal, at(MONDAY, 10), at(MONDAY, 11), "x", at(MONDAY, 12)).reasons[0] == Reason.PAST


def test_case_discussions_need_no_travel_time_between_office_events():
    cal = calendar(commitments=[Commitment(at(MONDAY, 10), at(MONDAY, 11), "case_discussion")])
    assert check(cal, at(MONDAY, 11), at(MONDAY, 12), "case_discussion", LONG_AGO).free
    assert (
        Reason.TRAVEL in check(cal, at(MONDAY, 11), at(MONDAY, 12), "home_visit", LONG_AGO).reasons
    )


def test_the_request_being_answered_does_not_clash_with_itself():
    hold = Commitment(at(MONDAY, 10), at(MONDAY, 11), "home_visit", ref=7)
    cal = calendar(commitments=[hold], limits=Limits(max_per_day=1))
    assert not check(cal, hold.starts_at, hold.ends_at, "home_visit", LONG_AGO).free
    assert check(cal, hold.starts_at, hold.ends_at, "home_visit", LONG_AGO, ignore_ref=7).free


def test_inside_minimum_notice_is_allowed_but_urgent():
    friday_3pm = at(date(2026, 6, 12), 15)
    cal = calendar(limits=Limits(notice_working_days=1))
    monday = date(2026, 6, 15)
    assert add_working_days(friday_3pm, 1, LONDON, frozenset()) == at(monday, 15)
    soon = check(cal, at(monday, 10), at(monday, 11), "home_visit", friday_3pm)
    assert soon.free and soon.urgent
    later = check(cal, at(monday, 15), at(monday, 16), "home_visit", friday_3pm)
    assert later.free and not later.urgent
    holiday = calendar(bank_holidays=frozenset({monday}))
    assert add_working_days(friday_3pm, 1, LONDON, holiday.bank_holidays) == at(
        monday + timedelta(days=1), 15
    )


def test_free_slots_on_a_plain_day():
    slots = free_slots(
        calendar(), at(MONDAY, 0), at(MONDAY, 23), timedelta(hours=1), "case_discussion", LONG_AGO
    )
    local = [slot.astimezone(LONDON).strftime("%H:%M") for slot in slots]
    assert local[0] == "09:00" and local[-1] == "16:00"
    assert "11:30" in local and "11:45" not in local and "13:30" in local
    assert len(local) == 11 + 11


SUNDAY_PATTERN = {6: [(time(0), time(4)), (time(9), time(12))]}


def test_spring_forward_day_2026_03_29():
    cal = calendar(patterns=[Pattern(date(2026, 1, 1), SUNDAY_PATTERN)])
    day = date(2026, 3, 29)
    slots = free_slots(
        cal, at(day, 0), at(day, 23), timedelta(hours=1), "case_discussion", LONG_AGO
    )
    local = [slot.astimezone(LONDON).strftime("%H:%M %Z") for slot in slots]
    # 01:00-02:00 does not exist; 00:00-04:00 local is three real hours.
    assert local[:4] == ["00:00 GMT", "00:15 GMT", "00:30 GMT", "00:45 GMT"]
    assert "01:30 GMT" not in local and "01:30 BST" not in local
    assert local[4] == "02:00 BST" and "03:00 BST" in local and "03:15 BST" not in local
    assert "09:00 BST" in local
    assert slots[local.index("09:00 BST")] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_fall_back_day_2026_10_25():
    cal = calendar(patterns=[Pattern(date(2026, 1, 1), SUNDAY_PATTERN)])
    day = date(2026, 10, 25)
    slots = free_slots(
        cal, at(day, 0), at(day, 23), timedelta(minutes=30), "case_discussion", LONG_AGO
    )
    nine = [s for s in slots if s.astimezone(LONDON).hour == 9 and s.astimezone(LONDON).minute == 0]
    assert nine == [datetime(2026, 10, 25, 9, 0, tzinfo=UTC)]  # GMT again: 09:00 local = 09:00 UTC
    # The window 00:00-04:00 local lasts five real hours on this day.
    window = datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 4, 0, tzinfo=UTC)
    assert check(cal, window[0], window[1], "case_discussion", LONG_AGO).free
    saturday_before = at(date(2026, 10, 24), 9)
    assert saturday_before == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)


def test_a_pattern_change_takes_effect_mid_week():
    wednesday = date(2026, 6, 10)
    mornings_only = {day: [(time(9), time(12))] for day in range(5)}
    cal = calendar(
        patterns=[Pattern(date(2026, 1, 1), WEEKDAYS_9_TO_5), Pattern(wednesday, mornings_only)]
    )
    tuesday = wednesday - timedelta(days=1)
    assert check(cal, at(tuesday, 14), at(tuesday, 15), "meeting", LONG_AGO).free
    assert (
        Reason.OUTSIDE_HOURS
        in check(cal, at(wednesday, 14), at(wednesday, 15), "meeting", LONG_AGO).reasons
    )
    assert check(cal, at(wednesday, 10), at(wednesday, 11), "meeting", LONG_AGO).free


def test_who_is_free_lists_the_free_mentors():
    busy = calendar(commitments=[Commitment(at(MONDAY, 10), at(MONDAY, 12), "court_hearing")])
    away = calendar(away=[(at(MONDAY, 0), at(MONDAY, 23))])
    free = who_is_free(
        {1: busy, 2: calendar(), 3: away}, at(MONDAY, 11), at(MONDAY, 12), "meeting", LONG_AGO
    )
    assert free == [2]


# The oracle: the same rules checked minute by minute, sharing no code with the service.


def oracle_slots(cal, start, end, duration, kind, now, grid_minutes=15):
    """Every start on the local quarter-hour grid that passes the rules minute by minute."""
    found = []
    minute = timedelta(minutes=1)
    travel = timedelta(minutes=cal.limits.travel_minutes)
    cursor = start.replace(second=0, microsecond=0)
    while cursor < end:
        local = cursor.astimezone(LONDON)
        if (
            local.minute % grid_minutes == 0
            and cursor >= now
            and ok(cal, cursor, cursor + duration, kind, travel, minute)
        ):
            found.append(cursor)
        cursor += minute
    return found


def pattern_windows(cal, day):
    chosen = [p for p in cal.patterns if p.effective_from <= day]
    return chosen[-1].windows.get(day.weekday(), []) if chosen else []


def ok(cal, s, e, kind, travel, minute):
    day = s.astimezone(LONDON).date()
    if day in cal.bank_holidays and not cal.limits.works_bank_holidays:
        return False
    t = s
    while t < e:
        local = t.astimezone(LONDON)
        if local.date() != day:
            return False
        inside = any(
            datetime.combine(day, a, tzinfo=LONDON) <= t < datetime.combine(day, b, tzinfo=LONDON)
            for a, b in pattern_windows(cal, day)
        )
        if not inside or any(a <= t < b for a, b in cal.away):
            return False
        t += minute
    for c in cal.commitments:
        pad = (
            travel
            if (kind in OUT_OF_OFFICE_KINDS or c.kind in OUT_OF_OFFICE_KINDS)
            else timedelta()
        )
        t = s - pad
        while t < e + pad:
            if c.starts_at <= t < c.ends_at:
                return False
            t += minute
    if kind in ACCOMPANIMENT_KINDS:
        days = [
            c.starts_at.astimezone(LONDON).date()
            for c in cal.commitments
            if c.kind in ACCOMPANIMENT_KINDS
        ]
        if sum(d == day for d in days) >= cal.limits.max_per_day:
            return False
        if (
            sum(d.isocalendar()[:2] == day.isocalendar()[:2] for d in days)
            >= cal.limits.max_per_week
        ):
            return False
    return True


clock = st.integers(0, 23 * 4).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def windows(draw):
    edges = sorted(set(draw(st.lists(st.integers(6 * 12, 21 * 12), min_size=2, max_size=4))))
    pairs = list(zip(edges[::2], edges[1::2], strict=False))
    return [(time(a // 12, (a % 12) * 5), time(b // 12, (b % 12) * 5)) for a, b in pairs]


@st.composite
def calendars(draw, first_day):
    patterns = [Pattern(date(2026, 1, 1), {d: draw(windows()) for d in range(7)})]
    if draw(st.booleans()):
        change = first_day + timedelta(days=draw(st.integers(0, 4)))
        patterns.append(Pattern(change, {d: draw(windows()) for d in range(7)}))
    base = datetime.combine(first_day, time(6), tzinfo=LONDON).astimezone(UTC)

    def interval(max_minutes):
        start = base + timedelta(minutes=5 * draw(st.integers(0, 5 * 24 * 12)))
        return start, start + timedelta(minutes=5 * draw(st.integers(1, max_minutes // 5)))

    away = [interval(600) for _ in range(draw(st.integers(0, 2)))]
    commitments = []
    for _ in range(draw(st.integers(0, 8))):
        starts, ends = interval(180)
        commitments.append(Commitment(starts, ends, draw(st.sampled_from(KINDS))))
    holidays = frozenset(
        first_day + timedelta(days=d) for d in draw(st.sets(st.integers(0, 5), max_size=1))
    )
    limits = Limits(
        max_per_day=draw(st.integers(0, 3)) if draw(st.booleans()) else 9,
        max_per_week=draw(st.integers(0, 6)) if draw(st.booleans()) else 99,
        travel_minutes=draw(st.sampled_from([0, 15, 30, 45])),
        notice_working_days=draw(st.integers(0, 2)),
        works_bank_holidays=draw(st.booleans()),
    )
    return MentorCalendar(LONDON, patterns, away, holidays, limits, commitments)


first_days = st.sampled_from(
    [date(2026, 3, 26), date(2026, 10, 22), date(2026, 6, 8), date(2026, 12, 24)]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), first_day=first_days)
def test_free_slots_match_the_brute_force_oracle(data, first_day):
    cal = data.draw(calendars(first_day))
    start = datetime.combine(first_day, time(0), tzinfo=LONDON).astimezone(UTC)
    end = start + timedelta(days=5)
    now = start + timedelta(minutes=15 * data.draw(st.integers(-96, 48)))
    duration = timedelta(minutes=15 * data.draw(st.integers(1, 8)))
    kind = data.draw(st.sampled_from(KINDS))
    assert free_slots(cal, start, end, duration, kind, now) == oracle_slots(
        cal, start, end, duration, kind, now
    )
