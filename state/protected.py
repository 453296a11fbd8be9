"""The password form of a password-protected post (``components/protected.py``).

The form posts to ``POST /api/posts/unlock`` (only an HTTP response can set the HttpOnly
cookie that remembers the password); this state only shows what that answered: the field
error for a wrong password, or a busy button while the post reloads, unlocked.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from state.actions import FormMixin, show_outcome
from state.checks import typed
from state.site import SiteState


class UnlockState(FormMixin, SiteState):
    """A protected post's password form: its field error, form error and pending flag."""

    @rx.event
    @typed
    def receive_result(self, outcome: dict[str, Any]) -> Any:
        """Show what ``POST /api/posts/unlock`` answered the form's fetch."""
        return show_outcome(self, outcome)
