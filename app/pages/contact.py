"""``/contact``: write to the site owner."""

from __future__ import annotations

import reflex as rx

from components import contact_form, page_layout


def page() -> rx.Component:
    return page_layout(
        rx.heading("Contact", size="8"),
        rx.text("Questions, corrections, hellos: the message goes straight to the author's inbox."),
        contact_form(),
    )
