"""Pages and custom post types: an item's article with its custom fields, a type's list.

The same pieces as the blog's (:mod:`components.posts`: the responsive featured image, the
byline) for cards that carry their own address (``href``), so a page author's own list of a
custom type is ``rx.foreach(items, content_card)`` over :func:`state.content.content_card`.
"""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from components.layout import pager
from components.posts import byline, post_image
from state.content import ContentState


def content_card(item: ObjectVar[dict[str, str]], *, image: bool = True) -> rx.Component:
    """One page or custom item in a list: image, linked title, byline, excerpt."""
    return rx.card(
        rx.vstack(
            *([post_image(item, "content-card-image")] if image else []),
            rx.link(
                rx.heading(item["title"], size="5"),
                href=item["href"].to(str),
                class_name="content-card-link",
            ),
            byline(item, size="1"),
            rx.html(item["excerpt_html"], class_name="post-card-excerpt"),
            spacing="2",
        ),
        width="100%",
        class_name="content-card",
    )


def custom_fields(fields: ArrayVar[Sequence[dict[str, str]]]) -> rx.Component:
    """Declared custom fields as a definition list: text as text; only a ``SafeHtml`` field
    (already through the allow-list) as HTML."""
    return rx.cond(
        fields.length() > 0,
        rx.el.dl(
            rx.foreach(
                fields,
                lambda f: rx.fragment(
                    rx.el.dt(f["label"], class_name="field-label"),
                    rx.el.dd(
                        rx.cond(
                            f["html"],
                            rx.html(f["html"], class_name="field-html"),
                            rx.text(f["value"], as_="span"),
                        ),
                        class_name=f"field-value field-{f['name']}",
                    ),
                ),
            ),
            class_name="custom-fields",
        ),
    )


def content_item() -> rx.Component:
    """The current page or custom item: title, image, content, fields."""
    s = ContentState
    return rx.el.article(
        rx.vstack(
            rx.cond(
                s.base != "",
                rx.el.nav(
                    rx.link(s.heading, href=s.base, class_name="breadcrumb-link"),
                    aria_label="Breadcrumb",
                    class_name="breadcrumbs",
                ),
            ),
            rx.heading(s.item["title"], size="8", id="content-title"),
            post_image(s.item, "content-featured-image", hero=True),
            rx.html(s.content_html, class_name="post-content content-body"),
            custom_fields(s.fields),
            spacing="4",
            width="100%",
        ),
        style={"width": "100%"},
        class_name=rx.cond(s.item["type"] == "page", "content-page", "content-item"),
    )


def content_list() -> rx.Component:
    """The current custom type's list: its name, one page of cards, the pager."""
    s = ContentState
    return rx.vstack(
        rx.heading(s.heading, size="8", id="content-heading"),
        rx.cond(
            s.items.length() > 0,
            rx.vstack(
                rx.foreach(s.items, lambda item: content_card(item)),
                width="100%",
                spacing="4",
                id="content-list",
            ),
            rx.text("Nothing here yet.", id="no-content"),
        ),
        pager(s.page, s.pages, s.base, name="content", align="center"),
        width="100%",
        spacing="4",
    )
