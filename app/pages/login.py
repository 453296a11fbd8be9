"""``/login``: sign in, then back to where you were."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.account import login_form
from state.auth import AuthFormState


def page() -> rx.Component:
    return page_layout(
        rx.heading("Sign in", size="8"),
        rx.box(login_form(), max_width="28rem", width="100%"),
        rx.text(
            "No account yet? ",
            rx.link("Create one", href="/signup?next=" + AuthFormState.next_param),
        ),
    )
