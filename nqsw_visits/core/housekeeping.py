"""Routine work from the app itself, at most every few minutes: whatever the areas add
(marking ended support requests completed, review reminders and so on).

`flask complete-past` (and each area's own command) from cron does the same; this keeps a
small install right without one. The work runs in a thread after the response, so no page
waits for it.
"""

import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db

# Each job takes the moment it runs, in its own transaction; areas add theirs at import.
JOBS: list[Callable[[datetime], object]] = []


def add_job(job: Callable[[datetime], object]) -> None:
    """Run this job with the others, after a response now and then."""
    if job not in JOBS:
        JOBS.append(job)


def _complete_in_background(app: Flask) -> threading.Thread:
    def work():
        with app.app_context():
            for job in JOBS:
                try:
                    job(clock.now())
                    db.session.commit()
                except SQLAlchemyError:  # a busy database: the next run will catch up
                    db.session.rollback()
                    app.logger.warning("Routine job %s failed", job.__name__)
            db.session.remove()

    thread = threading.Thread(target=work, name="complete-past", daemon=True)
    thread.start()
    return thread


def init_housekeeping(app: Flask) -> None:
    """After a response, complete past accompaniments if the last run is old enough."""
    state = {"last": float("-inf"), "thread": None}
    lock = threading.Lock()
    app.extensions["housekeeping"] = state

    @app.after_request
    def complete_past_now_and_then(response):
        every = app.config["COMPLETE_PAST_EVERY_SECONDS"]
        if every > 0:
            with lock:
                due = clock.monotonic() - state["last"] >= every
                if due:
                    state["last"] = clock.monotonic()
            if due:
                state["thread"] = _complete_in_background(app)
        return response
