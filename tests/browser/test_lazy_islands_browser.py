"""Lazy islands in Chromium: a reader loads no script and opens no websocket; reaching for
an island loads them.

The page's content and state come with its HTML and its forms work without JavaScript, so
nothing needs the scripts until a visitor points at, touches or focuses a control
(``lazyIslands`` in ``app/render/web/server.mjs``). A click that comes before React has
hydrated the control is held and replayed, and must not be lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.browser.test_likes_browser import POST, count, stored
from tests.chromium import browser_context
from tests.server import AppServer


@dataclass
class Traffic:
    """What a page fetched beyond its HTML: scripts and websockets (none while it only reads)."""

    scripts: list[str] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)


@contextmanager
def watched(browser: Browser, app_server: AppServer) -> Iterator[tuple[Page, Traffic]]:
    """A fresh visitor's page, and the scripts and websockets it loads."""
    with browser_context(browser, app_server.base_url) as context:
        page = context.new_page()
        traffic = Traffic()
        page.on("websocket", lambda socket: traffic.sockets.append(socket))
        page.on(
            "request",
            lambda request: (
                traffic.scripts.append(request.url) if request.resource_type == "script" else None
            ),
        )
        yield page, traffic


def settled(page: Page) -> None:
    """Until the page has loaded and the browser has been idle once after that: a page that
    was going to load its scripts on its own has started to."""
    page.wait_for_function("() => window.atollIslands !== undefined")
    page.evaluate(
        "() => new Promise((done) => requestIdleCallback(() => setTimeout(done, 0),"
        " {timeout: 3000}))"
    )


def navigations(page: Page) -> list[str]:
    """The documents ``page`` loads from now on (a no-JS form post would be one)."""
    loaded: list[str] = []
    page.on(
        "request",
        lambda request: loaded.append(request.url) if request.is_navigation_request() else None,
    )
    return loaded


def test_a_reader_loads_no_script_and_opens_no_websocket(
    browser: Browser, app_server: AppServer, app_db: str
):
    with watched(browser, app_server) as (page, traffic):
        page.goto(POST)
        settled(page)
        expect(page.locator("#post-title")).to_be_visible()
        expect(page.locator(".like-count")).to_have_text(str(stored()))  # from the HTML
        page.mouse.wheel(0, 4000)  # scrolling past the islands is reading, not using them
        page.locator("#post-title").click()  # nor is a click on the text
        settled(page)
        assert traffic.scripts == []
        assert traffic.sockets == []

        documents = navigations(page)
        page.locator("a.site-nav-link[href='/blog']").first.click()
        expect(page).to_have_url(f"{app_server.base_url}/blog")
        settled(page)
        assert documents == [f"{app_server.base_url}/blog"]  # the server's HTML
        expect(page.locator(".post-card").first).to_be_visible()
        assert traffic.scripts == []
        assert traffic.sockets == []


def test_pointing_at_the_like_button_loads_the_island_and_the_click_likes(
    browser: Browser, app_server: AppServer, app_db: str
):
    with watched(browser, app_server) as (page, traffic):
        page.goto(POST)
        settled(page)
        before = count(page)
        with page.expect_websocket():
            page.locator(".like-button").hover()
        assert traffic.scripts  # loaded on the way to the button
        documents = navigations(page)
        page.locator(".like-button").click()
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("main")).to_have_attribute("data-live", "true")
        assert stored() == before + 1
        assert len(traffic.sockets) == 1
        assert documents == []  # the island did it, not the plain form


def test_a_tap_before_the_island_has_loaded_is_held_and_replayed(
    browser: Browser, app_server: AppServer, app_db: str
):
    """A phone gives no hover: the tap wakes the islands, and the click that comes with it,
    before any script has arrived, is replayed once React has hydrated the button."""
    with browser_context(browser, app_server.base_url, has_touch=True) as context:
        page = context.new_page()
        page.goto(POST)
        settled(page)
        before = count(page)
        documents = navigations(page)
        page.locator(".like-button").tap()
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        assert stored() == before + 1  # once: the replay, not also the plain form
        assert documents == []


def test_the_keyboard_wakes_the_islands(browser: Browser, app_server: AppServer, app_db: str):
    """Focus loads the island; Enter at once (before it has hydrated) is held and replayed."""
    with watched(browser, app_server) as (page, traffic):
        page.goto(POST)
        settled(page)
        before = count(page)
        assert traffic.sockets == []
        page.locator(".like-button").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".like-count")).to_have_text(str(before + 1))
        assert stored() == before + 1
        assert len(traffic.sockets) == 1


def test_a_visitor_who_used_an_island_gets_their_own_state_without_reaching_for_it(
    browser: Browser, app_server: AppServer, app_db: str
):
    """The cached page is the same for everyone (no heart filled); a visitor with a cookie
    loads the islands at idle time and sees their own like, in a new tab, untouched."""
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


def test_a_page_that_came_without_its_state_loads_at_once(
    browser: Browser, app_server: AppServer, app_db: str
):
    """The static pages (sign-in, account, admin) load their state over the connection."""
    with watched(browser, app_server) as (page, _traffic):
        with page.expect_websocket():
            page.goto("/login")
        expect(page.locator("main")).to_have_attribute("data-live", "true")
