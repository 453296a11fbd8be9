"""Lazy islands in Chromium: a reader opens no websocket; reaching for an island opens it.

The page's state comes with its HTML, so nothing needs the connection until a visitor
points at, touches or focuses a control (``app/render/web/lazy-islands.js``). What the
visitor then does is queued until the connection is open, and must not be lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.browser.test_likes_browser import POST, count, stored
from tests.chromium import browser_context
from tests.server import AppServer


@contextmanager
def watched(browser: Browser, app_server: AppServer) -> Iterator[tuple[Page, list[WebSocket]]]:
    """A fresh visitor's page, and the websockets it opens (empty while it only reads)."""
    with browser_context(browser, app_server.base_url) as context:
        page = context.new_page()
        sockets: list[WebSocket] = []
        page.on("websocket", lambda socket: sockets.append(socket))
        yield page, sockets


def settled(page: Page) -> None:
    """Until the page's scripts have run and the browser has been idle once after that:
    a page that was going to connect on its own has started to."""
    page.wait_for_function("() => window.atollIslands !== undefined")
    page.evaluate(
        "() => new Promise((done) => requestIdleCallback(() => setTimeout(done, 0),"
        " {timeout: 3000}))"
    )


def test_a_reader_opens_no_websocket_and_follows_links_as_page_loads(
    browser: Browser, app_server: AppServer, app_db: str
):
    with watched(browser, app_server) as (page, sockets):
        page.goto(POST)
        settled(page)
        expect(page.locator("#post-title")).to_be_visible()
        expect(page.locator(".like-count")).to_have_text(str(stored()))  # from the HTML
        page.mouse.wheel(0, 4000)  # scrolling past the islands is reading, not using them
        page.locator("body").click(position={"x": 5, "y": 5})  # nor is a click on the page
        settled(page)
        assert sockets == []
        expect(page.locator("main")).to_have_attribute("data-live", "false")

        documents: list[str] = []
        page.on(
            "request",
            lambda request: (
                documents.append(request.url) if request.is_navigation_request() else None
            ),
        )
        page.locator("a.site-nav-link[href='/blog']").first.click()
        expect(page).to_have_url(f"{app_server.base_url}/blog")
        settled(page)
        assert documents == [f"{app_server.base_url}/blog"]  # the server's HTML, not the router
        expect(page.locator(".post-card").first).to_be_visible()
        assert sockets == []


def test_pointing_at_the_like_button_connects_and_the_click_is_kept(
    browser: Browser, app_server: AppServer, app_db: str
):
    with watched(browser, app_server) as (page, sockets):
        page.goto(POST)
        settled(page)
        before = count(page)
        with page.expect_websocket():
            page.locator(".like-button").hover()
        page.locator(".like-button").click()
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("main")).to_have_attribute("data-live", "true")
        assert stored() == before + 1
        assert len(sockets) == 1


def test_a_click_before_the_connection_is_open_is_not_lost(
    browser: Browser, app_server: AppServer, app_db: str
):
    """Touch screens give no hover: the press wakes the islands and the same tap likes."""
    with watched(browser, app_server) as (page, _sockets):
        page.goto(POST)
        settled(page)
        before = count(page)
        page.locator(".like-button").click()  # pointerdown wakes, click queues the toggle
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        assert stored() == before + 1


def test_the_keyboard_wakes_the_islands(browser: Browser, app_server: AppServer, app_db: str):
    with watched(browser, app_server) as (page, sockets):
        page.goto(POST)
        settled(page)
        before = count(page)
        assert sockets == []
        page.locator(".like-button").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        assert len(sockets) == 1


def test_a_visitor_who_used_an_island_gets_their_own_state_without_reaching_for_it(
    browser: Browser, app_server: AppServer, app_db: str
):
    """The cached page is the same for everyone (no heart filled); a visitor with a cookie
    connects at idle time and sees their own like, in a new tab, with no interaction."""
    with browser_context(browser, app_server.base_url) as context:
        first = context.new_page()
        first.goto(POST)
        settled(first)
        first.locator(".like-button").click()
        expect(first.locator(".like-button")).to_have_attribute("aria-pressed", "true")

        second = context.new_page()
        with second.expect_websocket():
            second.goto(POST)
        expect(second.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(second.locator("main")).to_have_attribute("data-live", "true")
        first.locator(".like-button").click()  # and it follows the first tab live
        expect(second.locator(".like-button")).to_have_attribute("aria-pressed", "false")


def test_a_page_that_came_without_its_state_connects_at_once(
    browser: Browser, app_server: AppServer, app_db: str
):
    """The static pages (sign-in, account, admin) load their state over the connection."""
    with watched(browser, app_server) as (page, _sockets):
        with page.expect_websocket():
            page.goto("/login")
        expect(page.locator("main")).to_have_attribute("data-live", "true")
