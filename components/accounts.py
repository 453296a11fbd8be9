"""Account islands: the header menu, the sign-in and sign-up forms, sign-out buttons.

Every form here posts to ``/api/auth/*`` (the only place the HttpOnly session cookie can
be set or cleared). Without JavaScript that is a plain form post answered by a redirect.
With JavaScript, sign-in and sign-up ``fetch`` the same endpoint so errors appear next to
the fields, and on success load the return page in full, so the websocket reconnects with
the new cookie; sign-out buttons submit natively (nothing can go wrong worth showing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from components.forms import (
    action_form,
    backend_url,
    form_error,
    honeypot,
    model_field,
    submit_button,
)
from db.accounts import SessionCreate, UserCreate
from state.accounts import AccountFormState, AccountState

LOGIN_FORM = "login"
SIGNUP_FORM = "signup"
UNREACHABLE = "The server could not be reached. Check your connection and try again."


def fetch_script(form_id: str) -> str:
    """Post the form with ``fetch`` and hand the JSON answer to ``receive_result``.

    The password goes from the DOM straight to the endpoint: it is never an event
    argument, so it never crosses the websocket.
    """
    return f"""(async () => {{
  const form = document.getElementById("{form_id}");
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  const data = new FormData(form);
  // The hidden field is filled once the page's state loads (it starts as "/"): the URL's
  // ?next= is the same value and is there from the start, so it wins.
  const next = new URLSearchParams(window.location.search).get("next");
  if (next) data.set("next", next);
  try {{
    const response = await fetch(form.action, {{
      method: "POST",
      credentials: "include",
      headers: {{"Accept": "application/json"}},
      body: new URLSearchParams(data),
    }});
    const body = await response.json();
    if (response.ok && body.data) {{
      window.location.assign(body.data.next || "/");
    }} else if (button) {{
      button.disabled = false;
    }}
    return {{...body, form: "{form_id}"}};
  }} catch (error) {{
    if (button) button.disabled = false;
    return {{
      form: "{form_id}",
      error: {{code: "SERVICE_UNAVAILABLE", message: {UNREACHABLE!r}, fields: {{}}}},
    }};
  }}
}})()"""


def _auth_form(form_id: str, endpoint: str, label: str, *fields: rx.Component) -> rx.Component:
    S = AccountFormState
    return action_form(
        form_id,
        backend_url(endpoint),
        rx.call_script(fetch_script(form_id), callback=S.receive_result),
        rx.vstack(
            form_error(S.form_error),
            *fields,
            rx.el.input(type="hidden", name="next", value=S.next_url),
            submit_button(label, S.pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def login_form() -> rx.Component:
    errors = AccountFormState.field_errors
    return _auth_form(
        LOGIN_FORM,
        "/api/auth/login",
        "Sign in",
        model_field(LOGIN_FORM, SessionCreate, "email", errors),
        model_field(LOGIN_FORM, SessionCreate, "password", errors),
    )


def signup_form() -> rx.Component:
    errors = AccountFormState.field_errors
    return _auth_form(
        SIGNUP_FORM,
        "/api/auth/signup",
        "Create account",
        model_field(SIGNUP_FORM, UserCreate, "email", errors),
        model_field(SIGNUP_FORM, UserCreate, "display_name", errors),
        model_field(SIGNUP_FORM, UserCreate, "password", errors),
        honeypot(SIGNUP_FORM),
    )


def sign_out_button(
    form_id: str,
    label: str,
    endpoint: str = "/api/auth/logout",
    *,
    as_link: bool = False,
    **button_props: Any,
) -> rx.Component:
    """A one-button form: native POST, then the endpoint redirects to a fresh page load.

    ``as_link`` draws the button like the header's links beside it (it still is a button:
    it changes something, so it is not a link a crawler or prefetcher could follow).
    """
    button = (
        rx.el.button(label, type="submit", class_name="site-nav-link site-nav-button")
        if as_link
        else rx.button(label, type="submit", **button_props)
    )
    return rx.form(
        button,
        id=form_id,
        action=backend_url(endpoint),
        method="post",
        on_submit=rx.call_script(f"document.getElementById('{form_id}').submit()"),
    )


def account_menu(item: Callable[..., rx.Component]) -> rx.Component:
    """The header's account links: the signed-in name (and admin link), or sign-in links.

    Args:
        item: makes one list item from a label and an href (the layout's, which marks the
            current page), so these links look and behave like the rest of the header.
    """
    S = AccountState
    return rx.el.ul(
        rx.cond(
            S.signed_in,
            rx.fragment(
                item(S.display_name, "/account", id="account-name"),
                item("Members", "/members"),
                rx.cond(S.is_admin, item("Admin", "/admin", id="admin-link")),
                rx.el.li(
                    sign_out_button("menu-sign-out", "Sign out", as_link=True),
                    class_name="site-nav-item",
                ),
            ),
            rx.fragment(
                item("Sign in", "/login", id="sign-in-link"),
                item("Sign up", "/signup"),
            ),
        ),
        on_mount=S.load_user,
        class_name="site-nav-list account-menu",
    )


def account_panel() -> rx.Component:
    """``/account``: who you are and the two ways to sign out."""
    S = AccountState
    return rx.cond(
        S.signed_in,
        rx.vstack(
            rx.text(
                "Signed in as ",
                rx.text.strong(S.display_name, id="account-display-name"),
                rx.cond(S.is_admin, " (administrator)", ""),
            ),
            rx.hstack(
                sign_out_button("sign-out", "Sign out"),
                sign_out_button(
                    "sign-out-everywhere",
                    "Sign out everywhere",
                    endpoint="/api/auth/logout-everywhere",
                    color_scheme="red",
                    variant="outline",
                ),
                spacing="3",
            ),
            rx.text(
                "“Sign out everywhere” ends your session in every browser and device.",
                size="2",
                color_scheme="gray",
            ),
            spacing="4",
        ),
        rx.text("Checking your session…", color_scheme="gray"),
    )


# Added to a locked post's return path, so the post can say the sign-in worked.
SIGNED_IN_PARAM = "signed_in"


def lock_panel(name: str, heading: str, *children: rx.Component, **props: Any) -> rx.Component:
    """A card with a lock, standing in for a post's content the visitor can't read yet (a
    members-only post's sign-in links, a protected post's password form).

    A region (``<name>-notice``) labelled by its heading (``<name>-heading``), so a screen
    reader announces what stands where the post would be; ``props`` go to its column.
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("lock", size=20, aria_hidden="true"),
                rx.heading(heading, size="5", as_="h2", id=f"{name}-heading"),
                align="center",
                spacing="2",
            ),
            *children,
            spacing="3",
            **props,
        ),
        size="3",
        width="100%",
        id=f"{name}-notice",
        role="region",
        aria_labelledby=f"{name}-heading",
    )


def locked_notice(slug: rx.Var) -> rx.Component:
    """The one panel a visitor who isn't signed in sees in place of a members-only post.

    It stands in for the content and for the like button, rating and comments too: none of
    them is any use on a post the visitor cannot read. Both links come back to the post
    with ``?signed_in=1``, which :func:`signed_in_notice` turns into a "Signed in" notice.
    """
    # ``next`` is encoded: its own "?" and "=" belong to the return path, not the login URL.
    back = "/blog/" + slug.to(str) + "%3F" + SIGNED_IN_PARAM + "%3D1"
    return lock_panel(
        "members-only",
        "Sign in to read",
        rx.text("This post is for members of Atoll. Membership is free."),
        rx.hstack(
            rx.button(
                rx.el.a("Sign in", href="/login?next=" + back, id="locked-sign-in"),
                as_child=True,
                size="3",
                class_name="locked-action",
            ),
            rx.button(
                rx.el.a("Create a free account", href="/signup?next=" + back),
                as_child=True,
                size="3",
                variant="soft",
                class_name="locked-action",
            ),
            spacing="3",
            wrap="wrap",
        ),
    )


def signed_in_notice() -> rx.Component:
    """ "Signed in" on arrival back at the page that asked for it (see :func:`locked_notice`).

    Shown only while the visitor really is signed in, so a shared link carrying the
    parameter says nothing to anyone else.
    """
    arrived = AccountState.router.url.query_parameters[SIGNED_IN_PARAM].to(str) == "1"
    return rx.cond(
        AccountState.signed_in & arrived,
        rx.callout(
            rx.text(
                "Signed in as ", rx.text.strong(AccountState.display_name), ". Enjoy the post."
            ),
            icon="circle-check",
            color_scheme="green",
            role="status",
            id="signed-in-notice",
        ),
    )
