"""The like button in a real browser: counts persist and travel live to other tabs."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import LikeCount
from tests.chromium import visitors, wait_until_live
from tests.server import AppServer

SLUG = "hello-atoll"
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


def test_unknown_slug_shows_not_found(page: Page):
    page.goto("/blog/no-such-post")
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.get_by_text("There is no post at this address.")).to_be_visible()


def test_home_lists_the_seeded_posts(page: Page):
    page.goto("/")
    expect(page.locator(".post-card")).to_have_count(3)
    page.locator(".post-card a").first.click()
    expect(page.locator("#post-title")).to_be_visible()
