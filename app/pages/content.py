"""Any path no other route claims: a WordPress page (``/about/team``), a custom type's list
(``/books``) or item (``/books/dune``), else the not-found page (status 404)."""

from __future__ import annotations

import reflex as rx

from app import content_types  # noqa: F401 - declares the field models an item's page lists
from components import page_layout
from components.content import content_item, content_list
from components.layout import found_or_missing
from state.content import ContentState


def page() -> rx.Component:
    return page_layout(
        found_or_missing(
            ContentState.loaded,
            ContentState.found,
            rx.cond(ContentState.view == "list", content_list(), content_item()),
        ),
    )
