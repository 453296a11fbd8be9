"""Post cards, the pager and the post header pieces shared by the blog pages."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from components.dates import moment
from state.posts import BlogState


def post_image(url: rx.Var[str], alt: rx.Var[str], class_name: str) -> rx.Component:
    """A post's featured image, or nothing when it has none."""
    return rx.cond(
        url != "",
        rx.image(
            src=url,
            alt=alt,
            width="100%",
            loading="lazy",
            class_name=class_name,
            style={
                "border_radius": "var(--radius-3)",
                "object_fit": "cover",
                "max_height": "22rem",
            },
        ),
    )


def post_card(
    post: ObjectVar[dict[str, str]], *, image: bool = True, class_name: str = "post-card"
) -> rx.Component:
    """One post in a list: image, linked title, author and date, excerpt.

    Args:
        post: a card dict (``slug``, ``title``, ``author``, ``published``, ``excerpt_html``,
            and ``image``/``image_alt`` when ``image`` is set).
        image: show the featured image; lists whose cards carry no image fields pass False.
        class_name: the card's class, which names the list it stands in for styles and tests.
    """
    return rx.card(
        rx.vstack(
            *([post_image(post["image"], post["image_alt"], "post-card-image")] if image else []),
            rx.link(
                rx.heading(post["title"], size="5"),
                href="/blog/" + post["slug"].to(str),
                class_name="post-card-link",
            ),
            rx.text(
                post["author"],
                " · ",
                moment(post["published"], class_name="post-date"),
                size="1",
                color_scheme="gray",
                class_name="post-card-meta",
            ),
            rx.html(post["excerpt_html"], class_name="post-card-excerpt"),
            spacing="2",
        ),
        width="100%",
        class_name=class_name,
    )


def term_links(terms: ArrayVar[Sequence[dict[str, str]]]) -> rx.Component:
    """A post's categories and tags as links to their pages."""
    return rx.cond(
        terms.length() > 0,
        rx.hstack(
            rx.foreach(
                terms,
                lambda t: rx.link(
                    rx.badge(
                        t["name"], variant=rx.cond(t["taxonomy"] == "category", "solid", "soft")
                    ),
                    href=t["href"],
                    class_name="post-term",
                ),
            ),
            spacing="2",
            wrap="wrap",
        ),
    )


def breadcrumbs(terms: ArrayVar[Sequence[dict[str, str]]]) -> rx.Component:
    """Where a post sits: "Blog › Category", each a link back up (the post's first category
    only: a trail is one path, and WordPress calls the first one the primary category)."""
    first_category = terms.filter(lambda t: t["taxonomy"] == "category")[:1]
    return rx.el.nav(
        rx.el.ol(
            rx.el.li(rx.link("Blog", href="/blog", class_name="breadcrumb-link")),
            rx.foreach(
                first_category,
                lambda t: rx.el.li(
                    rx.link(t["name"], href=t["href"], class_name="breadcrumb-link")
                ),
            ),
            class_name="breadcrumb-list",
        ),
        aria_label="Breadcrumb",
        class_name="breadcrumbs",
    )


def _pager() -> rx.Component:
    s = BlogState
    return rx.cond(
        s.pages > 1,
        rx.hstack(
            rx.cond(
                s.page > 1,
                rx.link(
                    "← Newer", href=s.base + "?page=" + (s.page - 1).to_string(), id="blog-newer"
                ),
            ),
            rx.text("Page ", s.page, " of ", s.pages, size="2", id="blog-page"),
            rx.cond(
                s.page < s.pages,
                rx.link(
                    "Older →", href=s.base + "?page=" + (s.page + 1).to_string(), id="blog-older"
                ),
            ),
            spacing="4",
            align="center",
        ),
    )


def post_list() -> rx.Component:
    """The current page of :class:`BlogState` posts with its pager."""
    return rx.cond(
        BlogState.posts.length() > 0,
        rx.vstack(
            rx.vstack(
                rx.foreach(BlogState.posts, lambda post: post_card(post)),
                width="100%",
                spacing="4",
                id="post-list",
            ),
            _pager(),
            width="100%",
            spacing="4",
        ),
        rx.text("No posts yet.", id="no-posts"),
    )
