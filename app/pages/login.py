"""``/login``: sign in, then back to where you were."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.accounts import login_form
from state.accounts import AccountFormState


def page() -> rx.Component:
    return page_layout(
        # Sent here from a page that needs an account (``?next=``): say why.
        rx.heading(
            rx.cond(AccountFormState.next_url != "/", "Sign in to continue", "Sign in"),
            size="8",
            id="login-heading",
        ),
        rx.box(login_form(), max_width="28rem", width="100%"),
        rx.text(
            "No account yet? ",
            rx.link("Create one", href="/signup?next=" + AccountFormState.next_param),
        ),
    )
