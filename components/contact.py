"""The contact form island."""

from __future__ import annotations

import reflex as rx

from components.forms import action_form, action_url, field, form_error, honeypot, submit_button
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
            field(FORM_ID, "name", "Name", S.field_errors, max_length=80),
            field(FORM_ID, "email", "Email", S.field_errors, input_type="email", max_length=254),
            field(
                FORM_ID,
                "subject",
                "Subject (optional)",
                S.field_errors,
                max_length=120,
                required=False,
            ),
            field(FORM_ID, "message", "Message", S.field_errors, multiline=True, max_length=5000),
            honeypot(FORM_ID),
            submit_button("Send message", S.pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
