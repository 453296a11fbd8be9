"""The shared frame of every page: header navigation, main column, footer.

The header's links sit in a ``<details>`` disclosure. On a phone it is a "Menu" button
that opens the list below the header; from :data:`WIDE` up, ``assets/styles.css`` hides
the button and shows the list in one row. ``<details>`` needs no script, so the menu
works in the server-rendered HTML before the app hydrates, and with JavaScript off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import reflex as rx
from reflex.vars import NumberVar, StringVar

from components.accounts import account_menu
from components.newsletter import newsletter_signup
from state.site import SiteState

NAV = (("Home", "/"), ("Blog", "/blog"), ("Guestbook", "/guestbook"), ("Contact", "/contact"))
MENU_ID = "site-menu"
NAV_ID = "site-nav"

_route: ContextVar[str] = ContextVar("atoll_route", default="")
"""The route pattern of the page being built (``/blog/[slug]``); empty outside one."""

# Escape closes the open menu and gives focus back to its button; following a link closes
# it too (a client-side navigation to the same route keeps the page's elements).
_MENU_KEYS = rx.Var(
    "((e) => { const menu = e.currentTarget; if (e.key === 'Escape' && menu.open) {"
    " menu.open = false; menu.querySelector('summary').focus(); } })"
)
_MENU_CLICK = rx.Var("((e) => { if (e.target.closest('a')) e.currentTarget.open = false; })")


@contextmanager
def current_route(path: str) -> Iterator[None]:
    """Build a page knowing its route, so its nav marks where the visitor is.

    Pages are compiled once per route, and the mark is then in every copy of the page:
    the prerendered file, the server-rendered HTML and the live app alike.
    """
    token = _route.set(path)
    try:
        yield
    finally:
        _route.reset(token)


def aria_current(href: str) -> dict[str, str]:
    """``aria-current`` for a link to ``href`` on the page being built.

    ``page`` on that very page; ``true`` on a page inside its section (a post, a category
    under ``/blog``), which ARIA defines as "the current item in a set"; nothing elsewhere.
    """
    here = _route.get()
    if here == href:
        return {"aria_current": "page"}
    if href != "/" and here.startswith(href + "/"):
        return {"aria_current": "true"}
    return {}


def nav_link(label: Any, href: str, **props: Any) -> rx.Component:
    """One item of the header's lists: a link marked when it is the current page."""
    return rx.el.li(
        rx.link(label, href=href, class_name="site-nav-link", **aria_current(href), **props),
        class_name="site-nav-item",
    )


def _menu() -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.icon("menu", size=20, aria_hidden="true"),
            rx.el.span("Menu"),
            class_name="site-menu-button",
            aria_controls=NAV_ID,
        ),
        rx.el.nav(
            rx.el.ul(*(nav_link(label, href) for label, href in NAV), class_name="site-nav-list"),
            account_menu(nav_link),
            aria_label="Main",
            id=NAV_ID,
            class_name="site-nav",
        ),
        id=MENU_ID,
        class_name="site-menu",
        custom_attrs={"onKeyDown": _MENU_KEYS, "onClick": _MENU_CLICK},
    )


def _header() -> rx.Component:
    return rx.el.header(
        rx.link(rx.heading("Atoll", size="6"), href="/", underline="none", class_name="site-brand"),
        _menu(),
        class_name="site-header",
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


def found_or_missing(
    loaded: rx.Var[bool],
    found: rx.Var[bool],
    body: rx.Component,
    message: str = "We couldn't find that page.",
) -> rx.Component:
    """The body of a page whose state looks one thing up: :func:`loading` until ``loaded``,
    then ``body``, or :func:`not_found` saying ``message`` when nothing was ``found``."""
    return rx.cond(loaded, rx.cond(found, body, not_found(message)), loading())


def pager(
    page: NumberVar[int],
    pages: NumberVar[int],
    base: str | StringVar[str],
    *,
    name: str = "",
    **props: Any,
) -> rx.Component:
    """A list's "← Newer · Page N of M · Older →" row, once it has several pages.

    Plain links to ``base?page=N``: each page of a list is a page of its own, server-rendered,
    cacheable and crawlable (its head says ``rel=prev/next``). ``name`` gives the links and
    the count ids (``<name>-newer``, ``<name>-page``, ``<name>-older``); ``props`` go to the
    row.
    """

    def named(part: str) -> str | None:
        return f"{name}-{part}" if name else None

    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.cond(
                page > 1,
                rx.link(
                    "← Newer", href=base + "?page=" + (page - 1).to_string(), id=named("newer")
                ),
            ),
            rx.text("Page ", page, " of ", pages, size="2", id=named("page")),
            rx.cond(
                page < pages,
                rx.link(
                    "Older →", href=base + "?page=" + (page + 1).to_string(), id=named("older")
                ),
            ),
            spacing="4",
            **props,
        ),
    )
