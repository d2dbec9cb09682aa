"""Page numbers from the address, pages of a query or a list, and links to the other pages."""

from datetime import date, timedelta
from threading import Lock
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db

MAX_PAGE = 999_999  # past any list's end: a longer number means "the last page"


def page_number(name: str = "page") -> int:
    """The page asked for: not a whole number means the first page, a huge one the last."""
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit()):
        return 1
    return MAX_PAGE if len(value) > len(str(MAX_PAGE)) else min(max(int(value), 1), MAX_PAGE)


def paginate(query, per_page: int, name: str = "page", params: dict | None = None) -> Pagination:
    """One page of a select and the total, in one query; past the end, the last page.
    `params` fills the select's bind parameters, where it was built once for everyone."""
    number = page_number(name)
    rows = _rows(query, number, per_page, params)
    if not rows and number > 1:
        everything = select(func.count()).select_from(query.order_by(None).subquery())
        total = db.session.scalar(everything, params)
        number = max(-(-total // per_page), 1)
        rows = _rows(query, number, per_page, params)
    return _page(number, per_page, _items(query, rows), rows[0][-1] if rows else 0)


def first_page(query, per_page: int, params: dict | None = None) -> Pagination:
    """The first few of a list and how many there are in all, in one query (a home's to-dos)."""
    rows = _rows(query, 1, per_page, params)
    return _page(1, per_page, _items(query, rows), rows[0][-1] if rows else 0)


def paginate_list(rows: list, per_page: int, name: str = "page") -> Pagination:
    """One page of a list already bounded some other way (a time window); past the end, the last."""
    number = min(page_number(name), max(-(-len(rows) // per_page), 1))
    start = (number - 1) * per_page
    return _page(number, per_page, rows[start : start + per_page], len(rows))


def _items(query, rows: list) -> list:
    """A select of one mapped class pages its objects; a select of columns, its rows (each
    with the total as a last column, which the page ignores)."""
    first = query.column_descriptions[0]
    return [row[0] for row in rows] if first["expr"] is first["entity"] else rows


def _rows(query, number: int, per_page: int, params: dict | None) -> list:
    # The window count is worked out before LIMIT: the total comes with the page's rows.
    # A select built once gets its paged form built once too (and forgotten with it).
    with _PAGED_LOCK:
        pages = _PAGED.setdefault(query, {})
        counted = pages.get((number, per_page))
    if counted is None:
        counted = _paged(query, (number - 1) * per_page, per_page)
        with _PAGED_LOCK:
            if len(pages) < 100:
                pages[(number, per_page)] = counted
    return db.session.execute(counted, params).unique().all()


def _paged(query, offset: int, per_page: int):
    """The select's page with the total as a last column: worked out on the keys alone, then
    only the page's rows read whole. Sorting whole rows and their joined people before the
    LIMIT cost twice as much, and more as a list grows."""
    entity = query.column_descriptions[0]["entity"]
    keys = entity.__mapper__.primary_key if entity is not None else ()
    if len(keys) != 1:
        return query.add_columns(func.count().over()).limit(per_page).offset(offset)
    page = (
        query.with_only_columns(
            keys[0].label("key"), func.count().over().label("total"), maintain_column_froms=True
        )
        .limit(per_page)
        .offset(offset)
        .subquery()
    )
    return query.join(page, page.c.key == keys[0]).add_columns(page.c.total)


_PAGED: WeakKeyDictionary = WeakKeyDictionary()
_PAGED_LOCK = Lock()


class _Page(Pagination):
    """A page already fetched: its items and the total across all pages."""

    def _query_items(self) -> list:
        return self._query_args["found"]

    def _query_count(self) -> int:
        return self._query_args["total"]


def _page(number: int, per_page: int, items: list, total: int) -> Pagination:
    return _Page(page=number, per_page=per_page, max_per_page=None, found=items, total=total)


def page_href(number: int, name: str = "page", path: str | None = None) -> str:
    """This address at another page, keeping every other parameter (the filters)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != name]
    if number > 1:
        args.append((name, str(number)))
    query = urlencode(args)
    return (path or request.path) + (f"?{query}" if query else "")


def pagination_params(
    found: Pagination, name: str = "page", path: str | None = None, label: str = "Pagination"
) -> dict:
    """The GOV.UK pagination component's parameters for this page of results."""
    params = {"landmarkLabel": label, "items": []}
    for number in found.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if number is None:
            params["items"].append({"ellipsis": True})
        else:
            href = page_href(number, name, path)
            params["items"].append(
                {"number": number, "href": href, "current": number == found.page}
            )
    if found.has_prev:
        params["previous"] = {"href": page_href(found.prev_num, name, path)}
    if found.has_next:
        params["next"] = {"href": page_href(found.next_num, name, path)}
    return params


def shift_weeks(day: date, weeks: int) -> date:
    """The day some weeks later (or earlier, if negative): a time window's neighbours."""
    return day + timedelta(weeks=weeks)
