"""``/guestbook``: sign and read."""

from __future__ import annotations

import reflex as rx

from components import guestbook_section, page_layout


def page() -> rx.Component:
    return page_layout(
        rx.heading("Guestbook", size="8"),
        rx.text("Say hello. Your name and message are shown to everyone."),
        guestbook_section(),
    )
