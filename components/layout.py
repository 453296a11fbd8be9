"""The shared frame of every page: header navigation, main column, footer."""

from __future__ import annotations

import reflex as rx

from components.accounts import account_menu
from components.newsletter import newsletter_signup
from state.site import SiteState

NAV = (("Home", "/"), ("Blog", "/blog"), ("Guestbook", "/guestbook"), ("Contact", "/contact"))


def _header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(rx.heading("Atoll", size="6"), href="/", underline="none"),
            rx.spacer(),
            rx.el.nav(
                rx.hstack(*(rx.link(label, href=href) for label, href in NAV), spacing="5"),
                aria_label="Main",
            ),
            account_menu(),
            align="center",
            spacing="5",
            width="100%",
        ),
        style={"padding": "1rem 0", "border_bottom": "1px solid var(--gray-a5)"},
    )


def _footer() -> rx.Component:
    return rx.el.footer(
        newsletter_signup(),
        rx.text("Atoll: pages in Python, data in libSQL.", size="2", color_scheme="gray"),
        style={"padding": "2rem 0", "border_top": "1px solid var(--gray-a5)", "margin_top": "3rem"},
    )


def page_layout(*children: rx.Component) -> rx.Component:
    """Wrap a page's content in the site frame."""
    return rx.container(
        _header(),
        rx.el.main(
            rx.vstack(*children, spacing="5", width="100%"),
            style={"padding_top": "2rem"},
            data_live=rx.cond(SiteState.live, "true", "false"),
        ),
        _footer(),
        size="3",
    )


def not_found(message: str = "We couldn't find that page.") -> rx.Component:
    """The body shown for an unknown URL or slug."""
    return rx.vstack(
        rx.heading("Not found", size="8", id="not-found"),
        rx.text(message),
        rx.link("Back to the home page", href="/"),
        spacing="3",
    )


def loading(label: str = "Loading…") -> rx.Component:
    return rx.hstack(rx.spinner(size="2"), rx.text(label, color_scheme="gray"), role="status")
