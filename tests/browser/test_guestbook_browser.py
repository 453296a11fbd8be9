"""The guestbook in a real browser: field errors, live entries, and no-JavaScript posting."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import GuestbookEntry
from tests.chromium import browser_context, visitors, wait_until_live
from tests.server import AppServer


def stored(author: str) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count()).select_from(GuestbookEntry).where(GuestbookEntry.author == author)
        ).one()


def test_bad_input_shows_field_errors_and_stores_nothing(page: Page, app_db: str):
    page.goto("/guestbook")
    wait_until_live(page)
    expect(page.get_by_text("Signatures", exact=True)).to_be_visible()
    page.fill("#guestbook-author", "Z")
    page.get_by_role("button", name="Sign the guestbook").click()
    expect(page.locator("#guestbook-author-error")).to_have_text(
        "Name must be at least 2 characters."
    )
    expect(page.locator("#guestbook-content-error")).to_have_text("Message is required.")
    expect(page.locator("#guestbook-author")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#guestbook-author")).to_be_focused()
    assert stored("Z") == 0


def test_good_input_appears_without_a_reload(page: Page, app_db: str):
    page.goto("/guestbook")
    wait_until_live(page)
    expect(page.get_by_text("Signatures", exact=True)).to_be_visible()
    page.fill("#guestbook-author", "Browser Visitor")
    page.fill("#guestbook-content", "Signed from Chromium")
    url_before = page.url
    page.get_by_role("button", name="Sign the guestbook").click()
    expect(page.locator(".guestbook-entry").first).to_contain_text("Signed from Chromium")
    expect(page.get_by_text("Thanks for signing the guestbook!")).to_be_visible()
    expect(page.locator("#guestbook-author")).to_have_value("")
    expect(page.locator("#guestbook-author-error")).to_have_text("")
    assert page.url == url_before
    assert stored("Browser Visitor") == 1


def test_another_open_guestbook_shows_the_new_entry_live(browser: Browser, app_server: AppServer):
    with visitors(browser, app_server.base_url) as [writer, reader]:
        for p in (writer, reader):
            p.goto("/guestbook")
            wait_until_live(p)
            expect(p.get_by_text("Signatures", exact=True)).to_be_visible()
        writer.fill("#guestbook-author", "Live Writer")
        writer.fill("#guestbook-content", "Hello, other tab")
        writer.get_by_role("button", name="Sign the guestbook").click()
        expect(reader.locator(".guestbook-entry").first).to_contain_text("Hello, other tab")


def test_without_javascript_the_form_still_posts(
    browser: Browser, app_server: AppServer, app_db: str
):
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/guestbook")
        page.fill("#guestbook input[name=author]", "No JS Visitor")
        page.fill("#guestbook textarea[name=content]", "Posted as a plain HTML form")
        page.locator("#guestbook button[type=submit]").click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
        assert stored("No JS Visitor") == 1
        page.locator("#back").click()
        assert "/guestbook" in page.url
