"""The root of Atoll's state tree: who the visitor is."""

from __future__ import annotations

import reflex as rx

from db.actions import ActionContext
from db.visitors import COOKIE_MAX_AGE, COOKIE_NAME, is_valid, new_visitor_id


class SiteState(rx.State):
    """Holds the visitor cookie every island acts as.

    The cookie is the same one the HTTP endpoint reads and sets, so a like made with
    JavaScript disabled belongs to the same visitor as one made over the websocket.
    """

    visitor_id: str = rx.Cookie(
        "", name=COOKIE_NAME, max_age=COOKIE_MAX_AGE, same_site="lax", path="/"
    )

    @rx.event
    def ensure_visitor(self) -> None:
        """Issue a visitor id when the browser has none (runs on every page load)."""
        self._ensure_visitor()

    def _ensure_visitor(self) -> str:
        if not is_valid(self.visitor_id):
            self.visitor_id = new_visitor_id()
        return self.visitor_id

    def _action_context(self) -> ActionContext:
        """The context actions run with for this browser."""
        visitor = self._ensure_visitor()
        return ActionContext(visitor_id=visitor, client=f"visitor:{visitor}")

    def _client_token(self) -> str:
        """This browser tab's Reflex token (what live updates are addressed to)."""
        return self.router.session.client_token
