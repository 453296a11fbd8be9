"""The newsletter island: the sign-up box in every page's footer, and the link pages' outcome."""

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
from db.models import SubscriberCreate
from state.newsletter import FORM_ID
from state.newsletter import NewsletterLinkState as L
from state.newsletter import NewsletterState as S


def newsletter_signup() -> rx.Component:
    """One email field; a confirmation link is mailed (double opt-in)."""
    return action_form(
        FORM_ID,
        action_url("newsletter.subscribe"),
        S.submit_subscription,
        rx.vstack(
            rx.heading("Newsletter", size="3", as_="h2"),
            rx.text(
                "New posts by email. Unsubscribe with one click.", size="2", color_scheme="gray"
            ),
            form_error(S.form_error),
            rx.hstack(
                model_field(FORM_ID, SubscriberCreate, "email", S.field_errors),
                rx.box(submit_button("Subscribe", S.pending), padding_top="1.6rem"),
                align="start",
                width="100%",
            ),
            honeypot(FORM_ID),
            spacing="2",
            width="100%",
            max_width="28rem",
        ),
        aria_label="Newsletter sign-up",
    )


def newsletter_outcome(title: str) -> rx.Component:
    """What opening a confirm or unsubscribe link led to."""
    return rx.vstack(
        rx.heading(title, size="8"),
        rx.cond(
            L.loaded,
            rx.callout.root(
                # Two static icons, not one named by a var: a var's icon is lucide's dynamic
                # loader, which ships the whole icon index (~240 KB) with the page.
                rx.callout.icon(
                    rx.cond(L.succeeded, rx.icon("circle_check"), rx.icon("triangle_alert"))
                ),
                rx.callout.text(L.outcome),
                color_scheme=rx.cond(L.succeeded, "green", "red"),
                role="status",
                id="newsletter-outcome",
            ),
            rx.hstack(
                rx.spinner(size="2"),
                rx.text("Checking your link…", color_scheme="gray"),
                role="status",
            ),
        ),
        rx.link("Back to the home page", href="/"),
        spacing="4",
    )
