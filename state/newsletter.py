"""Newsletter state: the footer sign-up form, and the confirm / unsubscribe link pages.

Two classes because they show different things: the form's errors belong next to its
field on every page, while a link page shows one outcome sentence. Neither ever holds
an address other than what this browser typed, nor any token hash.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.newsletter import CHECK_INBOX, CONFIRM_INVALID, UNSUBSCRIBE_INVALID
from state.actions import FormMixin, feedback, perform
from state.checks import typed
from state.site import SiteState

FORM_ID = "newsletter"


class NewsletterState(FormMixin, SiteState):
    @rx.event
    @typed
    async def submit_subscription(self, form_data: dict[str, Any]) -> Any:
        """Ask for a confirmation email; the answer is the same whatever the address's history."""
        self.pending = True
        yield
        result = await perform(self, "newsletter.subscribe", form_data)
        yield feedback(result, form_id=FORM_ID, success=CHECK_INBOX)


class NewsletterLinkState(SiteState):
    """The outcome of opening a link from a newsletter email (the ``[token]`` route segment)."""

    outcome: rx.Field[str] = rx.field("")
    succeeded: rx.Field[bool] = rx.field(False)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load_confirmation(self) -> None:
        # One delta, no "loading" step: the server-rendered page already shows the outcome,
        # and following the link again gives the same one (both actions are idempotent).
        await self._follow("newsletter.confirm", CONFIRM_INVALID)

    @rx.event
    async def load_unsubscription(self) -> None:
        await self._follow("newsletter.unsubscribe", UNSUBSCRIBE_INVALID)

    async def _follow(self, name: str, invalid: str) -> None:
        token = str(getattr(self, "token", "") or "")  # the [token] route segment
        result = await perform(self, name, {"token": token})
        self.succeeded = result.ok
        if result.error is None:
            self.outcome = str(result.data["message"])
        else:  # a mangled token is just an invalid link; busy or rate-limited say so
            self.outcome = invalid if result.error.fields else result.error.message
        self.loaded = True
