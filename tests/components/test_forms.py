"""Form fields come from the action's input model: label, limit, required-ness, control."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from components.forms import FieldSpec, InputType, field_spec
from db.accounts import SessionCreate, UserCreate
from db.core.validation import EMAIL_MAX
from db.models import (
    CommentCreate,
    CommentUpdate,
    ContactMessageCreate,
    GuestbookEntryCreate,
    SubscriberCreate,
)


def spec(
    name, label, max_length, *, input_type: InputType = "text", multiline=False, required=True
):
    return FieldSpec(name, label, required, max_length, input_type, multiline)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (SessionCreate, spec("email", "Email", 254, input_type="email")),
        (SessionCreate, spec("password", "Password", 1000, input_type="password")),
        (UserCreate, spec("email", "Email", 254, input_type="email")),
        (UserCreate, spec("display_name", "Display name (shown with your comments)", 40)),
        (
            UserCreate,
            spec("password", "Password (at least 10 characters)", 1000, input_type="password"),
        ),
        (ContactMessageCreate, spec("name", "Name", 80)),
        (ContactMessageCreate, spec("email", "Email", 254, input_type="email")),
        (ContactMessageCreate, spec("subject", "Subject (optional)", 120, required=False)),
        (ContactMessageCreate, spec("message", "Message", 5000, multiline=True)),
        (GuestbookEntryCreate, spec("author", "Name", 80)),
        (GuestbookEntryCreate, spec("content", "Message", 2000, multiline=True)),
        (SubscriberCreate, spec("email", "Email", 254, input_type="email")),
        (CommentCreate, spec("author", "Name", 80)),
        (CommentCreate, spec("content", "Comment", 5000, multiline=True)),
        (CommentUpdate, spec("content", "Edit your comment", 5000, multiline=True)),
    ],
    ids=lambda value: value.name if isinstance(value, FieldSpec) else value.__name__,
)
def test_every_form_field_reads_its_model(model: type[BaseModel], expected: FieldSpec):
    assert field_spec(model, expected.name) == expected


def test_every_email_field_has_the_one_email_limit():
    emails = [
        (model.__name__, field_spec(model, "email").max_length)
        for model in (SessionCreate, UserCreate, ContactMessageCreate, SubscriberCreate)
    ]
    assert emails == [
        ("SessionCreate", EMAIL_MAX),
        ("UserCreate", EMAIL_MAX),
        ("ContactMessageCreate", EMAIL_MAX),
        ("SubscriberCreate", EMAIL_MAX),
    ]


def test_a_field_the_model_does_not_take_is_refused():
    with pytest.raises(KeyError, match="website_url"):
        field_spec(ContactMessageCreate, "website_url")
