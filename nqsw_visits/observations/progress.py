"""An NQSW's progress: observations, the ASYE count, standards seen, open actions; a print view."""

from flask import render_template
from flask_login import current_user

from ..extensions import db
from ..services import observations, portfolio
from . import bp
from .access import nqsw_for


@bp.get("/people/<int:nqsw_id>/progress")
def progress(nqsw_id: int):
    """The NQSW's observations against what the ASYE asks for (a summary, no notes)."""
    nqsw = nqsw_for(nqsw_id)
    return render_template(
        "observations/progress.html", nqsw=nqsw, progress=portfolio.progress(nqsw)
    )


@bp.get("/people/<int:nqsw_id>/portfolio")
def portfolio_print(nqsw_id: int):
    """The NQSW's signed observations, one to a printed page, without case references."""
    nqsw = nqsw_for(nqsw_id, own_only=True)
    found = portfolio.progress(nqsw)
    signed = [o for o in found.observations if o.locked_at is not None]
    for observation in signed:
        observations.record_read(current_user, observation, view="portfolio")
    db.session.commit()
    return render_template(
        "observations/portfolio.html",
        nqsw=nqsw,
        observations=signed,
        unsigned=len(found.observations) - len(signed),
    )
