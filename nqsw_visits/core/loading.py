"""Related objects for a list of objects: one statement built once, set as loaded."""

from collections import defaultdict

from sqlalchemy.orm.attributes import set_committed_value

from nqsw_visits.core.extensions import db


def fill(objects, attribute: str, statement, *, by: str = "id", one: bool = False) -> None:
    """Set `attribute` on each object from `statement`, which gives (key, related) rows for
    the bind parameter `ids` (the objects' `by` values); `one`: the related object or None,
    otherwise a list in the statement's order. A SelectIn loader does the same, but works
    out its nested options again on every load: twice the time on a list's page."""
    wanted = sorted({getattr(found, by) for found in objects} - {None})
    related = defaultdict(list)
    if wanted:
        for key, row in db.session.execute(statement, {"ids": wanted}).unique():
            related[key].append(row)
    for found in objects:
        rows = related.get(getattr(found, by), [])
        set_committed_value(found, attribute, (rows[0] if rows else None) if one else rows)
