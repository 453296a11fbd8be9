"""The contact page's state: the message form, nothing else (messages are never listed)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.contact import RECEIVED
from state.actions import FormMixin, feedback, perform
from state.checks import typed
from state.site import SiteState

FORM_ID = "contact"


class ContactState(FormMixin, SiteState):
    @rx.event
    @typed
    async def submit_message(self, form_data: dict[str, Any]) -> Any:
        """Store the message and queue it for the owner; the form clears on success."""
        self.pending = True
        yield
        result = await perform(self, "contact.send", form_data)
        yield feedback(result, form_id=FORM_ID, success=RECEIVED)
