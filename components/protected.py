"""The password form a password-protected post shows in place of its content.

Without JavaScript it is a plain form post to ``/api/posts/unlock``, answered by a ``303``
back to the post (now rendered with its content for this visitor) or by the usual error
page. With JavaScript the same endpoint is ``fetch``ed, so a wrong password shows under the
field, and a right one reloads the post. The password goes from the field straight to the
endpoint: it is never an event argument, so it never crosses the websocket.
"""

from __future__ import annotations

import reflex as rx

from components.accounts import fetch_script, lock_panel
from components.forms import action_form, backend_url, form_error, model_field, submit_button
from db.protected import PostUnlock
from state.protected import UnlockState

UNLOCK_FORM = "posts-unlock"


def password_form(slug: rx.Var) -> rx.Component:
    """The "password-protected" notice and a form asking for the password of post ``slug``."""
    S = UnlockState
    return lock_panel(
        "protected",
        "Password-protected",
        rx.text("This post is protected. Enter its password to read it."),
        action_form(
            UNLOCK_FORM,
            backend_url("/api/posts/unlock"),
            rx.call_script(fetch_script(UNLOCK_FORM), callback=S.receive_result),
            rx.vstack(
                form_error(S.form_error),
                rx.el.input(type="hidden", name="post_slug", value=slug),
                model_field(UNLOCK_FORM, PostUnlock, "password", S.field_errors),
                submit_button("Unlock", S.pending),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
    )


def lock_badge(protected: rx.Var) -> rx.Component:
    """A lock beside a protected post's title in a list (``protected`` is the card's flag)."""
    return rx.cond(
        protected == "protected",
        rx.badge(
            rx.icon("lock", size=12, aria_hidden="true"),
            "Protected",
            variant="soft",
            color_scheme="gray",
            class_name="post-lock",
        ),
    )
