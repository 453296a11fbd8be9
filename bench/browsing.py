"""What the two browser benchmarks (``lighthouse.py``, ``browser.py``) share: the pages a
visitor opens, the options that choose them, and the check that a page can render at all.

Both start the app exactly as the other scripts do (:func:`harness.target` with the
frontend built) or measure ``--url``. The options of :func:`harness.arguments` for the load
loop (clients, events, seconds, warm-up) and for row and CPU checks (``--database``,
``--pid``) mean nothing to a browser loading one page at a time: ``--help`` hides them.
"""

from __future__ import annotations

import argparse
import re
from urllib.parse import urljoin

import aiohttp

from bench.harness import SLUG, arguments

POST_PAGE = f"/blog/{SLUG}"
PAGES = ("/", "/blog", POST_PAGE, "/guestbook")
"""The home page, the post list, a seeded post with comments, and the guestbook."""

_UNUSED_OPTIONS = {"clients", "events", "seconds", "warmup", "database", "pid"}


def page_arguments(doc: str | None, *, runs: int) -> argparse.ArgumentParser:
    """:func:`harness.arguments` (``--url``, ``--sqld``, ``--keep``…) plus ``--pages`` and
    ``--runs``; the description is the first paragraph of ``doc`` (the script's docstring)."""
    parser = arguments((doc or "").split("\n\n")[0])
    for action in parser._actions:  # argparse has no public way to hide an inherited option
        if action.dest in _UNUSED_OPTIONS:
            action.help = argparse.SUPPRESS
    parser.add_argument(
        "--pages",
        default=",".join(PAGES),
        help=f"comma-separated paths to measure (default {','.join(PAGES)})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=runs,
        help=f"cold loads per page; each figure is their median (default {runs})",
    )
    return parser


def chosen_pages(args: argparse.Namespace) -> list[str]:
    pages = [p.strip() for p in str(args.pages).split(",") if p.strip()]
    if bad := [p for p in pages if not p.startswith("/")]:
        raise SystemExit(f"--pages takes paths starting with '/', not {bad}")
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    return pages


REBUILT = (
    "another `reflex run --env prod` in this work tree (a browser test, another benchmark) "
    "rebuilt .web/ under the running app: rerun when no other production build is starting"
)


async def broken_build(url: str) -> str | None:
    """Why the page at ``url`` cannot render, or ``None``: its answer is not 200, or it names
    ``/assets/`` files its server answers 404 for.

    The production build serves the compiled frontend from ``.web/`` in the work tree, which
    every ``reflex run --env prod`` started in the same tree exports anew, with new file
    names; while it does, an app started earlier answers 404 for its pages, then serves pages
    whose scripts no longer exist, and renders nothing.
    """
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            if response.status != 200:
                return f"{url}: HTTP {response.status} (a path the app does not have, or {REBUILT})"
            html = await response.text()
        missing = []
        for asset in dict.fromkeys(re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)):
            async with http.head(urljoin(url, asset)) as response:
                if response.status == 404:
                    missing.append(asset)
    if not missing:
        return None
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return f"{url}: the page's scripts are gone from the server ({shown}): {REBUILT}"


async def check_build(url: str) -> None:
    """Stop the benchmark when the page at ``url`` cannot render (:func:`broken_build`)."""
    if reason := await broken_build(url):
        raise SystemExit(reason)
