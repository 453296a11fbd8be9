"""``/``: the latest posts."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components import page_layout
from components.layout import loading
from components.posts import post_card
from state.posts import HomeState


def _card(post: ObjectVar[dict[str, str]]) -> rx.Component:
    return post_card(post, image=False)


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
