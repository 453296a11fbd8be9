"""The guestbook island: the signing form and a paginated list of entries."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.dates import moment
from components.forms import (
    action_form,
    action_url,
    form_error,
    honeypot,
    model_field,
    submit_button,
)
from components.layout import loading, pager
from db.models import GuestbookEntryCreate
from state.guestbook import FORM_ID
from state.guestbook import GuestbookState as S


def _form() -> rx.Component:
    return action_form(
        FORM_ID,
        action_url("guestbook.add"),
        S.submit_entry,
        rx.vstack(
            form_error(S.form_error),
            model_field(FORM_ID, GuestbookEntryCreate, "author", S.field_errors),
            model_field(FORM_ID, GuestbookEntryCreate, "content", S.field_errors),
            honeypot(FORM_ID),
            submit_button("Sign the guestbook", S.pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _entry(entry: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(entry["author"], weight="bold"),
                rx.text(
                    moment(entry["created"], class_name="guestbook-time"),
                    size="1",
                    color_scheme="gray",
                ),
                justify="between",
                width="100%",
            ),
            rx.text(entry["content"], white_space="pre-wrap"),
            spacing="1",
        ),
        width="100%",
        class_name="guestbook-entry",
    )


def guestbook_section() -> rx.Component:
    """Everything on the guestbook page below its heading."""
    return rx.vstack(
        _form(),
        rx.heading("Signatures", size="5"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.total > 0,
                rx.vstack(
                    rx.text(S.total, " signatures", size="2", color_scheme="gray"),
                    rx.foreach(S.entries, _entry),
                    pager(S.page, S.pages, "/guestbook", aria_label="Guestbook pages"),
                    width="100%",
                    id="guestbook-entries",
                ),
                rx.text("No signatures yet. Be the first!", id="guestbook-empty"),
            ),
            loading(),
        ),
        spacing="4",
        width="100%",
    )
