"""``/account``: who you are signed in as, and signing out (here or everywhere)."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.accounts import account_panel


def page() -> rx.Component:
    return page_layout(rx.heading("Your account", size="8"), account_panel())
