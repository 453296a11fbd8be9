"""Guestbook signing and listing on a real libSQL file."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.core.pagination import Page
from db.guestbook import list_entries
from db.models import GuestbookEntry
from tests.factories import guestbook_payload, visitor_ctx

INVALID = "Please correct the highlighted fields."


def stored() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(GuestbookEntry)).one()


def test_signing_stores_a_trimmed_entry(database):
    result = run_action(
        "guestbook.add", guestbook_payload(author="  Ada  ", content=" Hi!\n"), visitor_ctx()
    )
    assert result.ok
    assert result.data["author"] == "Ada"
    assert result.data["content"] == "Hi!"
    assert result.data["created_at"].endswith("Z")
    assert set(result.data) == {"id", "author", "content", "created_at"}
    assert stored() == 1


# Every rule of guestbook.add with its exact message; the HTTP tests reuse this table.
GUESTBOOK_RULES = [
    ({"author": "A"}, {"author": ["Name must be at least 2 characters."]}),
    ({"author": "   "}, {"author": ["Name is required."]}),
    # Nothing visible reads as empty (the cleaner's own table is in test_validation.py).
    ({"author": "\u200b\u200b\u200b"}, {"author": ["Name is required."]}),
    ({"author": "x" * 81}, {"author": ["Name must be at most 80 characters."]}),
    ({"content": ""}, {"content": ["Message is required."]}),
    ({"content": "\u200b\u202e\x00"}, {"content": ["Message is required."]}),
    ({"content": "x" * 2001}, {"content": ["Message must be at most 2000 characters."]}),
    ({"website": "http://spam.example"}, {"website": ["Leave this field empty."]}),
    (
        {"author": "A", "content": "", "website": "x"},
        {
            "author": ["Name must be at least 2 characters."],
            "content": ["Message is required."],
            "website": ["Leave this field empty."],
        },
    ),
]


@pytest.mark.parametrize(("change", "fields"), GUESTBOOK_RULES)
def test_each_rule_has_an_exact_message_and_stores_nothing(database, change, fields):
    result = run_action("guestbook.add", guestbook_payload(**change), visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert stored() == 0


def test_missing_fields_are_required(database):
    result = run_action("guestbook.add", {}, visitor_ctx())
    assert result.error is not None and result.error.fields == {
        "author": ["Name is required."],
        "content": ["Message is required."],
    }


def test_list_is_newest_first_paginated_and_hides_moderated(database):
    for i in range(25):
        run_action("guestbook.add", guestbook_payload(author=f"Visitor {i:02d}"), visitor_ctx())
    with session_scope(write=True) as session:
        hidden = session.exec(
            select(GuestbookEntry).where(GuestbookEntry.author == "Visitor 24")
        ).one()
        hidden.is_public = False
        removed = session.exec(
            select(GuestbookEntry).where(GuestbookEntry.author == "Visitor 23")
        ).one()
        removed.is_removed = True
    with session_scope() as session:
        first = list_entries(session, page=1)
        third = list_entries(session, page=3)
        clamped = list_entries(session, page=99)
    assert (first.pages, first.total) == (3, 23)
    assert [e.author for e in first.items][:2] == ["Visitor 22", "Visitor 21"]
    assert [e.author for e in third.items] == ["Visitor 02", "Visitor 01", "Visitor 00"]
    assert clamped == third


def test_empty_guestbook_has_one_page(database):
    with session_scope() as session:
        assert list_entries(session) == Page(items=[], page=1, pages=1, total=0)
