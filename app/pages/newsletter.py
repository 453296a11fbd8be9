"""``/newsletter/confirm/[token]`` and ``/newsletter/unsubscribe/[token]``: links from emails."""

from __future__ import annotations

import reflex as rx

from components import page_layout
from components.newsletter import newsletter_outcome


def confirm_page() -> rx.Component:
    return page_layout(newsletter_outcome("Newsletter subscription"))


def unsubscribe_page() -> rx.Component:
    return page_layout(newsletter_outcome("Unsubscribe"))
