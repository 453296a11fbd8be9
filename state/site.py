"""The root of Atoll's state tree: who the visitor is."""

from __future__ import annotations

import reflex as rx

from db.accounts import UserPublic, signed_in_user
from db.core.actions import ActionContext, action_context
from db.visitors import COOKIE_MAX_AGE, COOKIE_NAME, is_valid, new_visitor_id


class SiteState(rx.State):
    """Holds the visitor cookie every island acts as.

    The cookie is the same one the HTTP endpoint reads and sets, so a like made with
    JavaScript disabled belongs to the same visitor as one made over the websocket.
    """

    visitor_id: str = rx.Cookie(
        "", name=COOKIE_NAME, max_age=COOKIE_MAX_AGE, same_site="lax", path="/"
    )
    _user_id: int | None = None  # backend-only: the account behind the session cookie
    live: rx.Field[bool] = rx.field(False)
    """True once this tab's websocket has loaded the page (never in server-rendered HTML):
    the page's ``data-live`` attribute, what tests and scripts wait on before interacting."""

    async def _current_user(self) -> UserPublic | None:
        """Who this socket's session cookie belongs to, checked against the database now.

        The HttpOnly cookie arrives with the websocket handshake (``router.headers`` keeps
        it server-side). It is re-checked on every action and page load, never cached, so
        signing out in one tab, or everywhere, takes effect at once in tabs still open.
        Raises :class:`~db.core.errors.ActionError` (503) when the database can't say:
        :func:`state.actions.perform` shows it on the form, other handlers' failures reach
        the app's one exception handler.
        """
        user = await signed_in_user(self.router.headers.cookie)
        self._user_id = user.id if user else None
        return user

    @rx.event
    def ensure_visitor(self) -> None:
        """Issue a visitor id when the browser has none (runs on every page load)."""
        self._ensure_visitor()
        self.live = True

    def _ensure_visitor(self) -> str:
        if not is_valid(self.visitor_id):
            self.visitor_id = new_visitor_id()
        return self.visitor_id

    def _action_context(self) -> ActionContext:
        """The context actions run with for this browser (the user as of ``_current_user``).

        Limits count per client address, as on the HTTP path (Reflex resolves it through
        ``trusted_proxy_hops`` like :func:`app.api.guard.client_ip`), so tabs without a
        cookie, or a switch to plain HTTP, share one budget.
        """
        return action_context(
            ip=self.router.session.client_ip,
            visitor_id=self._ensure_visitor(),
            user_id=self._user_id,
        )

    def _client_token(self) -> str:
        """This browser tab's Reflex token (what live updates are addressed to)."""
        return self.router.session.client_token
