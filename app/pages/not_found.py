"""Any unknown URL."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.layout import not_found


def page() -> rx.Component:
    return page_layout(not_found())
