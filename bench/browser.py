"""Cold page loads in a real browser: requests, bytes, and when the post's title and likes show.

    .venv/bin/python -m bench.browser [--runs 10] [--pages /,/blog,/blog/hello-atoll,/guestbook]
                                      [--url http://127.0.0.1:3000]

Starts the full production build on a fresh seeded database (as ``pages.py`` does), or
measures the app at ``--url``. Debian's Chromium, headless, through Playwright with the
browser tests' flags (:mod:`tests.chromium`), no throttling. Every load is cold: a new
browser context (no cache, no cookies, a new visitor), the page loaded until its ``load``
event and then 500 ms without a request in flight (Playwright's ``networkidle``; the
websocket does not count). Each figure is the median of ``--runs`` loads of the page:

* requests: HTTP requests the page made (``data:`` URLs and the websocket aside), and how
  many of them failed (no answer, or an HTTP error status), each listed below the line;
* JS: scripts (resource type ``Script`` or a JavaScript MIME type), bytes over the wire —
  Chrome's ``encodedDataLength`` at ``Network.loadingFinished``, response headers
  included, as DevTools' "transferred" — and decoded (the sum of ``Network.dataReceived``
  lengths: what the browser parses); then the same two for every response;
* on the post page (``/blog/hello-atoll``), in the page's own clock (``performance.now()``,
  0 = navigation start, recorded by a ``MutationObserver`` from the first byte on): when
  ``#post-title`` is in the document with a box and text, and when the like button's count
  (``.like-button[data-slug=…] .like-count``) shows the post's stored total, read from the
  app first. Before ``load_like`` answers the button shows 0, so a started app's post gets
  one like first; a ``--url`` app whose post has none is marked ``likes (0: default)``;
* websockets the page opened (a reader's page opens none: the islands are lazy, see
  ``lazyIslands`` in ``app/render/web/server.mjs``);
* whether the post's title text appears in the raw HTML of the first response outside
  ``<noscript>`` (the no-JS fallback carries it): ``yes`` means it is server-rendered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, async_playwright
from playwright.async_api import Error as PlaywrightError

from bench.browsing import POST_PAGE, check_build, chosen_pages, page_arguments
from bench.harness import SLUG, header, http_session, load_average, target, timed_post
from bench.likes import ACTION, stored_total
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

TIMEOUT_MS = 30_000
TITLE = "#post-title"
LIKE_COUNT = f'.like-button[data-slug="{SLUG}"] .like-count'
NOSCRIPT = re.compile(r"<noscript\b.*?</noscript\s*>", re.IGNORECASE | re.DOTALL)

MARKS = """
(([titleSelector, countSelector, expected]) => {
  const marks = {title: null, titleText: null, likes: null};
  window.__benchMarks = marks;
  const shown = (el) =>
    el !== null && el.textContent.trim() !== "" && el.getClientRects().length > 0;
  const observer = new MutationObserver(() => {
    const now = performance.now();
    if (marks.title === null) {
      const title = document.querySelector(titleSelector);
      if (shown(title)) { marks.title = now; marks.titleText = title.textContent.trim(); }
    }
    if (marks.likes === null) {
      const count = document.querySelector(countSelector);
      if (shown(count) && count.textContent.trim() === expected) marks.likes = now;
    }
    if (marks.title !== null && marks.likes !== null) observer.disconnect();
  });
  observer.observe(
    document, {subtree: true, childList: true, characterData: true, attributes: true});
})(%s);
"""
"""Installed before any of the page's scripts run: the first moment each mark holds."""


@dataclass
class Transfer:
    """One response as Chrome's network domain reported it."""

    url: str
    script: bool = False
    status: int | None = None  # None until the response's headers arrive
    decoded: int = 0
    wire: int = 0
    done: bool = False
    failed: bool = False


@dataclass
class Load:
    """The figures of one cold load."""

    requests: int
    failed: list[str]  # "path (status)" of each request without an answer or with an error status
    js_files: int
    js_wire: int
    js_decoded: int
    wire: int
    decoded: int
    title_ms: float | None = None
    likes_ms: float | None = None
    title_in_html: bool | None = None
    websockets: int = 0


@dataclass
class Network:
    """Every request of one page, keyed by Chrome's request id, from CDP events."""

    transfers: dict[str, Transfer] = field(default_factory=dict)

    def sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        if not request["url"].startswith(("data:", "blob:")):
            self.transfers[event["requestId"]] = Transfer(
                request["url"], script=event.get("type") == "Script"
            )

    def received(self, event: dict[str, Any]) -> None:
        if transfer := self.transfers.get(event["requestId"]):
            response = event["response"]
            transfer.script |= event.get("type") == "Script" or "javascript" in response["mimeType"]
            transfer.status = int(response["status"])
            transfer.failed |= transfer.status >= 400

    def data(self, event: dict[str, Any]) -> None:
        if transfer := self.transfers.get(event["requestId"]):
            transfer.decoded += event["dataLength"]

    def finished(self, event: dict[str, Any]) -> None:
        if transfer := self.transfers.get(event["requestId"]):
            transfer.wire, transfer.done = int(event["encodedDataLength"]), True

    def failed(self, event: dict[str, Any]) -> None:
        if transfer := self.transfers.get(event["requestId"]):
            transfer.failed = True

    def load(self) -> Load:
        every = list(self.transfers.values())
        scripts = [t for t in every if t.script and t.done]
        return Load(
            len(every),
            [f"{urlsplit(t.url).path} ({t.status or 'no answer'})" for t in every if t.failed],
            len(scripts),
            sum(t.wire for t in scripts),
            sum(t.decoded for t in scripts),
            sum(t.wire for t in every),
            sum(t.decoded for t in every),
        )


def title_in_html(body: bytes, title: str) -> bool:
    """Whether ``title`` is in the document's HTML once its ``<noscript>`` blocks are cut."""
    return title in unescape(NOSCRIPT.sub("", body.decode(errors="replace")))


async def cold_load(browser: Browser, url: str, *, post: bool, likes: int) -> Load:
    """Open ``url`` in a brand-new context and measure it until the network is quiet."""
    context = await browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = await context.new_page()
        if post:
            await page.add_init_script(script=MARKS % json.dumps([TITLE, LIKE_COUNT, str(likes)]))
        network = Network()
        cdp = await context.new_cdp_session(page)
        for name, handler in (
            ("requestWillBeSent", network.sent),
            ("responseReceived", network.received),
            ("dataReceived", network.data),
            ("loadingFinished", network.finished),
            ("loadingFailed", network.failed),
        ):
            cdp.on(f"Network.{name}", handler)
        await cdp.send("Network.enable")
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        response = await page.goto(url, wait_until="load")
        if response is None or not response.ok:
            raise SystemExit(f"{url}: {response.status if response else 'no response'}")
        body = await response.body()
        marks: dict[str, Any] = {}
        if post:
            await page.wait_for_function(
                "() => { const m = window.__benchMarks;"
                " return m && m.title !== null && m.likes !== null; }"
            )
            marks = await page.evaluate("() => window.__benchMarks")
        await page.wait_for_load_state("networkidle")
        load = network.load()
        load.websockets = len(sockets)
        if post:
            load.title_ms, load.likes_ms = marks["title"], marks["likes"]
            load.title_in_html = title_in_html(body, marks["titleText"])
        return load
    finally:
        await context.close()


async def post_likes(base_url: str, started_here: bool) -> int:
    """The post's like total; a post the benchmark's own app serves gets one like first, so
    the loaded count differs from the 0 the button shows before ``load_like`` answers."""
    total = await stored_total(base_url)
    if total == 0 and started_here:
        async with http_session(base_url) as http:
            status, answer, _ = await timed_post(http, ACTION, {"post_slug": SLUG, "liked": True})
        if status != 200:
            raise SystemExit(f"could not like {SLUG}: {status} {answer}")
        total = int(answer["data"]["likes"])
    return total


def kib(values: Iterable[int]) -> str:
    """The median of ``values`` (bytes) in KiB."""
    return f"{statistics.median(list(values)) / 1024:7.1f}"


def line(path: str, loads: list[Load], likes: int, seconds: float) -> str:
    def mid(values: Iterable[float | None]) -> float:
        return statistics.median([value or 0.0 for value in values])

    failed = mid(len(load.failed) for load in loads)
    text = (
        f"{path:<20} {mid(load.requests for load in loads):3.0f} requests"
        f"{f' ({failed:.0f} failed)' if failed else ''}  "
        f"JS {mid(load.js_files for load in loads):3.0f} files "
        f"{kib(load.js_wire for load in loads)} KiB wire "
        f"/{kib(load.js_decoded for load in loads)} KiB decoded  "
        f"all {kib(load.wire for load in loads)} /{kib(load.decoded for load in loads)} KiB  "
        f"websockets {mid(load.websockets for load in loads):.0f}"
    )
    if loads[0].title_ms is not None:
        shown = [bool(load.title_in_html) for load in loads]
        in_html = "yes" if all(shown) else "no" if not any(shown) else f"{sum(shown)}/{len(shown)}"
        text += (
            f"  title {mid(load.title_ms for load in loads):6.0f} ms"
            f"  likes ({likes}{': default' if likes == 0 else ''}) "
            f"{mid(load.likes_ms for load in loads):6.0f} ms"
            f"  title in raw HTML: {in_html}"
        )
    text += f"  (median of {len(loads)} in {seconds:.0f}s; load {load_average():.2f})"
    counts = Counter(failure for load in loads for failure in load.failed)
    return "\n".join(
        [
            text,
            *(
                f"    failed: {failure}" + ("" if n == len(loads) else f" ({n}/{len(loads)} loads)")
                for failure, n in sorted(counts.items())
            ),
        ]
    )


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium as the browser tests launch it, closed afterwards."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def main(args: argparse.Namespace) -> None:
    pages = chosen_pages(args)
    async with target(args, frontend=True) as app, chromium() as browser:
        likes = (
            await post_likes(app.base_url, started_here=not args.url) if POST_PAGE in pages else 0
        )
        header(
            f"cold loads at {app.base_url}, Debian Chromium (no throttling), "
            f"median of {args.runs} per line"
        )
        for path in pages:
            started = time.perf_counter()
            url = app.base_url + path
            await check_build(url)
            try:
                loads = [
                    await cold_load(browser, url, post=path == POST_PAGE, likes=likes)
                    for _ in range(args.runs)
                ]
            except PlaywrightError:
                await check_build(url)  # the likelier cause first: a rebuilt frontend
                raise
            print(line(path, loads, likes, time.perf_counter() - started), flush=True)


if __name__ == "__main__":
    asyncio.run(main(page_arguments(__doc__, runs=10).parse_args()))
