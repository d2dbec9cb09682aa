"""When an NQSW's practice manager changes (a team move or a new manager of the team), the
agreement stays with the NQSW and the new manager is asked, once, to take it over."""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.agreements.queries import _latest_versions as latest_versions
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications import notify
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people import audit
from nqsw_visits.people.models import TeamManager, User

ASK = "You are {name}'s practice manager now: take over their mentoring agreement and confirm it"


def waiting() -> list:
    """Open agreements whose named manager no longer manages the NQSW, with each new manager."""
    latest = latest_versions().subquery()
    new = aliased(TeamManager)
    named_still_manages = exists().where(
        TeamManager.team_id == User.team_id, TeamManager.user_id == latest.c.manager_id
    )
    return db.session.execute(
        select(MentoringAgreement.id, User.display_name, new.user_id)
        .join(User, User.id == MentoringAgreement.nqsw_id)
        .join(latest, latest.c.agreement_id == MentoringAgreement.id)
        .join(new, new.team_id == User.team_id)
        .where(
            MentoringAgreement.ended_on.is_(None),
            new.user_id != latest.c.manager_id,
            ~named_still_manages,
        )
        .order_by(MentoringAgreement.id, new.user_id)
    ).all()


def ask_new_managers(now: datetime) -> int:
    """Tell each new manager once, in-app and by email, without case detail; how many were."""
    count = 0
    for agreement_id, name, manager_id in waiting():
        message = ASK.format(name=name)[:200]
        asked = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == manager_id, Notification.message == message
            )
        )
        if asked is not None:
            continue
        manager = db.session.get(User, manager_id)
        notify.notify(manager, message, link=f"/agreements/{agreement_id}")
        audit.record(
            "agreement.take_over_asked",
            obj=db.session.get(MentoringAgreement, agreement_id),
            manager_id=manager_id,
        )
        count += 1
    return count
