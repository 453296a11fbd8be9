"""What a read page says about itself in ``<head>``: description, canonical URL, social cards.

Search engines, link previews and feed readers read the head of the first response, so
these are state like the page's content: set by the page's load handler on the server
(:mod:`app.render`) and rendered into the head by :func:`components.head.head_tags`.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from db.core import config

SITE_NAME = "Atoll"
DEFAULT_DESCRIPTION = (
    "Atoll: a blog whose pages are written in Python and whose data lives in libSQL."
)
SITE_IMAGE = "/og-image.png"


def absolute(url: str) -> str:
    """``url`` as a crawler needs it: a site path (``/og-image.png``) gets ``SITE_URL``."""
    return url if url.startswith(("http://", "https://")) else config.site_url() + url


class PageHead(rx.State, mixin=True):
    """The head vars every read page's state carries (absolute URLs: previews need them)."""

    description: rx.Field[str] = rx.field(DEFAULT_DESCRIPTION)
    canonical: rx.Field[str] = rx.field("")
    og_image: rx.Field[str] = rx.field("")
    og_type: rx.Field[str] = rx.field("website")
    json_ld: rx.Field[str] = rx.field("")
    prev_url: rx.Field[str] = rx.field("")
    next_url: rx.Field[str] = rx.field("")

    def _set_head(
        self,
        path: str,
        *,
        description: str = "",
        image: str = "",
        kind: str = "website",
        json_ld: dict[str, Any] | None = None,
        prev: str = "",
        next_: str = "",
    ) -> None:
        site = config.site_url()
        self.description = description or DEFAULT_DESCRIPTION
        self.canonical = site + path
        self.og_image = absolute(image or SITE_IMAGE)
        self.og_type = kind
        # Inside <script>: never let the text close the tag.
        self.json_ld = (
            json.dumps(json_ld, ensure_ascii=False).replace("<", "\\u003c") if json_ld else ""
        )
        self.prev_url = site + prev if prev else ""
        self.next_url = site + next_ if next_ else ""

    def _set_list_head(
        self,
        base: str,
        page: int,
        pages: int,
        description: str,
        json_ld: dict[str, Any] | None = None,
    ) -> None:
        """The head of page ``page`` of ``pages`` of a list at ``base`` (``?page=N`` after the
        first), with ``rel=prev/next`` to its neighbours (and ``json_ld``: an author's)."""

        def at(n: int) -> str:
            return base + ("" if n == 1 else f"?page={n}")

        self._set_head(
            at(page),
            description=description,
            json_ld=json_ld,
            prev=at(page - 1) if page > 1 else "",
            next_=at(page + 1) if page < pages else "",
        )


class PagedList(rx.State, mixin=True):
    """What a paged list page shows besides its rows: which page of how many, whether its
    path named anything (``found``: the page's 404) and whether it has loaded. Shared by the
    blog's lists and the custom types' lists (``state/posts.py``, ``state/content.py``)."""

    page: rx.Field[int] = rx.field(1)
    pages: rx.Field[int] = rx.field(1)
    found: rx.Field[bool] = rx.field(True)
    loaded: rx.Field[bool] = rx.field(False)
