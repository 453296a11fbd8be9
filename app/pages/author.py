"""``/blog/author/[slug]``: who wrote, in their own words, and their posts, newest first."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.layout import found_or_missing
from components.posts import post_list
from state.posts import BlogState

AVATAR_PIXELS = "96"
"""The avatar's drawn size: WordPress's largest default, sharp on a 1x screen."""


def _avatar() -> rx.Component:
    """The author's avatar with every size WordPress has (a 2x screen takes a larger one)."""
    avatar = BlogState.author["avatar"].to(str)
    srcset = BlogState.author["avatar_srcset"].to(str)
    return rx.cond(
        avatar != "",
        rx.el.img(
            src=avatar,
            alt="",  # the name beside it says who it is
            loading="lazy",
            decoding="async",
            class_name="author-avatar",
            custom_attrs={
                "width": AVATAR_PIXELS,
                "height": AVATAR_PIXELS,
                "srcSet": rx.cond(srcset, srcset, rx.Var.create(None)),
                "sizes": rx.cond(srcset, f"{AVATAR_PIXELS}px", rx.Var.create(None)),
            },
            style={"border_radius": "50%", "flex_shrink": "0"},
        ),
    )


def _author() -> rx.Component:
    bio = BlogState.author["bio"].to(str)
    return rx.hstack(
        _avatar(),
        rx.vstack(
            rx.heading(BlogState.heading, size="8", id="blog-heading"),
            # Plain text (the sync stripped any markup), shown as text: never HTML.
            rx.cond(bio != "", rx.text(bio, class_name="author-bio", color_scheme="gray")),
            spacing="2",
        ),
        spacing="4",
        align="center",
        width="100%",
        class_name="author-header",
    )


def page() -> rx.Component:
    """An author and their published posts; an unknown author (or one with none) shows
    not-found."""
    return page_layout(
        found_or_missing(
            BlogState.loaded,
            BlogState.found,
            rx.vstack(_author(), post_list(), width="100%", spacing="5"),
            "There is no such author.",
        ),
    )
