"""The guestbook page's state: one page of entries and the signing form."""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.core.pagination import Page, page_number
from db.guestbook import list_entries
from db.models import GuestbookEntryPublic
from state import live
from state.actions import FormMixin, feedback, perform, query
from state.checks import typed
from state.format import iso
from state.head import PageHead
from state.site import SiteState

FORM_ID = "guestbook"
TOPIC = "guestbook"


def _view(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "id": str(entry["id"]),
        "author": entry["author"],
        "content": entry["content"],
        "created": iso(entry["created_at"]),
    }


class GuestbookState(PageHead, FormMixin, SiteState):
    entries: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    page: rx.Field[int] = rx.field(1)
    pages: rx.Field[int] = rx.field(1)
    total: rx.Field[int] = rx.field(0)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load_entries(self) -> None:
        """Show the page named by ``?page=`` and follow new signatures live."""
        await self._fetch(page_number(self.router.url.query_parameters.get("page")))
        self._set_list_head(
            "/guestbook", self.page, self.pages, "Visitors' signatures in the Atoll guestbook."
        )
        live.subscribe(TOPIC, self._client_token())

    async def _fetch(self, page: int) -> None:
        listing = await query(list_entries, page=page)
        self.page, self.pages, self.total = listing.page, listing.pages, listing.total
        self.entries = [_view(e.model_dump(mode="json")) for e in listing.items]
        self.loaded = True

    @rx.event
    @typed
    async def submit_entry(self, form_data: dict[str, Any]) -> Any:
        """Sign the guestbook; the entry shows at once here and in every open guestbook."""
        self.pending = True
        yield
        result = await perform(self, "guestbook.add", form_data)
        if result.ok:
            await self._fetch(1)
            live.publish(
                TOPIC, GuestbookState, lambda: query(list_entries, page=1), _refresh_first_page
            )
        yield feedback(result, form_id=FORM_ID, success="Thanks for signing the guestbook!")


def _refresh_first_page(state: GuestbookState, listing: Page[GuestbookEntryPublic]) -> None:
    state.pages, state.total = listing.pages, listing.total
    if state.page == 1:
        state.entries = [_view(e.model_dump(mode="json")) for e in listing.items]
