"""Mark ended accompaniments as completed from the app itself, at most every few minutes.

`flask complete-past` from cron does the same; this keeps a small install right without
one. The work runs in a thread after the response, so no page waits for it.
"""

import threading
import time

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import utcnow
from .services.scheduling import complete_past


def _complete_in_background(app: Flask) -> threading.Thread:
    def work():
        with app.app_context():
            try:
                complete_past(utcnow())
                db.session.commit()
            except SQLAlchemyError:  # a busy database: the next run will catch up
                db.session.rollback()
                app.logger.warning("Marking past accompaniments as completed failed")
            finally:
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
                due = time.monotonic() - state["last"] >= every
                if due:
                    state["last"] = time.monotonic()
            if due:
                state["thread"] = _complete_in_background(app)
        return response
