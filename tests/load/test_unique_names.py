"""Two administrators add the same team or email at the same moment: one is added, one is told.

Each is its own signed-in HTTP session against a real threaded server, released together
by a barrier; on PostgreSQL both checks can pass and the unique rule decides.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, Team, User
from tests.factories import make_user
from tests.load.live import SLOWER, TIMEOUT

pytestmark = pytest.mark.timeout(240 * SLOWER)

CLIENTS = 4
ROUNDS = 5


def race(server, admins, path: str, forms: list[dict]) -> Counter:
    """Post each form from its own admin session at once; the statuses, and what each said."""
    barrier = threading.Barrier(len(forms), timeout=TIMEOUT)

    def post(index: int) -> tuple[int, str]:
        barrier.wait()
        return admins[index].send("POST", path, forms[index])

    with ThreadPoolExecutor(len(forms)) as pool:
        answers = list(pool.map(post, range(len(forms))))
    seen = Counter(status for status, _ in answers)
    seen["told"] = sum("already exists" in page for status, page in answers if status == 422)
    return seen


@pytest.fixture
def admins(server):
    emails = [make_user(Role.ADMIN).email for _ in range(CLIENTS)]
    db.session.commit()  # reading an email began a transaction: end it before the server writes
    return [server.session().sign_in(email) for email in emails]


def test_the_same_team_name_at_once_adds_one_team(server, admins):
    for round_ in range(ROUNDS):
        # Spelled differently each time: case, spacing and Unicode form all name one team.
        spellings = [f"{{Öc {round_}", f" {{öC {round_} ", f"{{O\u0308c {round_}", f"{{ÖC {round_}"]
        seen = race(server, admins, "/admin/teams", [{"name": s} for s in spellings])
        assert seen[302] == 1 and seen[422] == CLIENTS - 1 == seen["told"], seen
    db.session.commit()
    assert db.session.scalar(select(func.count(Team.id))) == ROUNDS


def test_the_same_email_at_once_adds_one_account(server, admins):
    for round_ in range(ROUNDS):
        forms = [
            {
                "display_name": f"Ann Lee {n}",
                "email": f"ANN.LEE.{round_}@example.org"
                if n % 2
                else f"ann.lee.{round_}@example.org",
                "roles": ["nqsw"],
                "team": "0",
                "new_password": "copper kettle harbour lantern",
                "confirm_password": "copper kettle harbour lantern",
            }
            for n in range(CLIENTS)
        ]
        seen = race(server, admins, "/admin/people/new", forms)
        assert seen[302] == 1 and seen[422] == CLIENTS - 1 == seen["told"], seen
    db.session.commit()
    added = select(func.count(User.id)).where(User.email.like("ann.lee.%"))
    assert db.session.scalar(added) == ROUNDS
