"""Steps a person takes in the browser, shared by the browser tests."""

from playwright.sync_api import Page, expect

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
