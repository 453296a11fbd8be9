"""Debian's Chromium driven by Playwright: the one way every browser test launches it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
TIMEOUT_MS = 15_000  # a cold production build can take a while to answer the first event

# Assertions wait as long as actions do: CI machines have two cores shared by the app, the
# browser and the test process, and 5 s (Playwright's default) is too tight under load.
expect.set_options(timeout=TIMEOUT_MS)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Playwright and a headless Chromium for a block.

    Browser fixtures are scoped to their package: only one sync Playwright may run in a
    process at a time, so each package starts its own and stops it before the next.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """A fresh profile (own cookies, own Reflex token) on ``base_url``, closed afterwards."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()
