"""The contact form island."""

from __future__ import annotations

import reflex as rx

from components.forms import (
    action_form,
    action_url,
    form_error,
    honeypot,
    model_field,
    submit_button,
)
from db.models import ContactMessageCreate
from state.contact import FORM_ID
from state.contact import ContactState as S


def contact_form() -> rx.Component:
    """Name, email, optional subject and message; posts to ``contact.send`` without JavaScript."""
    return action_form(
        FORM_ID,
        action_url("contact.send"),
        S.submit_message,
        rx.vstack(
            form_error(S.form_error),
            *(
                model_field(FORM_ID, ContactMessageCreate, name, S.field_errors)
                for name in ("name", "email", "subject", "message")
            ),
            honeypot(FORM_ID),
            submit_button("Send message", S.pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
