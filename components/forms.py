"""Form building blocks shared by every form island.

Forms post to the HTTP action endpoint when JavaScript is off (``action``/``method``);
with JavaScript on, Reflex intercepts the submit and runs the state handler instead.
Both paths return the same field errors, shown under the field that caused them.

A field's label, length limit, required-ness and kind of control come from the action's
input model (:func:`model_field`), never from here: a limit is declared once, on the model,
and the browser, the HTTP endpoint and the websocket all apply that one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import reflex as rx
from pydantic import BaseModel
from reflex.vars import ArrayVar, ObjectVar
from reflex_base.constants import Env
from reflex_base.environment import environment

from db.core.actions import load_actions
from db.core.validation import Format, field_label
from state.islands import ActionFormState, form_id_of


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


InputType = Literal["text", "email", "password"]


@dataclass(frozen=True)
class FieldSpec:
    """What a form shows for one field, all of it read from the action's input model."""

    name: str
    label: str
    required: bool
    max_length: int | None
    input_type: InputType
    multiline: bool


INPUT_TYPES: dict[str, InputType] = {"email": "email", "password": "password"}
"""Input ``type`` for each JSON Schema ``format`` a field's type declares (others: text)."""


def field_spec(model: type[BaseModel], name: str) -> FieldSpec:
    """Read a form field from ``model.model_fields[name]``, so limits are declared once.

    The label is the field's ``title`` (the name its error messages use) unless the model
    gives the form other wording (``json_schema_extra={"label": ...}``); a ``description``,
    or "optional" for a field with a default, follows it in brackets. The length limit,
    required-ness and kind of control (the type's :class:`~db.core.validation.Format`)
    are the ones the action enforces.

    Raises:
        KeyError: ``model`` has no field ``name`` (a form would post a field no one reads).
    """
    info = model.model_fields[name]
    label = field_label(model, name)
    required = info.is_required()
    hint = info.description or ("" if required else "optional")
    lengths = [m.max_length for m in info.metadata if getattr(m, "max_length", None)]
    kind = next((m.name for m in info.metadata if isinstance(m, Format)), "")
    return FieldSpec(
        name=name,
        label=f"{label} ({hint})" if hint else label,
        required=required,
        max_length=min(lengths) if lengths else None,
        input_type=INPUT_TYPES.get(kind, "text"),
        multiline=kind == "multiline",
    )


def model_field(
    form_id: str,
    model: type[BaseModel],
    name: str,
    errors: ObjectVar[dict[str, list[str]]],
    *,
    default_value: rx.Var | str | None = None,
) -> rx.Component:
    """The labelled control for field ``name`` of input model ``model`` (see :func:`field_spec`),
    its errors beneath it and announced to screen readers.

    Ids are ``<form_id>-<name>`` and ``<form_id>-<name>-error``. A field with an error is
    ``aria-invalid`` and described by its messages (``aria-describedby`` the error's id),
    which the red border of ``.field-invalid`` in assets/styles.css shows to the eye.
    ``default_value`` pre-fills an uncontrolled control (an edit form showing the old text,
    a member's name); a value that arrives after the form is shown (a ``Var``) re-creates
    the control with it, since an uncontrolled control reads its default only once.
    """
    spec = field_spec(model, name)
    field_id = f"{form_id}-{name}"
    error_id = f"{field_id}-error"
    # Reflex types .get() as a plain Var; here it is the field's list of messages.
    messages = cast(ArrayVar[list[str]], errors.get(name, []))
    invalid = messages.length() > 0
    props: dict[str, Any] = {
        "id": field_id,
        "name": name,
        "aria_required": "true" if spec.required else "false",
        "aria_invalid": rx.cond(invalid, "true", "false"),
        "aria_describedby": error_id,
        "class_name": rx.cond(invalid, "field-control field-invalid", "field-control"),
    }
    if spec.max_length:
        props["max_length"] = spec.max_length
    if default_value is not None:
        props["default_value"] = default_value
        if isinstance(default_value, rx.Var):
            props["key"] = default_value
    control = (
        rx.text_area(rows="4", width="100%", **props)
        if spec.multiline
        else rx.input(type=spec.input_type, width="100%", **props)
    )
    return rx.vstack(
        rx.el.label(spec.label, html_for=field_id, style={"font_weight": "500"}),
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


def model_form(
    action_name: str,
    *,
    submit: str = "Save",
    success: str = "Saved.",
    fields: tuple[str, ...] | None = None,
) -> rx.Component:
    """The whole form of action ``action_name``, derived from its input model: one
    :func:`model_field` per field (labels, required, lengths, input types, help text), the
    honeypot when the model has one, the form error, a pending submit button, and the
    no-JavaScript post to ``/api/actions/<name>``. No state class to write: the generic
    :class:`state.islands.ActionFormState` runs it and keeps its errors under the form's id.

    ``fields`` picks and orders the fields shown (default: every field but ``website``).

    Raises:
        KeyError: no module registered ``action_name`` (the page would post into nothing).
    """
    S = ActionFormState
    model = load_actions()[action_name].input
    form_id = form_id_of(action_name)
    names = fields or tuple(n for n in model.model_fields if n != "website")
    errors = cast(ObjectVar[dict[str, list[str]]], S.field_errors.get(form_id, {}))
    pending = cast(rx.Var[bool], S.pending.get(form_id, False))
    return action_form(
        form_id,
        action_url(action_name),
        S.submit(action_name, success),
        rx.vstack(
            form_error(cast(rx.Var[str], S.form_error.get(form_id, ""))),
            *(model_field(form_id, model, name, errors) for name in names),
            honeypot(form_id) if "website" in model.model_fields else rx.fragment(),
            submit_button(submit, pending),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
