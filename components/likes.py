"""The like button island."""

from __future__ import annotations

import reflex as rx

from state.likes import LikeState


def like_button(post_slug: str) -> rx.Component:
    """A toggle showing the post's like total; loads itself, so it works on any page."""
    liked = LikeState.liked.get(post_slug, False)
    count = LikeState.counts.get(post_slug, 0)
    return rx.button(
        rx.icon(tag="heart", fill=rx.cond(liked, "currentColor", "none")),
        rx.text(count, as_="span", class_name="like-count"),
        on_click=LikeState.toggle_like(post_slug),
        on_mount=LikeState.load_like(post_slug),
        variant=rx.cond(liked, "solid", "outline"),
        color_scheme="tomato",
        aria_pressed=rx.cond(liked, "true", "false"),
        aria_label=rx.cond(liked, "Unlike this post", "Like this post"),
        class_name="like-button",
        data_slug=post_slug,
    )
