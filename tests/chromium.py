"""Debian's Chromium driven by Playwright: the one way every browser test launches it.

Every context :func:`browser_context` opens fails its test if a page logs a
Content-Security-Policy violation: a script, style, image or connection the app's own
policy (:mod:`app.security`) blocks is a broken page, even when the test's assertions
happen not to look at the part that broke.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from db.accounts import SESSION_COOKIE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000  # a cold production build can take a while to answer the first event

# Assertions wait as long as actions do: CI machines have two cores shared by the app, the
# browser and the test process, and 5 s (Playwright's default) is too tight under load.
expect.set_options(timeout=TIMEOUT_MS)

CSP_VIOLATION = "Content Security Policy"
"""In the console error Chromium logs for every blocked action ("… violates the following
Content Security Policy directive …"), whichever document's policy it was (a page's own, or
a framed page's ``frame-ancestors``, which only the framing page hears about)."""

_csp_violations: WeakKeyDictionary[BrowserContext, list[str]] = WeakKeyDictionary()


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Playwright and a headless Chromium for a block.

    Browser fixtures are scoped to their package: only one sync Playwright may run in a
    process at a time, so each package starts its own and stops it before the next.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def csp_violations(context: BrowserContext) -> list[str]:
    """The CSP violations pages of a :func:`browser_context` have logged so far ("url: text").

    The list is live: a test that provokes a violation on purpose asserts on it, then
    removes what it expected, so that only unexpected ones fail it at close.
    """
    return _csp_violations[context]


def _record_csp_violations(context: BrowserContext) -> list[str]:
    """Listen to every page of ``context`` (the console event of the context, not of one
    page, so pages opened later count too) and keep its CSP violations."""
    violations: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if CSP_VIOLATION in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", record)
    _csp_violations[context] = violations
    return violations


@contextmanager
def browser_context(
    browser: Browser, base_url: str, *, session: str = "", **options: Any
) -> Iterator[BrowserContext]:
    """A fresh profile (own cookies, own Reflex token) on ``base_url``, closed afterwards.

    ``session`` is a session token (``tests.factories.sign_in``): the profile starts signed
    in with it, as the HttpOnly cookie the sign-in endpoint sets. ``options`` are
    Playwright's context options (``java_script_enabled=False`` for the no-JavaScript
    fallback), so no test needs ``browser.new_context`` and escapes the check.

    Raises:
        AssertionError: at close, listing every CSP violation a page of the context logged
            (raised even when the test failed first: a blocked script often is why).
    """
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    if session:
        context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": base_url}])
    violations = _record_csp_violations(context)
    try:
        yield context
    finally:
        context.close()
        if violations:
            raise AssertionError("Content-Security-Policy violations:\n" + "\n".join(violations))


@contextmanager
def visitors(
    browser: Browser, base_url: str, count: int = 2, **options: Any
) -> Iterator[list[Page]]:
    """``count`` independent visitors: one page each, in a :func:`browser_context` of its own.

    For what one visitor does and another sees (live updates, who may edit what). Every
    context is closed at the end, and each one's CSP violations fail the test.
    """
    with ExitStack() as stack:
        yield [
            stack.enter_context(browser_context(browser, base_url, **options)).new_page()
            for _ in range(count)
        ]


def wait_until_live(page: Page) -> None:
    """Wake the page's islands and wait until its websocket has loaded it
    (``<main data-live="true">``).

    Read pages arrive server-rendered, so what a test sees proves nothing about the live
    connection: a click before it would post the plain form instead of running the handler,
    and another tab's update would find no subscription yet. Their islands are lazy (they
    load and connect when a visitor reaches for one, see ``app/render/web/server.mjs``): a test
    that is about what happens once live wakes them the way a page's own code can.
    ``tests/browser/test_lazy_islands_browser.py`` is about the waking itself.
    """
    page.wait_for_function("() => document.readyState === 'complete'")
    page.evaluate("() => window.atollIslands?.wake()")  # only server-rendered pages wait
    expect(page.locator('main[data-live="true"]')).to_have_count(1)
