"""Entry point: `flask --app app run` or `gunicorn app:app`."""

import gc

from nqsw_visits import create_app

app = create_app()

# A page makes thousands of short-lived objects (ORM rows, template nodes); at Python's
# default threshold of 700 the collector runs several times a page, and every tenth
# run or so walks the whole long-lived heap of the loaded app (tens of milliseconds).
# A larger first generation collects as surely, a few times less often.
gc.set_threshold(10_000, 10, 10)
