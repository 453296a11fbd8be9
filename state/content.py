"""State for whatever a path no route claims: a WordPress page, a custom type's list or one
of its items, or the not-found page (:mod:`db.content` resolves the path)."""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from db.content import ContentView, cached_content, field_rows
from db.core.pagination import page_number
from db.models import ContentItemPublic
from state.actions import query
from state.format import summary
from state.head import SITE_NAME, PagedList, PageHead
from state.posts import base_card

NOT_FOUND_TITLE = "Atoll · Not found"


def content_card(item: ContentItemPublic) -> dict[str, str]:
    """A page or custom item as a card or its page shows it: :func:`state.posts.base_card`
    with ``href``, its address on the site. A page author's own list can use it too."""
    return {"href": item.path, "type": item.post_type} | base_card(item.model_dump(mode="json"))


class ContentState(PageHead, PagedList, rx.State):
    """The page at the current path: ``view`` is ``item`` (a page or a custom item, with
    its declared custom fields), ``list`` (a custom type's items, one page of them) or ``""``
    (not found)."""

    view: rx.Field[str] = rx.field("")
    item: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    content_html: rx.Field[str] = rx.field("")
    fields: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    """The item's declared custom fields: ``label``, ``value`` (text) or ``html`` (sanitized)."""
    items: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    heading: rx.Field[str] = rx.field("")
    base: rx.Field[str] = rx.field("")
    """The list's path (``/books``): the pager's links and an item's way back."""

    @rx.var
    def title(self) -> str:
        """The page's ``<title>``: the item's, the list's or the not-found page's."""
        if not self.found:
            return NOT_FOUND_TITLE
        if self.view == "item":
            return f"{self.item.get('title') or SITE_NAME} · Atoll"
        return f"Atoll · {self.heading}" if self.heading else SITE_NAME

    @rx.event
    async def load_content(self) -> None:
        path = self.router.url.path
        segments = tuple(unquote(s) for s in path.split("/") if s)
        page = page_number(self.router.url.query_parameters.get("page"))
        found: ContentView | None = (
            await query(cached_content, segments, page=page) if segments else None
        )
        self._show(found, path)
        self.loaded = True

    def _show(self, found: ContentView | None, path: str) -> None:
        self.found = found is not None
        self.item, self.content_html, self.fields, self.items = {}, "", [], []
        self.heading, self.base, self.page, self.pages = "", "", 1, 1
        self.view = ""
        if found is None:
            self._set_head(path)
            return
        if found.type is not None:
            self.base = "/" + found.type.rest_base
            self.heading = found.type.label
        if found.item is not None:
            item = found.item
            self.view = "item"
            self.item = content_card(item)
            self.content_html = item.content_html
            self.fields = field_rows(item)
            description = summary(item.excerpt_html, item.content_html)
            self._set_head(
                item.path,
                description=description,
                image=item.featured_image_url or "",
                kind="article" if item.post_type != "page" else "website",
            )
        elif found.listing is not None:
            self.view = "list"
            self.items = [content_card(i) for i in found.listing.items]
            self.page, self.pages = found.listing.page, found.listing.pages
            self._set_list_head(self.base, self.page, self.pages, f"{self.heading} on {SITE_NAME}.")
