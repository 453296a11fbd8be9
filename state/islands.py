"""Generic island states: any registered action's form, any registered listing's pages.

A new island needs no state class of its own: :class:`ActionFormState` runs an action by
name (only names in the registry, :mod:`db.core.actions`) and keeps each form's pending
flag and errors under the form's id; :class:`ListingState` reads pages of a registered
listing (never SQL a browser chose). Reflex creates state classes when the app is
imported, so these two serve every form and list made by ``components.forms.model_form``
and ``components.lists.rows_list``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.core.actions import LISTINGS, load_actions, read_listing
from db.core.errors import ActionError
from state.actions import feedback, perform, query
from state.checks import typed
from state.site import SiteState

UNKNOWN_FORM = "This form can't be sent. Please reload the page and try again."


def form_id_of(action_name: str) -> str:
    """The form's element id for action ``action_name`` (``notes.add`` → ``notes-add``);
    its fields are ``<form id>-<field>``."""
    return action_name.replace(".", "-")


class ListingState(SiteState):
    """Pages of registered listings, by listing name: the rows a tab shows and where it is."""

    rows: rx.Field[dict[str, list[dict[str, Any]]]] = rx.field(default_factory=dict)
    page: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    pages: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    total: rx.Field[dict[str, int]] = rx.field(default_factory=dict)

    @rx.event
    @typed
    async def load_listing(self, name: str, page: int = 1) -> Any:
        """Show page ``page`` of listing ``name`` (a name no module registered shows nothing)."""
        load_actions()
        if name not in LISTINGS:
            return
        try:
            listing = await query(read_listing, name, page=page)
        except ActionError as exc:
            yield rx.toast.error(exc.message)
            return
        self.rows[name] = listing.items
        self.page[name], self.pages[name] = listing.page, listing.pages
        self.total[name] = listing.total

    async def _reload(self) -> None:
        """Re-read every listing this tab shows, on the page it shows (after a write)."""
        for name, page in list(self.page.items()):
            listing = await query(read_listing, name, page=page)
            self.rows[name] = listing.items
            self.page[name], self.pages[name] = listing.page, listing.pages
            self.total[name] = listing.total


class ActionFormState(SiteState):
    """Every generated form's vars, keyed by form id (:func:`form_id_of`)."""

    pending: rx.Field[dict[str, bool]] = rx.field(default_factory=dict)
    field_errors: rx.Field[dict[str, dict[str, list[str]]]] = rx.field(default_factory=dict)
    form_error: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.event
    @typed
    async def submit(self, action_name: str, success: str, form_data: dict[str, Any]) -> Any:
        """Run action ``action_name`` with the form's fields; on success the form clears and
        the listings on the page are read again, so the new row shows at once."""
        if action_name not in load_actions():
            yield rx.toast.error(UNKNOWN_FORM)
            return
        form_id = form_id_of(action_name)
        self.pending[form_id] = True
        yield
        result = await perform(self, action_name, form_data)
        self.pending[form_id] = False
        self.field_errors[form_id] = result.error.fields if result.error else {}
        self.form_error[form_id] = result.error.message if result.error else ""
        if result.ok:
            listings = await self.get_state(ListingState)
            await listings._reload()
        yield feedback(result, form_id=form_id, success=success)
