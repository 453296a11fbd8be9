"""``/blog/[slug]``: one post with its like button, rating and comments, or not-found.

A members-only post shown to a visitor who isn't signed in is its header and one sign-in
panel: the like button, rating and comments belong to the content it cannot read. A
password-protected post shows a password form instead of its body until the visitor's
remembered password opens it, and never has a like button, rating or comments.
"""

from __future__ import annotations

import reflex as rx

from components import comment_section, like_button, page_layout, star_rating
from components.accounts import locked_notice, signed_in_notice
from components.layout import found_or_missing
from components.posts import post_header
from components.protected import password_form
from state.posts import PostState


def _readable() -> rx.Component:
    """The post's body and everything a reader does with it."""
    slug = PostState.post["slug"].to(str)
    return rx.fragment(
        rx.html(PostState.content_html, class_name="post-content"),
        rx.hstack(
            like_button(slug),
            star_rating(slug),
            align="center",
            spacing="4",
            wrap="wrap",
        ),
        comment_section(slug),
    )


def _protected() -> rx.Component:
    """A password-protected post: its password form, or, once the visitor's remembered
    password opens it, its body alone (no likes, rating or comments: see db/protected.py)."""
    return rx.cond(
        PostState.unlocked,
        rx.html(PostState.content_html, class_name="post-content", id="protected-content"),
        password_form(PostState.post["slug"]),
    )


def _post() -> rx.Component:
    return rx.el.article(
        rx.vstack(
            signed_in_notice(),
            post_header(PostState.post, PostState.terms),
            rx.cond(
                PostState.locked,
                locked_notice(PostState.post["slug"]),
                rx.cond(PostState.protected, _protected(), _readable()),
            ),
            spacing="4",
            width="100%",
        ),
        # The column is the page's width whatever the post holds (a locked post's panel
        # alone would otherwise shrink it).
        style={"width": "100%"},
        class_name="post-article",
    )


def page() -> rx.Component:
    return page_layout(
        found_or_missing(
            PostState.loaded, PostState.found, _post(), "There is no post at this address."
        ),
    )
