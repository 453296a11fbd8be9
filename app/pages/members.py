"""``/members``: the members-only posts (signed-out visitors are sent to sign in)."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.members import member_posts


def page() -> rx.Component:
    return page_layout(
        rx.heading("For members", size="8"),
        rx.text("Posts only signed-in members can read."),
        member_posts(),
    )
