"""Error pages (GOV.UK layout, no traceback, fragments for htmx) and the health check."""

import pytest

from nqsw_visits import create_app
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.core.security import public
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests.details import SchedulingError
from tests.conftest import FreshContextClient, sign_in
from tests.factories import make_user

SECRET_DETAIL = "database password is hunter2"
HTMX = {"HX-Request": "true"}


def assert_govuk_page(response, title: str) -> None:
    page = response.get_data(as_text=True)
    assert 'class="govuk-template"' in page
    assert f'<h1 class="govuk-heading-l">{title}</h1>' in page
    assert "Traceback" not in page and "File &#34;" not in page


def assert_fragment(response, title: str) -> None:
    page = response.get_data(as_text=True)
    assert "<html" not in page and "govuk-template" not in page
    assert "govuk-error-summary" in page and title in page


@pytest.fixture
def broken_app(app, app_config):
    """A fresh app with routes that fail, added before its first request."""
    broken = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @broken.get("/boom")
    @public
    def boom():
        raise RuntimeError(SECRET_DETAIL)

    @broken.get("/boom-signed-in")
    def boom_signed_in():
        raise ZeroDivisionError(SECRET_DETAIL)

    broken.test_client_class = FreshContextClient
    db.session.commit()
    return broken


def test_404_page(client):
    """Guards the 404 page: the GOV.UK layout with a way home."""
    sign_in(client, make_user())
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_govuk_page(response, "Page not found")
    assert 'href="/"' in response.get_data(as_text=True)


def test_403_page(client):
    """Guards the 403 page for a role that may not see a page."""
    sign_in(client, make_user(Role.NQSW))
    response = client.get("/admin/people")
    assert response.status_code == 403
    assert_govuk_page(response, "You do not have access to this page")


def test_405_page(client):
    """Guards the 405 page for a GET on a POST-only route."""
    sign_in(client, make_user())
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert_govuk_page(response, "Sorry, that action is not allowed here")
    assert "POST" in response.headers["Allow"]


def test_500_page_hides_the_exception(broken_app):
    """Guards against leaking internals: an unexpected error shows a plain GOV.UK page."""
    response = broken_app.test_client().get("/boom")
    assert response.status_code == 500
    assert_govuk_page(response, "Sorry, there is a problem with the service")
    page = response.get_data(as_text=True)
    assert SECRET_DETAIL not in page and "RuntimeError" not in page


def test_500_for_a_signed_in_person_keeps_the_layout(broken_app):
    """A crash on a signed-in page still renders the navigation and no detail."""
    client = broken_app.test_client()
    sign_in(client, make_user(Role.ADMIN))
    response = client.get("/boom-signed-in")
    assert response.status_code == 500
    assert_govuk_page(response, "Sorry, there is a problem with the service")
    page = response.get_data(as_text=True)
    assert "Sign out" in page
    assert SECRET_DETAIL not in page and "ZeroDivisionError" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_500_for_htmx_is_a_short_fragment(broken_app):
    response = broken_app.test_client().get("/boom", headers=HTMX)
    assert response.status_code == 500
    assert_fragment(response, "Sorry, there is a problem with the service")
    assert SECRET_DETAIL not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "method", "path", "code", "title"),
    [
        (Role.ADMIN, "GET", "/admin/people/999999", 404, "Page not found"),
        (Role.NQSW, "GET", "/admin/people", 403, "You do not have access to this page"),
        (Role.NQSW, "GET", "/sign-out", 405, "Sorry, that action is not allowed here"),
    ],
)
def test_htmx_errors_are_fragments(client, role, method, path, code, title):
    """Guards htmx error handling: a fragment, never a whole page swapped into a panel."""
    sign_in(client, make_user(role))
    response = client.open(path, method=method, headers=HTMX)
    assert response.status_code == code
    assert_fragment(response, title)


def test_boosted_htmx_request_gets_the_whole_page(client):
    """A boosted link replaces the whole page, so it needs the full layout."""
    sign_in(client, make_user(Role.NQSW))
    response = client.get("/admin/people", headers={**HTMX, "HX-Boosted": "true"})
    assert response.status_code == 403
    assert_govuk_page(response, "You do not have access to this page")


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_reports_ok_without_sign_in(client):
    """Guards the health check: public, and says nothing beyond ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database_as_503(app, app_config, tmp_path):
    """A database that cannot be reached answers 503, still with nothing else said."""
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    down = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    down.test_client_class = FreshContextClient
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unavailable"}


@pytest.fixture
def refusing_app(app, app_config):
    """A fresh app with routes whose rules refuse, and no view that catches the refusal."""
    refusing = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @refusing.get("/refused/<int:status>")
    @public
    def refused(status: int):
        raise SchedulingError("Someone else has just booked that time", status=status)

    refusing.test_client_class = FreshContextClient
    db.session.commit()
    return refusing


def test_a_refusal_no_view_catches_is_answered_in_one_place(refusing_app):
    """Every area's refusal shares one base; one handler gives its status and its words."""
    assert issubclass(SchedulingError, Refusal) and issubclass(GroupSessionError, Refusal)
    client = refusing_app.test_client()
    conflict = client.get("/refused/409")
    assert conflict.status_code == 409
    assert_govuk_page(conflict, "Someone else has just booked that time")
    fragment = client.get("/refused/422", headers=HTMX)
    assert fragment.status_code == 422
    assert_fragment(fragment, "Someone else has just booked that time")
    hidden = client.get("/refused/404")
    assert hidden.status_code == 404
    assert_govuk_page(hidden, "Page not found")
    assert "booked" not in hidden.get_data(as_text=True)
