"""Who is signed in, for the account menu and pages, and the sign-in forms' errors.

Signing in and out is done by ``app/api/accounts.py`` (only an HTTP response can set an
HttpOnly cookie); this state only *reads* the session, through
``SiteState._current_user``, and holds the public view of it: id, display name, role.
The email, the password hash and the token never become vars.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import reflex as rx

from db.accounts import UserPublic, safe_return_path
from state.actions import FormMixin, show_outcome
from state.checks import typed
from state.site import SiteState


def login_url(path: str) -> str:
    """The sign-in page, coming back to ``path`` afterwards."""
    return "/login?next=" + quote(safe_return_path(path), safe="/")


class AccountState(SiteState):
    """The signed-in account as the account menu shows it (id 0: signed out)."""

    user_id: rx.Field[int] = rx.field(0)
    display_name: rx.Field[str] = rx.field("")
    role: rx.Field[str] = rx.field("")
    loaded: rx.Field[bool] = rx.field(False)

    @rx.var
    def signed_in(self) -> bool:
        return self.user_id > 0

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    def _show(self, user: UserPublic | None) -> None:
        self.user_id = user.id if user else 0
        self.display_name = user.display_name if user else ""
        self.role = user.role if user else ""
        self.loaded = True

    @rx.event
    async def load_user(self) -> None:
        """Refresh the menu from the session cookie (runs as the header mounts)."""
        self._show(await self._current_user())

    @rx.event
    async def load_account(self) -> Any:
        """``/account``: signed-out visitors are sent to sign in first."""
        user = await self._current_user()
        self._show(user)
        if user is None:
            return rx.redirect(login_url("/account"))
        return None


class AccountFormState(FormMixin, SiteState):
    """The sign-in and sign-up forms: where to go afterwards and what went wrong."""

    next_url: rx.Field[str] = rx.field("/")

    @rx.var
    def next_param(self) -> str:
        """``next_url`` encoded for a query string (links between sign-in and sign-up)."""
        return quote(self.next_url, safe="/")

    @rx.event
    async def load_form(self) -> Any:
        """Read ``?next=``; someone already signed in goes straight there."""
        self.next_url = safe_return_path(self.router.url.query_parameters.get("next", "/"))
        self.field_errors, self.form_error, self.pending = {}, "", False
        if await self._current_user() is not None:
            return rx.redirect(self.next_url)
        return None

    @rx.event
    @typed
    def receive_result(self, outcome: dict[str, Any]) -> Any:
        """Show what ``POST /api/auth/*`` answered the form's fetch (the browser then navigates)."""
        return show_outcome(self, outcome)
