"""Post cards, the post list and the post header shared by the blog pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from components.dates import moment
from components.layout import pager
from components.protected import lock_badge
from state.posts import BlogState

IMAGE_SIZES = "(max-width: 880px) 100vw, 880px"
"""How wide a featured image is drawn: the page's column (Radix container size 3, 880px) or
the whole screen below that, so the browser picks the ``srcset`` candidate it needs."""


def _attribute(value: rx.Var[str]) -> rx.Var[str | None]:
    """``value``, or no attribute at all when it is empty (React leaves ``null`` out)."""
    return rx.cond(value, value, rx.Var.create(None))


def post_image(
    post: ObjectVar[dict[str, str]],
    class_name: str,
    *,
    hero: bool = False,
    first: rx.Var[bool] | bool = False,
) -> rx.Component:
    """A post's featured image as a responsive ``<img>``, or nothing when it has none.

    ``width``/``height`` are the image's own (as HTML attributes, with CSS ``height: auto``
    they give the box its aspect ratio before a byte arrives: no layout shift), ``srcset``
    its other sizes. A list's images load lazily; the post page's ``hero`` is its largest
    paint, so it loads at once and first (``fetchpriority="high"``).

    Args:
        post: a card dict (``image``, ``image_alt``, ``image_width``, ``image_height``,
            ``image_srcset``; the last three may be ``""``).
        class_name: the image's class, which names where it stands.
        hero: the post page's image, above the fold.
        first: the first card of a list, above the fold too: loaded at once, as the page's
            largest paint may be its image (lazy, it waited for layout: mobile LCP 1.75 s).
    """
    url = post["image"].to(str)
    srcset = post["image_srcset"].to(str)
    attrs: dict[str, Any] = {
        "width": _attribute(post["image_width"].to(str)),
        "height": _attribute(post["image_height"].to(str)),
        "srcSet": _attribute(srcset),
        "sizes": rx.cond(srcset, IMAGE_SIZES, rx.Var.create(None)),
    }
    if hero:
        attrs["fetchPriority"] = "high"
    return rx.cond(
        url != "",
        rx.el.img(
            src=url,
            alt=post["image_alt"].to(str),
            loading="eager" if hero else rx.cond(first, "eager", "lazy"),
            decoding="async",
            class_name=class_name,
            custom_attrs=attrs,
            style={
                "display": "block",
                "width": "100%",
                "height": "auto",
                "border_radius": "var(--radius-3)",
                "object_fit": "cover",
                "max_height": "22rem",
            },
        ),
    )


def author_name(post: ObjectVar[dict[str, str]]) -> rx.Component:
    """A byline's author: a link to their page when the card knows it (``author_href``)."""
    return rx.cond(
        post["author_href"],
        rx.link(post["author"], href=post["author_href"].to(str), class_name="post-author"),
        rx.el.span(post["author"], class_name="post-author"),
    )


def byline(post: ObjectVar[dict[str, str]], **props: Any) -> rx.Component:
    """Who wrote a post (or page) and when: :func:`author_name` · the date, shown in the
    reader's own time zone; ``props`` size and name it where it stands."""
    return rx.text(
        author_name(post),
        " · ",
        moment(post["published"], class_name="post-date"),
        color_scheme="gray",
        **props,
    )


def post_card(
    post: ObjectVar[dict[str, str]],
    *,
    image: bool = True,
    class_name: str = "post-card",
    first: rx.Var[bool] | bool = False,
) -> rx.Component:
    """One post in a list: image, linked title, author and date, excerpt.

    Args:
        post: a card dict (``slug``, ``title``, ``author``, ``published``, ``excerpt_html``,
            and ``image``/``image_alt`` when ``image`` is set).
        image: show the featured image; lists whose cards carry no image fields pass False.
        class_name: the card's class, which names the list it stands in for styles and tests.
        first: the list's first card (its image is not lazy).
    """
    return rx.card(
        rx.vstack(
            *([post_image(post, "post-card-image", first=first)] if image else []),
            rx.link(
                rx.heading(post["title"], size="5"),
                href="/blog/" + post["slug"].to(str),
                class_name="post-card-link",
            ),
            lock_badge(post["protected"]),
            byline(post, size="1", class_name="post-card-meta"),
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


def post_header(
    post: ObjectVar[dict[str, str]], terms: ArrayVar[Sequence[dict[str, str]]]
) -> rx.Component:
    """A post's head as its page shows it, and as its editor's preview does: the trail
    back up, title, byline, featured image, categories and tags."""
    return rx.fragment(
        breadcrumbs(terms),
        rx.heading(post["title"], size="8", id="post-title"),
        byline(post, size="2"),
        post_image(post, "post-featured-image", hero=True),
        term_links(terms),
    )


def post_list() -> rx.Component:
    """The current page of :class:`BlogState` posts with its pager."""
    return rx.cond(
        BlogState.posts.length() > 0,
        rx.vstack(
            rx.vstack(
                rx.foreach(BlogState.posts, lambda post, i: post_card(post, first=i == 0)),
                width="100%",
                spacing="4",
                id="post-list",
            ),
            pager(BlogState.page, BlogState.pages, BlogState.base, name="blog", align="center"),
            width="100%",
            spacing="4",
        ),
        rx.text("No posts yet.", id="no-posts"),
    )
