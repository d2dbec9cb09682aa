"""Address converters: an id in an address is a whole number the database can hold."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is wider, and ids never get near either


class IdConverter(IntegerConverter):
    """`<int:...>` matching only ids that fit an integer column; any larger is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)
