"""A bare Flask 'hello' page: the yardstick every page of the bench is a share of."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The smallest page Flask can serve."""
    return "Hello"
