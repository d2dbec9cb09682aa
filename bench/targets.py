"""Which pages the bench drives: every main page and fragment of every role."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

FEED_TOKEN = "bench-calendar-feed-0123456789abcdef0123456789"  # noqa: S105  (bench only)
ROLES = {
    "nqsw": "nqsw1@example.org",
    "mentor": "mentor1@example.org",
    "manager": "manager@example.org",
    "admin": "admin@example.org",
}


@dataclass(frozen=True)
class Page:
    """A page as one role asks for it; htmx pages are asked for as fragments."""

    role: str | None
    name: str
    path: str
    htmx: bool = False

    @property
    def headers(self) -> dict[str, str]:
        # As browsers and calendar apps ask; bytes are then counted as sent.
        sent = {"Accept-Encoding": "gzip"}
        return {**sent, "HX-Request": "true"} if self.htmx else sent


def _one(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).scalar()


def pages(url: str) -> list[Page]:
    """The pages for the data set at `url`, with its own ids; gives mentor1 a feed address."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        ids = {role: _one(conn, "SELECT id FROM users WHERE email = :e", e=e)
               for role, e in ROLES.items()}  # fmt: skip
        mentor, nqsw = ids["mentor"], ids["nqsw"]
        feed_hash = hashlib.sha256(FEED_TOKEN.encode()).hexdigest()
        conn.execute(sa.text("UPDATE users SET calendar_token_hash = :h WHERE id = :m"),
                     {"h": feed_hash, "m": mentor})  # fmt: skip
        request = _one(
            conn,
            "SELECT id FROM support_requests WHERE nqsw_id = :n AND mentor_id = :m "
            "ORDER BY status = 'accepted' DESC, starts_at DESC LIMIT 1",
            n=nqsw, m=mentor,
        )  # fmt: skip
        observation = _one(
            conn,
            "SELECT id FROM observations WHERE nqsw_id = :n AND mentor_id = :m "
            "ORDER BY locked_at IS NULL, id DESC LIMIT 1",
            n=nqsw, m=mentor,
        )  # fmt: skip
        team = _one(conn, "SELECT team_id FROM team_managers WHERE user_id = :u", u=ids["manager"])
        programme = _programme(conn, mentor, nqsw)
    engine.dispose()
    day = date.today() + timedelta(days=21)
    day += timedelta(days=(7 - day.weekday()) % 7)  # a Monday three weeks or so ahead
    free = f"date={day.isoformat()}&start=10:00&end=11:00&kind=home_visit"
    check = (
        f"mentor={mentor}&kind=home_visit&day={day.day}&day={day.month}&day={day.year}"
        "&starts=10:00&ends=11:00"
    )
    agreement, session = programme["agreement"], programme["session"]
    return [
        Page(None, "sign-in", "/sign-in"),
        Page("nqsw", "NQSW home", "/my-support"),
        Page("nqsw", "my requests", "/requests"),
        Page("nqsw", "ask form", "/requests/new"),
        Page("nqsw", "free check (fragment)", f"/mentors/{mentor}/free?{free}", True),
        Page("nqsw", "free times (fragment)", f"/mentors/{mentor}/slots?duration=60", True),
        Page("nqsw", "request", f"/requests/{request}"),
        Page("nqsw", "progress", f"/people/{nqsw}/progress"),
        Page("nqsw", "portfolio", f"/people/{nqsw}/portfolio"),
        Page("nqsw", "observation", f"/observations/{observation}"),
        Page("nqsw", "notifications", "/notifications"),
        Page("nqsw", "notifications (fragment)", "/notifications", True),
        Page("mentor", "mentor home", "/mentoring"),
        Page("mentor", "inbox", "/inbox"),
        Page("mentor", "diary", f"/mentors/{mentor}/diary"),
        Page("mentor", "availability", f"/mentors/{mentor}/availability"),
        Page("mentor", "request (mentor)", f"/requests/{request}"),
        Page("mentor", "request .ics", f"/requests/{request}.ics"),
        Page("mentor", "observation (mentor)", f"/observations/{observation}"),
        Page("mentor", "notifications (mentor)", "/notifications"),
        Page(None, "calendar feed", f"/calendar/{FEED_TOKEN}.ics"),
        Page("manager", "manager home", "/my-team"),
        Page("manager", "planned support", "/planned-support"),
        Page("manager", "progress (manager)", f"/people/{nqsw}/progress"),
        Page("admin", "admin home", "/admin/"),
        Page("admin", "admin people", "/admin/people"),
        Page("admin", "admin people (fragment)", "/admin/people", True),
        Page("admin", "admin person", f"/admin/people/{nqsw}"),
        Page("admin", "admin teams", "/admin/teams"),
        Page("admin", "admin team", f"/admin/teams/{team}"),
        Page("admin", "admin activity", "/admin/activity"),
        Page("nqsw", "ask check (fragment)", f"/requests/new/check?{check}", True),
        Page("nqsw", "calendar settings", "/account/calendar"),
        Page("nqsw", "ratings", f"/agreements/{programme['own']}/ratings"),
        Page("mentor", "to write", "/mentoring/to-write"),
        Page("mentor", "to sign", "/mentoring/to-sign"),
        Page("mentor", "observation form", f"/requests/{programme['to_write']}/observation"),
        Page("mentor", "agreements", "/agreements"),
        Page("mentor", "agreement", f"/agreements/{agreement}"),
        Page("mentor", "agreement version", f"/agreements/{agreement}/versions/1"),
        Page("mentor", "review", "/agreements/{}/reviews/{}".format(*programme["review"])),
        Page("mentor", "one-to-ones", f"/agreements/{agreement}/one-to-ones"),
        Page("mentor", "one-to-one", f"/one-to-ones/{session}"),
        Page("mentor", "book one-to-ones", f"/agreements/{agreement}/one-to-ones/new"),
        Page("mentor", "one-to-one .ics", f"/one-to-ones/{session}.ics"),
        Page("manager", "planned support (fragment)", "/planned-support", True),
        Page("manager", "agreements (manager)", "/agreements"),
    ]


def _programme(conn, mentor: int, nqsw: int) -> dict:
    """The mentor's busiest agreement in force, its latest held one-to-one and its first review
    still to write; the NQSW's own agreement; a completed request of theirs still to write up."""
    agreement = _one(
        conn,
        "SELECT a.id FROM mentoring_agreements a WHERE a.ended_on IS NULL AND a.id IN "
        "(SELECT agreement_id FROM agreement_versions WHERE mentor_id = :m) "
        "ORDER BY (SELECT count(*) FROM one_to_ones o WHERE o.agreement_id = a.id) DESC, "
        "a.id LIMIT 1",
        m=mentor,
    )
    return {
        "agreement": agreement,
        "session": _one(
            conn,
            "SELECT id FROM one_to_ones WHERE agreement_id = :a AND kind = 'one_to_one' "
            "ORDER BY status = 'held' DESC, starts_at DESC LIMIT 1",
            a=agreement,
        ),
        "review": _to_write(conn, mentor),
        "own": _one(
            conn,
            "SELECT id FROM mentoring_agreements WHERE nqsw_id = :n AND ended_on IS NULL",
            n=nqsw,
        ),
        "to_write": _one(
            conn,
            "SELECT r.id FROM support_requests r LEFT JOIN observations o "
            "ON o.request_id = r.id WHERE r.mentor_id = :m AND r.status = 'completed' "
            "AND o.locked_at IS NULL ORDER BY r.starts_at DESC LIMIT 1",
            m=mentor,
        ),
    }


def _to_write(conn, mentor: int) -> tuple[int, int]:
    """The mentor's busiest agreement in force with a review still to write, and its first
    such point: the page a mentor opens to write a review, the same kind of page at either
    scale (the demo has no review written, and reading a written one adds its audit row)."""
    rows = conn.execute(
        sa.text(
            "SELECT a.id, r.months FROM mentoring_agreements a "
            "LEFT JOIN agreement_reviews r ON r.agreement_id = a.id "
            "WHERE a.ended_on IS NULL AND a.id IN "
            "(SELECT agreement_id FROM agreement_versions WHERE mentor_id = :m) "
            "ORDER BY (SELECT count(*) FROM one_to_ones o WHERE o.agreement_id = a.id) DESC, a.id"
        ),
        {"m": mentor},
    ).all()
    written: dict[int, set] = {}
    for agreement, months in rows:
        written.setdefault(agreement, set()).add(months)
    return next(
        (agreement, months)
        for agreement, done in written.items()
        for months in (3, 6, 12)
        if months not in done
    )
