"""Turn untrusted input into a validated model, or one BAD_REQUEST listing every bad field.

Pydantic's own messages ("String should have at least 2 characters") are written for
developers; visitors get short sentences naming the field, the same on every path.
Free text a visitor types is cleaned once, here, by :func:`clean_text` (through the
:data:`Name` and :data:`Text` field types) before any length rule looks at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    GetJsonSchemaHandler,
    ValidationError,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails
from sqlmodel._compat import SQLModelConfig

from db.core.errors import ActionError

M = TypeVar("M", bound=BaseModel)

# SQLModel declares its classes' model_config as this ConfigDict with two more keys (and
# exports it only from sqlmodel._compat), so a plain ConfigDict does not type-check there.
INPUT_CONFIG = SQLModelConfig(str_strip_whitespace=True, extra="ignore")
"""Config every ``*Create`` input model uses: trim text, ignore unknown form fields."""


@dataclass(frozen=True)
class Format:
    """What kind of text a field holds (``email``, ``password``, ``multiline``), declared on
    its type once and published as the JSON Schema ``format``.

    Forms read it to pick the control: an email or password input, or a text area
    (``components/forms.py``), so a field's kind is never restated next to the form.
    """

    name: str

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["format"] = self.name
        return json_schema


HONEYPOT_MESSAGE = "Leave this field empty."
NOT_AN_OBJECT = "Expected an object of fields."


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


EMAIL_MAX = 254
"""The longest address that fits an SMTP path (RFC 5321): every email field's limit."""

Email = Annotated[str, AfterValidator(_email), Format("email")]
"""An address checked by email-validator and returned normalised (domain lower-cased).

Its library messages are written for developers, so every failure reads the same.
"""


_ANSI_ESCAPE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]")
"""A terminal control sequence (ESC [ or CSI, parameters, final byte), removed whole."""

_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Marks, embeddings, overrides and isolates: they reorder what is shown around them."""

_UNWANTED = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ud800-\udfff]")
"""C0/C1 controls but tab and newline, bidi controls, lone surrogates (SQLite can't store them).

By the time it runs every line break is a ``\\n`` (kept in multi-line text) or, in
single-line text, a space, and single-line tabs are spaces too.
"""

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

_EDGES = re.compile(f"\\A[\\s{_ZERO_WIDTH}]+|[\\s{_ZERO_WIDTH}]+\\Z")

_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Hangul fillers and the blank braille pattern: letters by category, but they draw nothing."""


def _visible(char: str) -> bool:
    # Z*: spaces and separators; Cc/Cf/Cs: controls, format characters (zero-width ones
    # included), surrogates; M*: combining marks, which only decorate another character.
    # Private-use and unassigned code points count as visible: a font may well draw them.
    category = unicodedata.category(char)
    if category[0] in "ZM" or category in ("Cc", "Cf", "Cs"):
        return False
    return char not in _BLANK_LETTERS


def has_visible_text(value: str) -> bool:
    """Whether ``value`` would show at least one character on a page."""
    return any(_visible(char) for char in value)


def clean_text(value: str, *, multiline: bool) -> str:
    """``value`` without the characters that let text hide or disguise itself.

    Terminal escape sequences go whole; C0/C1 controls (tab and, in multi-line text, line
    breaks excepted), NUL and bidi controls go; every line break becomes ``\\n``, or a space
    in single-line text, where tabs become spaces too. The result is NFC-normalised and
    trimmed of whitespace and zero-width characters at both ends. Text with nothing
    visible left (only spaces, zero-width characters or lone combining marks) becomes
    ``""``, so a required field reports it exactly as it reports an empty one, and the
    length rules, which run afterwards, count only what remains.
    """
    value = _ANSI_ESCAPE.sub("", value)
    value = _LINE_BREAK.sub("\n" if multiline else " ", value)
    if not multiline:
        value = value.replace("\t", " ")
    value = unicodedata.normalize("NFC", _UNWANTED.sub("", value))
    value = _EDGES.sub("", value)
    return value if has_visible_text(value) else ""


def _clean_line(value: object) -> object:
    # Anything but text is left for pydantic's own type check ("... must be text.").
    return clean_text(value, multiline=False) if isinstance(value, str) else value


def _clean_lines(value: object) -> object:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


Name = Annotated[str, BeforeValidator(_clean_line)]
"""One line a visitor typed (a name, an author, a subject), cleaned by :func:`clean_text`.

Line breaks and tabs become spaces. Cleaning runs before ``min_length``/``max_length``.
"""

Text = Annotated[str, BeforeValidator(_clean_lines), Format("multiline")]
"""Multi-line text a visitor typed (a comment, a message), cleaned by :func:`clean_text`.

Newlines and tabs are kept. Cleaning runs before ``min_length``/``max_length``.
"""


def _label(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    if field is not None and field.title:
        return field.title
    return name.replace("_", " ").capitalize()


def field_label(model: type[BaseModel], name: str) -> str:
    """What a form calls field ``name``: the model's wording for forms
    (``json_schema_extra={"label": ...}``), else its ``title``, the name its messages use.

    One answer for the form (components/forms.py) and the no-JavaScript error page.
    """
    field = model.model_fields.get(name)
    extra = field.json_schema_extra if field and isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("label") or _label(model, name))


def _left_empty(model: type[BaseModel], name: str, err: ErrorDetails) -> bool:
    """A required field sent empty (or with nothing visible, which cleaning empties): the
    visitor skipped it, so "required" says more than "must be at least 2 characters"."""
    field = model.model_fields.get(name)
    return field is not None and field.is_required() and err.get("input") == ""


def _message(model: type[BaseModel], err: ErrorDetails) -> str:
    name = str(err["loc"][0]) if err["loc"] else ""
    label = _label(model, name)
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind == "missing" or (
        kind == "string_too_short" and (ctx.get("min_length") == 1 or _left_empty(model, name, err))
    ):
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
        return (
            f"{label} must be at least {low}."
            if low is not None
            else f"{label} must be at most {high}."
        )
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
    return dict(
        sorted(fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    )


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` against ``model``; raise :class:`ActionError` with every bad field."""
    if not isinstance(data, dict):
        raise ActionError.invalid({"__root__": [NOT_AN_OBJECT]})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ActionError.invalid(field_errors(model, exc)) from None
