"""The layout's links: the service navigation each person sees, and its fixed addresses."""

from flask import Flask, has_request_context, request, url_for

from nqsw_visits.core.database import SAFE_METHODS
from nqsw_visits.core.security import signed_in_user
from nqsw_visits.notifications.queries import unread_count, unread_figure
from nqsw_visits.people import signin
from nqsw_visits.people.models import Role

# (role, label, endpoint, endpoint prefix that marks it current)
NAVIGATION = [
    (Role.NQSW, "My support", "dashboard.nqsw", "dashboard.nqsw"),
    (Role.NQSW, "Ask for support", "support_requests.ask", "support_requests.ask"),
    (
        Role.NQSW,
        "My requests",
        "support_requests.mine",
        ("support_requests.mine", "support_requests.show"),
    ),
    (Role.NQSW, "My agreement", "agreements.index", "agreements."),
    (Role.NQSW, "Group sessions", "group_sessions.index", "group_sessions."),
    (Role.MENTOR, "Mentoring", "dashboard.mentor", "dashboard.mentor"),
    (Role.MENTOR, "Requests", "support_requests.inbox", "support_requests.inbox"),
    (
        Role.MENTOR,
        "My availability",
        "availability.edit",
        ("availability.e", "availability.w", "availability.l"),
    ),
    (Role.MENTOR, "My diary", "availability.diary", "availability.diary"),
    (Role.PRACTICE_MANAGER, "My team", "dashboard.manager", "dashboard.manager"),
    (Role.PRACTICE_MANAGER, "Planned support", "planning.planned", "planning."),
    (Role.MENTOR, "Agreements", "agreements.index", "agreements."),
    (Role.MENTOR, "Group sessions", "group_sessions.index", "group_sessions."),
    (Role.PRACTICE_MANAGER, "Agreements", "agreements.index", "agreements."),
    (Role.ADMIN, "Administration", "admin.index", "admin.index"),
    (Role.ADMIN, "People", "admin.people_list", "admin.p"),
    (Role.ADMIN, "Teams", "admin.teams", "admin.team"),
    (Role.ADMIN, "Group sessions", "group_sessions.index", "group_sessions."),
]

# The layout's own addresses, the same on every page of a deployment.
LAYOUT_LINKS = {
    "favicon": ("static", {"filename": "favicon.svg"}),
    "stylesheet": ("static", {"filename": "govuk/alongside-6.3.0.min.css"}),
    "htmx": ("static", {"filename": "vendor/htmx-2.0.11.min.js"}),
    "script": ("static", {"filename": "app.js"}),
    "home": ("dashboard.index", {}),
    "change_password": ("auth.change_password", {}),
    "sign_out": ("auth.logout", {}),
    "accessibility": ("pages.accessibility", {}),
}
KEPT_MENUS = 2000  # each person's links, a few hundred bytes each
KEPT_ADDRESSES = 2000  # one an endpoint and set of value names: a few dozen in all
KEPT_HEADERS = 2000  # rendered menus, one a person, page kind and count: about 6 MB at most
# Stands in for the account links (with their CSRF token) in the kept service navigation.
ACCOUNT_LINKS_SLOT = "app-account-links-slot"
UNREAD = "unread_notifications"  # the count in the menu, read with the session


def kept(store: dict, limit: int, key, make, *args):
    """What `make(*args)` gave for this key, made once; a full store starts again empty."""
    found = store.get(key)
    if found is None:
        if len(store) >= limit:  # start again: what is asked for now is kept, not the oldest
            store.clear()
        found = store[key] = make(*args)
    return found


def _layout_links() -> dict[str, str]:
    return {name: url_for(endpoint, **values) for name, (endpoint, values) in LAYOUT_LINKS.items()}


def layout_links(store: dict):
    """A template global: the layout's fixed addresses, built once per application root."""

    def links() -> dict[str, str]:
        # url_for takes some forty Python calls; these eight were on every page.
        return kept(store, 8, request.script_root, _layout_links)

    return links


_MARK = 7_919_000_000_000  # no row has such an id: marks where each value goes in an address


def addresses(store: dict):
    """A template global standing in for url_for: an endpoint's address is built once with
    marks for its whole-number values, which each later row fills in as text."""

    # url_for takes some forty Python calls; a list of fifty people made fifty of them.
    def href(endpoint: str, **values) -> str:
        for value in values.values():
            if type(value) is not int or value < 0:  # text: as url_for does
                return url_for(endpoint, **values)
        if not has_request_context() or endpoint[:1] == ".":  # no page, or relative to it
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *values)
        pattern = kept(store, KEPT_ADDRESSES, key, _pattern, endpoint, tuple(values))
        return pattern.format(*values.values())

    return href


def _pattern(endpoint: str, names: tuple) -> str:
    built = url_for(endpoint, **{name: _MARK + number for number, name in enumerate(names)})
    built = built.replace("{", "{{").replace("}", "}}")
    for number in range(len(names)):
        built = built.replace(str(_MARK + number), f"{{{number}}}")
    return built


def _menu(user) -> tuple:
    """Each of the person's links: (label, address, endpoint, prefix that marks it current)."""
    roles, items, seen = user.roles, [], set()
    for role, label, target, prefix in NAVIGATION:
        if role not in roles or target in seen:
            continue
        seen.add(target)
        mine = target.startswith("availability.")
        href = url_for(target, mentor_id=user.id) if mine else url_for(target)
        items.append((label, href, target, prefix, mine))
    return tuple(items)


def service_navigation(menus: dict, headers: dict):
    """A template global: the signed-in person's service navigation, rendered once per
    person, page kind and unread count, with the account links' slot left open."""

    def navigation(component):
        user = signed_in_user()
        roles = frozenset(user.roles)
        links = kept(menus, KEPT_MENUS, (request.script_root, user.id, roles), _menu, user)
        endpoint = request.endpoint or ""
        own_page = (request.view_args or {}).get("mentor_id", user.id) == user.id
        current = tuple(
            endpoint.startswith(prefix) and (own_page or not mine)
            for _, _, _, prefix, mine in links
        )
        on_notifications, unread = endpoint.startswith("notifications."), _unread(user)
        key = (request.script_root, user.id, roles, current, on_notifications, unread)
        # Built and rendered only when this menu is not kept yet.
        menu = (links, current, on_notifications, unread)
        return kept(headers, KEPT_HEADERS, key, lambda: component(_params(*menu)))

    return navigation


def _unread(user) -> int:
    # A page read shows the count read with the session; a change's own page asks again.
    figures = user.session_figures
    if request.method in SAFE_METHODS and figures and UNREAD in figures:
        return figures[UNREAD]
    return unread_count(user.id)


def _params(links: tuple, current: tuple, on_notifications: bool, unread: int) -> dict:
    items = [
        {"text": label, "href": href, "current": now, "target": target}
        for (label, href, target, _, _), now in zip(links, current, strict=True)
    ]
    items.append(
        {
            "text": f"Notifications ({unread} new)" if unread else "Notifications",
            "href": url_for("notifications.index"),
            "current": on_notifications,
        }
    )
    return {
        "navigation": items,
        "navigationLabel": "Menu",
        "slots": {"navigationEnd": ACCOUNT_LINKS_SLOT},
    }


def register_layout_helpers(app: Flask) -> None:
    """The layout's links and menu as template globals, each app with its own kept copies."""
    app.add_template_global(layout_links({}), "layout_links")
    app.add_template_global(addresses({}), "path_to")
    app.add_template_global(service_navigation({}, {}), "service_navigation")
    app.add_template_global(ACCOUNT_LINKS_SLOT, "ACCOUNT_LINKS_SLOT")
    signin.read_with_session(UNREAD, unread_figure)
