"""The contact form island."""

from __future__ import annotations

import reflex as rx

from components.forms import action_url, field, form_error, honeypot, submit_button
from state.contact import FORM_ID, ContactState as S


def contact_form() -> rx.Component:
    """Name, email, optional subject and message; posts to ``contact.send`` without JavaScript."""
    return rx.form(
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
        id=FORM_ID,
        on_submit=S.submit_message,
        action=action_url("contact.send"),
        method="post",
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )
