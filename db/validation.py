"""Turn untrusted input into a validated model, or one BAD_REQUEST listing every bad field.

Pydantic's own messages ("String should have at least 2 characters") are written for
developers; visitors get short sentences naming the field, the same on every path.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from db.errors import ActionError

M = TypeVar("M", bound=BaseModel)

INPUT_CONFIG = ConfigDict(str_strip_whitespace=True, extra="ignore")
"""Config every ``*Create`` input model uses: trim text, ignore unknown form fields."""

HONEYPOT_MESSAGE = "Leave this field empty."


def _empty(value: str) -> str:
    if value:
        raise ValueError(HONEYPOT_MESSAGE)
    return value


Honeypot = Annotated[str, AfterValidator(_empty)]
"""A field humans never see (hidden by CSS); bots that fill it are refused."""

EMAIL_MESSAGE = "Enter a valid email address."


def _email(value: str) -> str:
    # Syntax only: a DNS lookup would make every form submission wait on the network.
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(EMAIL_MESSAGE) from None


Email = Annotated[str, AfterValidator(_email)]
"""An address checked by email-validator and returned normalised (domain lower-cased).

Its library messages are written for developers, so every failure reads the same.
"""


def _label(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    if field is not None and field.title:
        return field.title
    return name.replace("_", " ").capitalize()


def _message(model: type[BaseModel], err: ErrorDetails) -> str:
    name = str(err["loc"][0]) if err["loc"] else ""
    label = _label(model, name)
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"{label} is required."
    if kind == "string_too_short":
        return f"{label} must be at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"{label} must be at most {ctx['max_length']} characters."
    if kind in ("greater_than_equal", "less_than_equal"):
        field = model.model_fields[name]
        low = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
        high = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
        if low is not None and high is not None:
            return f"{label} must be between {low} and {high}."
        return f"{label} must be at least {low}." if low is not None else f"{label} must be at most {high}."
    if kind.startswith("int_"):
        return f"{label} must be a whole number."
    if kind.startswith("bool_"):
        return f"{label} must be true or false."
    if kind.startswith("string_"):
        return f"{label} must be text."
    if kind == "value_error":
        return str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
    return f"{label} is invalid."


def field_errors(model: type[BaseModel], exc: ValidationError) -> dict[str, list[str]]:
    """Every problem pydantic found, grouped by top-level field, in field order."""
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "__root__"
        message = _message(model, err)
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    order = list(model.model_fields)
    return dict(sorted(fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; raise :class:`ActionError` with every bad field."""
    if not isinstance(data, dict):
        raise ActionError.invalid({"__root__": ["Expected an object of fields."]})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ActionError.invalid(field_errors(model, exc)) from None
