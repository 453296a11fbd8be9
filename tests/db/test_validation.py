"""The one text cleaner behind every visitor-typed name and message (``db/core/validation.py``).

Hidden characters (zero-width, bidi overrides, NUL, terminal escapes) must neither reach
the database nor count towards a length rule; what a person typed on purpose (accents,
emoji, the newlines of a comment) is kept exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.validation import clean_text, has_visible_text, parse
from db.models import Comment, ContactMessageCreate, GuestbookEntry
from tests.factories import (
    comment_payload,
    contact_payload,
    guestbook_payload,
    make_post,
    visitor_ctx,
)

INVALID = "Please correct the highlighted fields."
ZERO_WIDTH_ONLY = "\u200b\u200c\u200d\u2060\ufeff"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji held together by ZWJs


def guestbook_rows() -> list[GuestbookEntry]:
    with session_scope() as session:
        return list(session.exec(select(GuestbookEntry)).all())


# What a visitor types → what is stored. A name is one line; a message keeps its lines.
STORED = [
    ("author", "\u202eevil", "evil"),
    ("author", "a\x00b", "ab"),
    ("author", "\x1b[31mred\x1b[0m", "red"),
    ("author", "\x9b1;31mred", "red"),  # the one-byte C1 form of ESC [
    ("author", "Zoë", "Zoë"),
    ("author", "Zoe\u0308", "Zoë"),  # decomposed input is stored composed (NFC)
    ("author", "Polly \U0001f99c", "Polly \U0001f99c"),
    ("author", f"The {FAMILY}", f"The {FAMILY}"),
    ("author", "\u2067Ada\u2069 \u200eLovelace\u200f", "Ada Lovelace"),
    ("author", "\u061cAda\u202a\u202b\u202c\u202d\u2066\u2068", "Ada"),
    ("author", "\u200bAda\ufeff", "Ada"),  # zero-width characters trimmed off the ends
    ("author", "Ada\nLovelace", "Ada Lovelace"),  # a name has no lines
    ("author", "Ada\r\n\tLovelace", "Ada  Lovelace"),
    ("author", "Ada\x07\x08\x7f\x85", "Ada"),
    ("content", "Line one\nline two\n\n\tindented", "Line one\nline two\n\n\tindented"),
    ("content", "Windows\r\nline\rends", "Windows\nline\nends"),
    ("content", "\x1b[2J\x1b[Hcleared\x00", "cleared"),
    ("content", "\u202edesserts", "desserts"),
    ("content", f"Hi {FAMILY}!", f"Hi {FAMILY}!"),
]


@pytest.mark.parametrize(("field", "typed", "kept"), STORED)
def test_the_stored_text_is_what_a_reader_would_see(database, field, typed, kept):
    result = run_action("guestbook.add", guestbook_payload(**{field: typed}), visitor_ctx())
    assert result.ok, result.envelope()
    assert result.data[field] == kept
    [row] = guestbook_rows()
    assert getattr(row, field) == kept


# Text with nothing visible is refused exactly as an empty field is (see test_guestbook's
# "   " rule), and nothing is stored.
NAME_REQUIRED = "Name is required."
NAME_TOO_SHORT = "Name must be at least 2 characters."
MESSAGE_REQUIRED = "Message is required."
REFUSED = [
    ("author", "\u200b\u200b", NAME_REQUIRED),
    ("author", ZERO_WIDTH_ONLY, NAME_REQUIRED),
    ("author", "\u202e\u202e\u202e", NAME_REQUIRED),
    ("author", "\x00\x00\x00", NAME_REQUIRED),
    ("author", "\x1b[31m\x1b[0m", NAME_REQUIRED),
    ("author", "\u0301\u0308", NAME_REQUIRED),  # combining marks with nothing to combine with
    ("author", "\u3164\u3164", NAME_REQUIRED),  # the Hangul filler many "blank names" use
    ("author", " \u200b \u2800 \u3000 ", NAME_REQUIRED),
    ("author", "a\u200b\u202e", NAME_TOO_SHORT),  # lengths count what is left after cleaning
    ("content", "\u200b\u200b", MESSAGE_REQUIRED),
    ("content", "\n\u200d\n\ufeff\t", MESSAGE_REQUIRED),
    ("content", "\x00", MESSAGE_REQUIRED),
]


@pytest.mark.parametrize(("field", "typed", "message"), REFUSED)
def test_text_with_nothing_visible_is_refused_and_stores_nothing(database, field, typed, message):
    result = run_action("guestbook.add", guestbook_payload(**{field: typed}), visitor_ctx())
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": {field: [message]}}
    }
    assert guestbook_rows() == []


def test_the_length_limit_counts_the_cleaned_text(database):
    padded = "x" * 80 + "\u202e" * 10 + "\x00" * 10
    result = run_action("guestbook.add", guestbook_payload(author=padded), visitor_ctx())
    assert result.ok
    assert result.data["author"] == "x" * 80
    too_long = run_action(
        "guestbook.add", guestbook_payload(author="x" * 81 + "\u200b"), visitor_ctx()
    )
    assert too_long.error is not None
    assert too_long.error.fields == {"author": ["Name must be at most 80 characters."]}


def test_a_comment_keeps_its_newlines_and_loses_its_controls(database):
    make_post()
    result = run_action(
        "comments.create",
        comment_payload(author="\u202eAda", content="First\n\nSecond\x1b[0m\x00"),
        visitor_ctx(),
    )
    assert result.ok, result.envelope()
    with session_scope() as session:
        [row] = session.exec(select(Comment)).all()
    assert (row.author_name, row.content) == ("Ada", "First\n\nSecond")


def test_an_edited_comment_is_cleaned_too(database):
    make_post()
    ctx = visitor_ctx()
    created = run_action("comments.create", comment_payload(), ctx).data
    edit = {"id": created["comment"]["id"], "edit_token": created["edit_token"]}
    blank = run_action("comments.update", edit | {"content": ZERO_WIDTH_ONLY}, ctx)
    assert blank.error is not None
    assert blank.error.fields == {"content": ["Comment is required."]}
    edited = run_action("comments.update", edit | {"content": "Fixed\n\u202etypo"}, ctx)
    assert edited.ok and edited.data["content"] == "Fixed\ntypo"


def contact(**changes: Any) -> ContactMessageCreate:
    return parse(ContactMessageCreate, contact_payload(**changes))


def test_contact_fields_are_cleaned_and_an_invisible_subject_is_no_subject():
    message = contact(
        name="\u202eAda\x00", subject="\u200b\u200b", message="Hello\x1b[1m,\nengine!"
    )
    assert (message.name, message.subject, message.message) == ("Ada", "", "Hello,\nengine!")
    assert contact(subject="Re:\nengines").subject == "Re: engines"


def test_an_invisible_contact_name_and_message_are_refused():
    with pytest.raises(ActionError) as caught:
        contact(name=ZERO_WIDTH_ONLY, message="\u200b" * 20)
    assert caught.value.fields == {
        "name": ["Name is required."],
        "message": ["Message is required."],
    }


def test_a_value_that_is_not_text_is_still_reported_as_such(database):
    result = run_action("guestbook.add", guestbook_payload(author=42), visitor_ctx())
    assert result.error is not None
    assert result.error.fields == {"author": ["Name must be text."]}


CLEANED = [
    # (typed, one line, several lines)
    ("plain", "plain", "plain"),
    ("a\nb", "a b", "a\nb"),
    ("a\tb", "a b", "a\tb"),
    ("a\u2028b\u2029c", "a b c", "a\nb\nc"),
    ("\x1b[38;5;196mred", "red", "red"),
    ("x\ud800y", "xy", "xy"),  # a lone surrogate (valid JSON, unstorable) is dropped
    ("\u200b", "", ""),
]


@pytest.mark.parametrize(("typed", "line", "lines"), CLEANED)
def test_clean_text_one_line_and_several(typed, line, lines):
    assert clean_text(typed, multiline=False) == line
    assert clean_text(typed, multiline=True) == lines


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("a", True),
        ("\U0001f99c", True),
        ("\ue000", True),  # private use: a font may draw it
        ("", False),
        (" \t\n\u3000", False),
        (ZERO_WIDTH_ONLY, False),
        ("\u0301", False),
        ("\u115f\u1160\u3164\uffa0\u2800", False),
        ("\u2066\u2069", False),
    ],
)
def test_has_visible_text(text, visible):
    assert has_visible_text(text) is visible
