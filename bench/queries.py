"""Statements per page, counted in-process with the test client on one data set."""

import sqlalchemy as sa

from bench.client import PASSWORD
from bench.targets import ROLES, Page
from nqsw_visits import create_app
from nqsw_visits.core.extensions import db


def count(url: str, pages: list[Page]) -> dict[str, tuple[int, int]]:
    """For each page name: (statements run, status) as its role sees it."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-only-secret-key-not-for-real-use",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    seen = [0]
    with app.app_context():
        engine = db.engine

    def counting(_conn, _cursor, statement, *_args):
        # As the tests count: statements, not the transaction control around them.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen[0] += 1

    sa.event.listen(engine, "before_cursor_execute", counting)
    clients = {None: app.test_client()}
    for role, email in ROLES.items():
        clients[role] = app.test_client()
        clients[role].post("/sign-in", data={"email": email, "password": PASSWORD})
    found = {}
    try:
        for page in pages:
            clients[page.role].get(page.path, headers=page.headers)  # warm caches first
            seen[0] = 0
            response = clients[page.role].get(page.path, headers=page.headers)
            found[page.name] = (seen[0], response.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", counting)
        engine.dispose()
    return found
