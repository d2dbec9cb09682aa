"""Steps a person takes in the browser, shared by the browser tests."""

from datetime import date

from playwright.sync_api import Locator, Page, expect

from tests.factories import DEFAULT_PASSWORD


def sign_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Fill in and send the sign-in form."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def sign_out(page: Page) -> None:
    """Press the header's Sign out button."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")


def expect_heading(page: Page, text: str) -> None:
    """The page's h1 reads exactly this."""
    expect(page.locator("h1")).to_have_text(text)


def success_banner(page: Page):
    """The green notification banner."""
    return page.locator(".govuk-notification-banner--success")


MARKER = "set before the swap"


def assert_clean(failures: list[str]) -> None:
    """No axe, CSP or script problems were collected."""
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def unchecked(_page: Page, _name: str) -> list[str]:
    """An audit that checks nothing, for pages axe cannot run on (JavaScript off)."""
    return []


def long_date(day: date) -> str:
    """A date as the pages write it: 1 December 2026."""
    return f"{day.day} {day:%B %Y}"


def press(page: Page, target: Locator, in_place: bool) -> None:
    """Click; unless the page updates in place, wait for the page load the click causes."""
    if in_place:
        target.click()
    else:
        with page.expect_navigation():
            target.click()


def set_marker(page: Page) -> None:
    """Mark the window, so a test can tell a swap in place from a page load."""
    page.evaluate(f"window.__marker = {MARKER!r}")


def diary_day(page: Page, day: date) -> Locator:
    """The summary list under a day's heading in the diary."""
    heading = page.locator("h2", has_text=day.strftime("%A %-d %B"))
    return heading.locator("xpath=following-sibling::dl[1]")
