"""The head tags of a read page, from its :class:`state.head.PageHead` vars."""

from __future__ import annotations

from typing import Any

import reflex as rx

from state.head import SITE_NAME


def head_tags(state: Any, title: Any) -> list[rx.Component]:
    """Canonical link, Open Graph and Twitter card tags, JSON-LD and ``rel=prev/next``
    (React hoists them into ``<head>``). The description and image are given to
    ``add_page`` as well, which renders those two itself."""
    return [
        rx.cond(state.canonical != "", rx.el.link(rel="canonical", href=state.canonical)),
        rx.el.meta(property="og:site_name", content=SITE_NAME),
        rx.el.meta(property="og:title", content=title),
        rx.el.meta(property="og:description", content=state.description),
        rx.el.meta(property="og:type", content=state.og_type),
        rx.el.meta(property="og:url", content=state.canonical),
        rx.el.meta(name="twitter:card", content="summary_large_image"),
        rx.el.meta(name="twitter:title", content=title),
        rx.el.meta(name="twitter:description", content=state.description),
        rx.el.meta(name="twitter:image", content=state.og_image),
        rx.cond(state.prev_url != "", rx.el.link(rel="prev", href=state.prev_url)),
        rx.cond(state.next_url != "", rx.el.link(rel="next", href=state.next_url)),
        rx.cond(
            state.json_ld != "",
            rx.el.script(state.json_ld, type="application/ld+json"),
        ),
    ]
