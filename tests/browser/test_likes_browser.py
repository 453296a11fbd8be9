"""The like button in a real browser: counts persist and travel live to other tabs."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import LikeCount
from tests.chromium import browser_context, visitors, wait_until_live
from tests.server import AppServer

SLUG = "hello-atoll"
FILLED = re.compile(r"^rgb\(")  # a filled heart's computed fill is its colour, an empty one "none"
POST = f"/blog/{SLUG}"


def stored() -> int:
    """The post's like total in the app's database."""
    with session_scope() as session:
        return session.exec(select(LikeCount.likes).where(LikeCount.post_slug == SLUG)).first() or 0


def open_post(page: Page) -> None:
    """Open the post and wait until its like button has loaded (it shows the stored total)."""
    page.goto(POST)
    wait_until_live(page)
    expect(page.locator("#post-title")).to_be_visible()
    expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".like-count")).to_have_text(str(stored()))


def count(page: Page) -> int:
    return int(page.locator(".like-count").inner_text())


def test_like_changes_the_count_and_survives_a_reload(page: Page, app_db: str):
    open_post(page)
    before = count(page)
    page.locator(".like-button").click()
    expect(page.locator(".like-count")).to_have_text(str(before + 1))
    expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".like-count")).to_have_text(str(before + 1))
    page.locator(".like-button").click()
    expect(page.locator(".like-count")).to_have_text(str(before))


def like_seen_live(clicker: Page, watcher: Page) -> int:
    """Like the post in ``clicker``; ``watcher``, another visitor, sees the new total
    without a reload. Returns the total before the click."""
    open_post(clicker)
    open_post(watcher)
    before = count(watcher)
    clicker.locator(".like-button").click()
    expect(clicker.locator(".like-count")).to_have_text(str(before + 1))
    expect(watcher.locator(".like-count")).to_have_text(str(before + 1))  # no reload
    expect(watcher.locator(".like-button")).to_have_attribute("aria-pressed", "false")
    return before


def test_a_second_browser_sees_the_count_change_live(
    browser: Browser, app_server: AppServer, app_db: str
):
    with visitors(browser, app_server.base_url) as [first, second]:
        like_seen_live(first, second)


def test_the_same_visitors_second_tab_fills_the_heart_live(
    browser: Browser, app_server: AppServer, app_db: str
):
    """Two tabs of one browser (one visitor cookie) and another visitor: a like in the first
    tab fills the heart in the second without a reload, and only the count in the other's."""
    with (
        browser_context(browser, app_server.base_url) as context,
        visitors(browser, app_server.base_url, count=1) as [stranger],
    ):
        first = context.new_page()
        open_post(first)  # the first page load sets the visitor cookie both tabs then share
        second = context.new_page()
        open_post(second)
        open_post(stranger)
        before = count(second)
        heart = ".like-button svg"
        expect(second.locator(heart)).to_have_css("fill", "none")
        first.locator(".like-button").click()
        expect(first.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        for page in (second, stranger):
            expect(page.locator(".like-count")).to_have_text(str(before + 1))
        expect(second.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(second.locator(heart)).to_have_css("fill", FILLED)
        expect(stranger.locator(".like-button")).to_have_attribute("aria-pressed", "false")
        expect(stranger.locator(heart)).to_have_css("fill", "none")

        second.locator(".like-button").click()  # unliked from the second tab: back in the first
        expect(first.locator(".like-button")).to_have_attribute("aria-pressed", "false")
        expect(first.locator(heart)).to_have_css("fill", "none")
        expect(first.locator(".like-count")).to_have_text(str(before))
        assert stored() == before


def test_unknown_slug_shows_not_found(page: Page):
    page.goto("/blog/no-such-post")
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.get_by_text("There is no post at this address.")).to_be_visible()


def test_home_lists_the_seeded_posts(page: Page):
    page.goto("/")
    expect(page.locator(".post-card")).to_have_count(3)
    page.locator(".post-card a").first.click()
    expect(page.locator("#post-title")).to_be_visible()
