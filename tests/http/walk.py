"""Walking every page and fragment a person can reach, from the URL map and the links."""

import re
from html import unescape
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

from tests.http.world import HTMX, World

# Endpoints left out of the page walk, each for a reason.
NOT_PAGES = {
    "static": "files from disk",
    "calendars.feed": "checked as a calendar, with its secret address",
    "calendars.event": "checked as a calendar",
}
# The week the seeded requests fall in, for pages that show one week at a time.
SEEDED_WEEK = {
    "availability.diary": "week",
    "planning.planned": "week",
    "support_requests.inbox": "from",
}


LINK = re.compile(r'\s(?:href|hx-get)="(/[^"]*)"')


def links(html: str) -> list[str]:
    """Same-site addresses a page links to or fetches with htmx."""
    return [unescape(found) for found in LINK.findall(html)]


def _fill(rule, ids: dict) -> list[str]:
    """The rule's path once for each combination of the real ids its arguments take."""
    paths = [rule.rule]
    for name in rule.arguments:
        values = ids.get(name, [1])
        paths = [
            path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            for path in paths
            for value in values
        ]
    return paths


def walk(world: World, role: str):
    """Every GET page and fragment the role's seeds and their links reach: (path, htmx, answer).

    Seeds: every GET rule with every real id; then each link on a page once per endpoint,
    arguments and query names, so a week-by-week link is followed once, not forever.
    """
    client, app = world.clients[role], world.app
    adapter = app.url_map.bind("localhost")
    todo = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES:
            todo += _fill(rule, world.ids)
            if rule.endpoint in SEEDED_WEEK:
                query = f"?{SEEDED_WEEK[rule.endpoint]}=2027-03-01"
                todo += [path + query for path in _fill(rule, world.ids)]
    seen, shapes, refusals = set(todo), set(), set()
    while todo:
        path = todo.pop(0)
        endpoint = adapter.match(urlsplit(path).path, method="GET")[0]
        for htmx in (False, True):
            response = client.get(path, headers=HTMX if htmx else {})
            yield path, htmx, response
            refused = (endpoint, response.status_code)
            if response.status_code in (403, 404) and not htmx:
                # One refusal per view is seen as a fragment too: they differ only in the id.
                if refused in refusals:
                    break
                refusals.add(refused)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            for link in links(response.get_data(as_text=True)):
                address = urlsplit(link)
                try:
                    endpoint, args = adapter.match(address.path, method="GET")
                except HTTPException:  # not one of the app's pages
                    continue
                keys = tuple(sorted(k.split("=")[0] for k in address.query.split("&") if k))
                shape = (endpoint, tuple(sorted(args.items())), keys)
                if endpoint in NOT_PAGES or link in seen or shape in shapes:
                    continue
                seen.add(link)
                shapes.add(shape)
                todo.append(link)
