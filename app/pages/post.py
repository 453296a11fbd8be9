"""``/blog/[slug]``: one post with its like button, or not-found."""

from __future__ import annotations

import reflex as rx

from components import like_button, page_layout
from components.layout import loading, not_found
from state.posts import PostState


def _post() -> rx.Component:
    return rx.el.article(
        rx.vstack(
            rx.heading(PostState.post["title"], size="8", id="post-title"),
            rx.text(PostState.post["author"], " · ", PostState.post["published"], size="2", color_scheme="gray"),
            rx.html(PostState.content_html, class_name="post-content"),
            like_button(PostState.post["slug"].to(str)),
            spacing="4",
        ),
    )


def page() -> rx.Component:
    return page_layout(
        rx.cond(
            PostState.loaded,
            rx.cond(PostState.found, _post(), not_found("There is no post at this address.")),
            loading(),
        ),
    )
