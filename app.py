"""Entry point: `flask --app app run` or `gunicorn app:app`."""

from nqsw_visits import create_app

app = create_app()
