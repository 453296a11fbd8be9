"""Read pages in Chromium: the server HTML (JavaScript off) and the live page (JavaScript on)
show the same text, hydration logs nothing, and the live page never flashes "Loading…"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.chromium import browser_context
from tests.server import AppServer

READ_PAGES = ["/", "/blog", "/blog/hello-atoll", "/guestbook", "/blog/no-such-post"]

# Reports every DOM change to <main> after the HTML has been parsed: hydration that matches
# the server's markup changes nothing, and a "Loading…" frame would show up here.
WATCH_MAIN = """
window.__mainChanges = [];
document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector("main");
  window.__serverText = main ? main.innerText : null;
  if (main) new MutationObserver((records) => {
    for (const r of records) window.__mainChanges.push(r.target.textContent.slice(0, 80));
  }).observe(main, {childList: true, subtree: true, characterData: true});
});
"""


# <main>'s text with each date as its instant: the server writes dates in UTC, the live page
# rewrites them for the visitor (components/dates.py); every other word must be the same.
MAIN_TEXT = """main => {
  let text = main.innerText;
  for (const time of main.querySelectorAll("time")) {
    text = text.replace(time.innerText, time.dateTime);
  }
  return text;
}"""


def main_text(page: Page) -> str:
    return re.sub(r"\s+", " ", page.locator("main").evaluate(MAIN_TEXT)).strip()


def settled(page: Page) -> None:
    """Wait until the page has loaded its scripts and the islands' first requests are done."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_be_visible()


@pytest.mark.parametrize("path", READ_PAGES)
def test_the_live_page_shows_what_the_server_sent_and_hydration_is_silent(
    browser: Browser, app_server: AppServer, path: str
):
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as off:
        plain = off.new_page()
        plain.goto(path)
        server_text = main_text(plain)
    assert server_text and "Loading" not in server_text

    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        is_404_document = "404" in message.text and path == "/blog/no-such-post"
        if message.type in ("error", "warning") and not is_404_document:
            problems.append(f"{message.type}: {message.text}")

    with browser_context(browser, app_server.base_url) as on:
        on.on("console", record)
        page = on.new_page()
        page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
        page.add_init_script(WATCH_MAIN)
        page.goto(path)
        settled(page)
        # The islands' websocket loads have answered with the values already shown.
        assert main_text(page) == server_text
        assert not any("Loading" in change for change in page.evaluate("window.__mainChanges"))
    assert problems == []
