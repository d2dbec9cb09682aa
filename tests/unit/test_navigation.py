"""The layout's addresses: path_to builds each address as url_for does, however it is asked."""

import pytest
from flask import url_for

CASES = [
    ("support_requests.show", {"request_id": 7}),
    ("support_requests.show", {"request_id": 0}),
    ("availability.diary", {"mentor_id": 12, "week": 3}),  # an id in the path, one in the query
    ("support_requests.ask", {"mentor": 5}),
    ("support_requests.ask", {"mentor": 5, "kind": "home_visit", "day": "2027-02-28"}),
    ("admin.people_list", {"page": 2, "q": "Ada & <Bea>"}),
    ("notifications.index", {}),
]


@pytest.mark.parametrize(("endpoint", "values"), CASES)
def test_path_to_gives_what_url_for_gives(app, endpoint, values):
    path_to = app.jinja_env.globals["path_to"]
    with app.test_request_context("/"):
        assert path_to(endpoint, **values) == url_for(endpoint, **values)
        assert path_to(endpoint, **values) == url_for(endpoint, **values)  # the kept form


def test_each_row_gets_its_own_address(app):
    path_to = app.jinja_env.globals["path_to"]
    with app.test_request_context("/"):
        found = [path_to("support_requests.show", request_id=n) for n in (1, 22, 333)]
    assert found == ["/requests/1", "/requests/22", "/requests/333"]


def test_an_application_below_a_path_keeps_its_prefix(app):
    path_to = app.jinja_env.globals["path_to"]
    with app.test_request_context("/"):
        path_to("support_requests.show", request_id=1)
    with app.test_request_context("/", base_url="http://localhost/alongside/"):
        assert url_for("support_requests.show", request_id=1) == "/alongside/requests/1"
        assert path_to("support_requests.show", request_id=1) == "/alongside/requests/1"


def test_text_and_flags_are_built_by_url_for(app):
    path_to = app.jinja_env.globals["path_to"]
    with app.test_request_context("/"):
        assert path_to("support_requests.show", request_id=True) == url_for(
            "support_requests.show", request_id=True
        )
        assert path_to("support_requests.show", request_id=4, _anchor="x") == "/requests/4#x"
