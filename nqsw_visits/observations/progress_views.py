"""An NQSW's progress: observations, the ASYE count, standards seen, open actions; a print view."""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from flask import render_template
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.database import kept_as_loaded
from nqsw_visits.core.dates import date_arg
from nqsw_visits.core.extensions import db
from nqsw_visits.core.paging import paginate
from nqsw_visits.observations import portfolio
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.access import nqsw_for
from nqsw_visits.observations.blueprint import bp

OBSERVATIONS_PER_PAGE = 20
ACTIONS_PER_PAGE = 20
PORTFOLIO_DAYS = 365  # the print view's default: the last twelve months
PORTFOLIO_PER_PAGE = 12
PARTS_DAYS = 365  # what the areas above add covers the last twelve months

# Parts of the page that areas above this one add, by name: each takes (nqsw_id, since,
# until). Group sessions add the development time they gave.
PARTS: dict[str, Callable[[int, datetime, datetime], object]] = {}


def add_part(name: str, part: Callable[[int, datetime, datetime], object]) -> None:
    """Let an area above add a part to the progress page."""
    PARTS[name] = part


@bp.get("/people/<int:nqsw_id>/progress")
def progress(nqsw_id: int):
    """The NQSW's observations against what the ASYE asks for (a summary, no notes)."""
    nqsw = nqsw_for(nqsw_id)
    now = clock.now()
    since = now - timedelta(days=PARTS_DAYS)
    return render_template(
        "observations/progress.html",
        nqsw=nqsw,
        progress=portfolio.progress(nqsw),
        observations=paginate(
            portfolio.observations_query(), OBSERVATIONS_PER_PAGE, params=portfolio.of(nqsw)
        ),
        actions=paginate(
            portfolio.open_actions_query(), ACTIONS_PER_PAGE, "actions", portfolio.of(nqsw)
        ),
        **{name: part(nqsw.id, since, now) for name, part in PARTS.items()},
    )


@bp.get("/people/<int:nqsw_id>/portfolio")
def portfolio_print(nqsw_id: int):
    """The NQSW's signed observations in a date range, one to a printed page, no case references."""
    nqsw = nqsw_for(nqsw_id, own_only=True)
    last = date_arg("to", clamp=True) or clock.today()
    first = min(date_arg("from", clamp=True) or last - timedelta(days=PORTFOLIO_DAYS), last)
    start = datetime.combine(first, time(0), tzinfo=zone())
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone())
    signed = paginate(
        portfolio.portfolio_query(), PORTFOLIO_PER_PAGE, params=portfolio.of(nqsw, start, end)
    )
    portfolio.with_details(signed.items)
    page = render_template(
        "observations/portfolio.html",
        nqsw=nqsw,
        observations=signed,
        unsigned=portfolio.unsigned_count(nqsw, start, end),
        first=first,
        last=last,
    )
    # Recorded once the page is rendered: the audit write ends the read transaction.
    with kept_as_loaded():
        observations.record_portfolio_read(current_user, nqsw, signed.items)
        db.session.commit()
    return page
