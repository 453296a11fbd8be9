"""``/blog``, ``/blog/category/[slug]`` and ``/blog/tag/[slug]``: lists of published posts."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.layout import found_or_missing, loading
from components.posts import post_list
from state.posts import BlogState


def page() -> rx.Component:
    return page_layout(
        rx.hstack(
            rx.heading("Blog", size="8", id="blog-heading"),
            rx.spacer(),
            rx.el.a("RSS feed", href="/rss.xml", class_name="rss-link"),
            align="center",
            width="100%",
        ),
        rx.cond(BlogState.loaded, post_list(), loading()),
    )


def term_page() -> rx.Component:
    """A category or tag; an unknown slug shows not-found."""
    return page_layout(
        found_or_missing(
            BlogState.loaded,
            BlogState.found,
            rx.vstack(
                rx.heading(BlogState.heading, size="8", id="blog-heading"),
                post_list(),
                width="100%",
                spacing="5",
            ),
            "There is no such category or tag.",
        ),
    )
