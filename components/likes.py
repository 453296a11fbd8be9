"""The like button island: a toggle button inside a plain HTML form.

Without JavaScript the button submits the form to the ``likes.toggle`` HTTP action (the
hidden ``liked`` field is the state wanted, so a repeated post is harmless); with it, the
click runs the Reflex handler and the form's own submit is held back.
"""

from __future__ import annotations

import reflex as rx

from components.forms import action_url
from state.likes import LikeState


def like_button(post_slug: str | rx.Var[str]) -> rx.Component:
    """A toggle showing the post's like total; loads itself, so it works on any page."""
    liked = LikeState.liked.get(post_slug, False)
    count = LikeState.counts.get(post_slug, 0)
    return rx.el.form(
        rx.el.input(type="hidden", name="post_slug", value=post_slug),
        rx.el.input(type="hidden", name="liked", value=rx.cond(liked, "false", "true")),
        rx.button(
            rx.icon(tag="heart", fill=rx.cond(liked, "currentColor", "none"), aria_hidden="true"),
            rx.text(count, as_="span", class_name="like-count"),
            type="submit",
            on_click=LikeState.toggle_like(post_slug),
            variant=rx.cond(liked, "solid", "outline"),
            color_scheme="tomato",
            aria_pressed=rx.cond(liked, "true", "false"),
            aria_label=rx.cond(liked, "Unlike this post", "Like this post"),
            class_name="like-button",
            data_slug=post_slug,
        ),
        method="post",
        action=action_url("likes.toggle"),
        on_submit=rx.prevent_default,  # with JavaScript the button's click handler toggles
        on_mount=LikeState.load_like(post_slug),
        class_name="like-form",
        style={"display": "inline-block"},
    )
