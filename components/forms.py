"""Form building blocks shared by every form island.

Forms post to the HTTP action endpoint when JavaScript is off (``action``/``method``);
with JavaScript on, Reflex intercepts the submit and runs the state handler instead.
Both paths return the same field errors, shown under the field that caused them.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.constants import Env
from reflex_base.environment import environment


def backend_url(path: str) -> str:
    """Where a plain form post or link reaches the backend: same origin in prod (one port
    serves both), the backend's own address in dev (the frontend dev server has no API)."""
    if environment.REFLEX_ENV_MODE.get() == Env.PROD:
        return path
    return rx.config.get_config().api_url.rstrip("/") + path


def action_url(name: str) -> str:
    """Where a form posts without JavaScript: the HTTP endpoint of action ``name``."""
    return backend_url(f"/api/actions/{name}")


def action_form(
    form_id: str, url: str | rx.Var[str], on_submit: Any, *children: rx.Component, **props: Any
) -> rx.Component:
    """A form that works both ways: without JavaScript the browser posts it to ``url``; with it,
    Reflex intercepts the submit and runs ``on_submit``.

    The browser's own validation is off so every field error comes from the action (the
    same messages as over HTTP), and the fields keep their text until the handler resets them.
    """
    return rx.form(
        *children,
        id=form_id,
        on_submit=on_submit,
        action=url,
        method="post",
        reset_on_submit=False,
        no_validate=True,
        **props,
    )


def field(
    form_id: str,
    name: str,
    label: str,
    errors: rx.Var,
    *,
    multiline: bool = False,
    input_type: str = "text",
    max_length: int | None = None,
    required: bool = True,
    default_value: rx.Var | str | None = None,
) -> rx.Component:
    """A labelled input whose errors appear beneath it and are announced to screen readers.

    ``default_value`` pre-fills an uncontrolled control (an edit form showing the old text).
    """
    field_id = f"{form_id}-{name}"
    error_id = f"{field_id}-error"
    messages = errors.get(name, [])
    props = {
        "id": field_id,
        "name": name,
        "aria_required": "true" if required else "false",
        "aria_invalid": rx.cond(messages.length() > 0, "true", "false"),
        "aria_describedby": error_id,
    }
    if max_length:
        props["max_length"] = max_length
    if default_value is not None:
        props["default_value"] = default_value
    control = (
        rx.text_area(rows="4", width="100%", **props)
        if multiline
        else rx.input(type=input_type, width="100%", **props)
    )
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"font_weight": "500"}),
        control,
        rx.el.div(
            rx.foreach(messages, lambda m: rx.text(m, size="2", color_scheme="red")),
            id=error_id,
            class_name="field-error",
            aria_live="polite",
        ),
        spacing="1",
        width="100%",
    )


def honeypot(form_id: str) -> rx.Component:
    """A field people never see or reach by keyboard; bots that fill it are refused."""
    return rx.el.div(
        rx.el.label("Leave this field empty", html_for=f"{form_id}-website"),
        rx.el.input(id=f"{form_id}-website", name="website", tab_index=-1, auto_complete="off"),
        aria_hidden="true",
        style={
            "position": "absolute",
            "left": "-10000px",
            "width": "1px",
            "height": "1px",
            "overflow": "hidden",
        },
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            class_name="form-error",
        ),
    )


def submit_button(label: str, pending: rx.Var) -> rx.Component:
    """Disabled while the action runs so one press stores one row."""
    return rx.button(
        rx.cond(pending, rx.spinner(size="1"), rx.fragment()),
        label,
        type="submit",
        disabled=pending,
        aria_busy=rx.cond(pending, "true", "false"),
    )
