"""The generic list island: pages of a registered listing, with no state class to write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import reflex as rx
from reflex.vars import ArrayVar, NumberVar, ObjectVar

from components.layout import loading
from state.islands import ListingState as S


def rows_list(
    name: str,
    render: Callable[[ObjectVar[dict[str, Any]]], rx.Component],
    *,
    empty: str = "Nothing here yet.",
) -> rx.Component:
    """Listing ``name`` (``@listing`` in ``db/``), each row drawn by ``render(row)`` (a row is
    its model's JSON: ``row["text"]``), with newer/older buttons when it has several pages.

    It loads when it appears and again after any :func:`components.forms.model_form` on the
    page succeeds. Ids: ``<name with dashes>-rows`` and ``-empty``.
    """
    list_id = name.replace(".", "-")
    rows = cast(ArrayVar[list[dict[str, Any]]], S.rows.get(name, []))
    page = cast(NumberVar[int], S.page.get(name, 1))
    pages = cast(NumberVar[int], S.pages.get(name, 1))
    loaded = S.page.contains(name)
    pager = rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(
                "← Newer",
                on_click=S.load_listing(name, (page - 1).to(int)),
                disabled=page <= 1,
                variant="soft",
            ),
            rx.text("Page ", page.to_string(), " of ", pages.to_string(), size="2"),
            rx.button(
                "Older →",
                on_click=S.load_listing(name, (page + 1).to(int)),
                disabled=page >= pages,
                variant="soft",
            ),
            spacing="4",
            align="center",
        ),
    )
    return rx.box(
        rx.cond(
            loaded,
            rx.cond(
                rows.length() > 0,
                rx.vstack(rx.foreach(rows, render), pager, width="100%", id=f"{list_id}-rows"),
                rx.text(empty, id=f"{list_id}-empty"),
            ),
            loading(),
        ),
        on_mount=S.load_listing(name),
        width="100%",
    )
