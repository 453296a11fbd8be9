"""``/signup``: create a member account (and be signed in)."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.accounts import signup_form
from state.accounts import AccountFormState


def page() -> rx.Component:
    return page_layout(
        rx.heading("Create an account", size="8"),
        rx.text("Members can read members-only posts and edit their comments from any browser."),
        rx.box(signup_form(), max_width="28rem", width="100%"),
        rx.text(
            "Already have one? ",
            rx.link("Sign in", href="/login?next=" + AccountFormState.next_param),
        ),
    )
