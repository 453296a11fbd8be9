"""``/``: the latest posts."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.layout import loading
from state.posts import HomeState


def _card(post: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(rx.heading(post["title"], size="5"), href="/blog/" + post["slug"].to(str)),
            rx.text(post["author"], " · ", post["published"], size="1", color_scheme="gray"),
            rx.html(post["excerpt_html"]),
            spacing="2",
        ),
        width="100%",
        class_name="post-card",
    )


def page() -> rx.Component:
    return page_layout(
        rx.heading("Latest posts", size="8"),
        rx.cond(
            HomeState.loaded,
            rx.cond(
                HomeState.posts.length() > 0,
                rx.vstack(rx.foreach(HomeState.posts, _card), width="100%", spacing="4"),
                rx.text("No posts yet."),
            ),
            loading(),
        ),
    )
