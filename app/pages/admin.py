"""``/admin``: the dashboard, for administrators only."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.admin import admin_dashboard


def page() -> rx.Component:
    return page_layout(rx.heading("Admin", size="8"), admin_dashboard())
