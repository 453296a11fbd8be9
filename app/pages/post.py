"""``/blog/[slug]``: one post with its like button, or not-found."""

from __future__ import annotations

import reflex as rx

from components import comment_section, like_button, page_layout, star_rating
from components.accounts import locked_notice
from components.layout import loading, not_found
from components.posts import breadcrumbs, post_image, term_links
from state.posts import PostState


def _post() -> rx.Component:
    return rx.el.article(
        rx.vstack(
            breadcrumbs(PostState.terms),
            rx.heading(PostState.post["title"], size="8", id="post-title"),
            rx.text(
                PostState.post["author"],
                " · ",
                PostState.post["published"],
                size="2",
                color_scheme="gray",
            ),
            post_image(PostState.post["image"], PostState.post["image_alt"], "post-featured-image"),
            term_links(PostState.terms),
            rx.cond(
                PostState.locked,
                locked_notice(PostState.post["slug"]),
                rx.html(PostState.content_html, class_name="post-content"),
            ),
            rx.hstack(
                like_button(PostState.post["slug"].to(str)),
                star_rating(PostState.post["slug"].to(str)),
                align="center",
                spacing="4",
                wrap="wrap",
            ),
            comment_section(PostState.post["slug"].to(str)),
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
