"""The admin dashboard's domain functions: every one refused to visitors and members."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from db import admin
from db.core.actions import ActionContext, run_action
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.types import utcnow
from db.models import (
    Comment,
    ContactMessage,
    GuestbookEntry,
    Like,
    Outbox,
    Rating,
    Subscriber,
    SyncEvent,
)
from tests.factories import make_user, user_ctx

SIGN_IN = {
    "error": {"code": "UNAUTHORIZED", "message": "Please sign in to continue.", "fields": {}}
}
ADMINS = {
    "error": {"code": "FORBIDDEN", "message": "Only administrators can do that.", "fields": {}}
}


def add(*rows: Any) -> list[int]:
    with session_scope(write=True) as session:
        for row in rows:
            session.add(row)
        session.flush()
        return [row.id for row in rows]


def comment(**kw: Any) -> Comment:
    fields: dict[str, Any] = {"post_slug": "hello-world", "author_name": "Ada", "content": "Hi"}
    return Comment(**(fields | kw))


def entry(**kw: Any) -> GuestbookEntry:
    fields: dict[str, Any] = {"author": "Ada", "content": "Hello"}
    return GuestbookEntry(**(fields | kw))


def message(**kw: Any) -> ContactMessage:
    fields: dict[str, Any] = {"name": "Ada", "email": "ada@example.com", "message": "Hello there!"}
    return ContactMessage(**(fields | kw))


@pytest.fixture
def people(database) -> dict[str, ActionContext]:
    return {
        "anonymous": user_ctx(None),
        "member": user_ctx(make_user("member@example.com")),
        "admin": user_ctx(make_user("admin@example.com", role="admin", display_name="Admin")),
    }


@pytest.fixture
def rows(people) -> dict[str, int]:
    [c] = add(comment())
    [g] = add(entry())
    [m] = add(message())
    [o] = add(Outbox(kind="mail.contact", payload={"to": "owner@example.com"}, status="failed"))
    add(Subscriber(email="sub@example.com", status="active"))
    return {"comment": c, "entry": g, "message": m, "outbox": o}


# --------------------------------------------------------------------------- who may


READS: dict[str, Callable[..., Any]] = {
    "list_comments": admin.list_comments,
    "list_entries": admin.list_entries,
    "list_messages": admin.list_messages,
    "unread_messages": admin.unread_messages,
    "list_subscribers": admin.list_subscribers,
    "subscribers_csv": admin.subscribers_csv,
    "list_outbox": admin.list_outbox,
    "activity": admin.activity,
    "sync_status": admin.sync_status,
}


@pytest.mark.parametrize("name", sorted(READS))
def test_every_read_is_refused_to_visitors_and_members(people, rows, name):
    fn = READS[name]
    with session_scope() as session:
        with pytest.raises(ActionError) as anonymous:
            fn(session, people["anonymous"])
        with pytest.raises(ActionError) as member:
            fn(session, people["member"])
        assert fn(session, people["admin"]) is not None
    assert anonymous.value.to_dict() == SIGN_IN
    assert member.value.to_dict() == ADMINS


def _writes(rows: dict[str, int]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("admin.moderate_comment", {"id": rows["comment"], "is_public": False}),
        ("admin.moderate_entry", {"id": rows["entry"], "is_removed": True}),
        ("admin.mark_message", {"id": rows["message"], "is_read": True}),
        ("admin.retry_outbox", {"id": rows["outbox"]}),
        ("admin.sync_now", {}),
    ]


WRITES = (
    "admin.moderate_comment",
    "admin.moderate_entry",
    "admin.mark_message",
    "admin.retry_outbox",
    "admin.sync_now",
)
ROW_WRITES = WRITES[:4]


def test_the_write_table_covers_every_admin_action():
    from db.core.actions import load_actions

    assert {n for n in load_actions() if n.startswith("admin.")} == set(WRITES)


@pytest.mark.parametrize("index", range(len(WRITES)))
def test_every_admin_action_is_refused_to_visitors_and_members_and_changes_nothing(
    people, rows, index, monkeypatch
):
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")
    name, payload = _writes(rows)[index]
    before = snapshot()
    assert run_action(name, payload, people["anonymous"]).envelope() == SIGN_IN
    assert run_action(name, payload, people["member"]).envelope() == ADMINS
    assert snapshot() == before
    assert run_action(name, payload, people["admin"]).ok
    assert snapshot() != before


MISSING = {
    "admin.moderate_comment": ({"id": 999, "is_public": False}, "Comment not found."),
    "admin.moderate_entry": ({"id": 999, "is_public": False}, "Guestbook entry not found."),
    "admin.mark_message": ({"id": 999, "is_read": True}, "Message not found."),
    "admin.retry_outbox": ({"id": 999}, "Outbox message not found."),
}


@pytest.mark.parametrize("name", ROW_WRITES)
def test_not_found_comes_before_forbidden_but_after_signing_in(people, name):
    payload, text = MISSING[name]
    not_found = {"error": {"code": "NOT_FOUND", "message": text, "fields": {}}}
    assert run_action(name, payload, people["anonymous"]).envelope() == SIGN_IN
    assert run_action(name, payload, people["member"]).envelope() == not_found
    assert run_action(name, payload, people["admin"]).envelope() == not_found


def test_a_demoted_admin_is_refused_at_once(people, rows):
    admin_ctx = people["admin"]
    assert run_action("admin.mark_message", {"id": rows["message"], "is_read": True}, admin_ctx).ok
    from db.models import User

    with session_scope(write=True) as session:
        user = session.get(User, admin_ctx.user_id)
        assert user is not None
        user.role = "member"
        session.add(user)
    assert (
        run_action(
            "admin.mark_message", {"id": rows["message"], "is_read": False}, admin_ctx
        ).envelope()
        == ADMINS
    )


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"id": ["Id is required."]}),
        ({"id": 0}, {"id": ["Id must be between 1 and 9223372036854775807."]}),
        ({"id": 2**70}, {"id": ["Id must be between 1 and 9223372036854775807."]}),
        ({"id": "x"}, {"id": ["Id must be a whole number."]}),
        ({"id": 1, "is_public": "maybe"}, {"is_public": ["Public must be true or false."]}),
    ],
)
def test_moderation_input_rules(people, payload, fields):
    result = run_action("admin.moderate_comment", payload, people["admin"])
    assert result.status == 400
    assert result.error is not None and result.error.fields == fields


def snapshot() -> tuple[Any, ...]:
    with session_scope() as session:
        return (
            [(c.is_public, c.is_removed) for c in session.exec(select(Comment)).all()],
            [(g.is_public, g.is_removed) for g in session.exec(select(GuestbookEntry)).all()],
            [m.is_read for m in session.exec(select(ContactMessage)).all()],
            [(o.status, o.next_attempt_at) for o in session.exec(select(Outbox)).all()],
            [e.id for e in session.exec(select(SyncEvent)).all()],
        )


# --------------------------------------------------------------------------- what admins get


def test_moderation_flags_change_independently_and_filters_follow(people):
    ids = add(comment(content="one"), comment(content="two"), comment(content="three"))
    ctx = people["admin"]
    hidden = run_action("admin.moderate_comment", {"id": ids[0], "is_public": False}, ctx)
    assert hidden.ok and hidden.data["is_public"] is False and hidden.data["is_removed"] is False
    assert run_action("admin.moderate_comment", {"id": ids[1], "is_removed": True}, ctx).ok
    with session_scope() as session:

        def contents(status: Any) -> list[str]:
            return [c.content for c in admin.list_comments(session, ctx, status=status).items]

        assert contents("all") == ["three", "two", "one"]
        assert contents("visible") == ["three"]
        assert contents("hidden") == ["one"]
        assert contents("removed") == ["two"]
    shown = run_action("admin.moderate_comment", {"id": ids[0], "is_public": True}, ctx)
    assert shown.data["is_public"] is True


def test_lists_paginate_twenty_at_a_time(people):
    add(*(entry(author=f"Visitor {i:02d}") for i in range(45)))
    with session_scope() as session:
        first = admin.list_entries(session, people["admin"], page=1)
        last = admin.list_entries(session, people["admin"], page=99)
    assert (first.page, first.pages, first.total, len(first.items)) == (1, 3, 45, 20)
    assert (last.page, len(last.items)) == (3, 5)


def test_inbox_read_and_unread(people):
    ids = add(message(name="First"), message(name="Second"))
    ctx = people["admin"]
    assert (
        run_action("admin.mark_message", {"id": ids[0], "is_read": True}, ctx).data["is_read"]
        is True
    )
    with session_scope() as session:
        assert [m.name for m in admin.list_messages(session, ctx, status="unread").items] == [
            "Second"
        ]
        assert [m.name for m in admin.list_messages(session, ctx, status="read").items] == ["First"]
        assert admin.unread_messages(session, ctx) == 1
    assert (
        run_action("admin.mark_message", {"id": ids[0], "is_read": False}, ctx).data["is_read"]
        is False
    )


def test_subscriber_csv_lists_everyone_and_defuses_formulas(people):
    add(
        Subscriber(
            email="ada@example.com", status="active", confirmed_at=datetime(2025, 3, 1, tzinfo=UTC)
        ),
        Subscriber(email="=cmd@example.com", status="pending"),
    )
    with session_scope() as session:
        text = admin.subscribers_csv(session, people["admin"])
        active = admin.subscribers_csv(session, people["admin"], status="active")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["email", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    assert rows[1][:2] == ["ada@example.com", "active"] and rows[1][3] == "2025-03-01T00:00:00Z"
    assert rows[2][:2] == ["'=cmd@example.com", "pending"]
    assert len(list(csv.reader(io.StringIO(active)))) == 2


def test_outbox_retry_makes_failed_and_waiting_rows_due_and_refuses_sent_ones(people):
    later = utcnow() + timedelta(hours=1)
    failed, waiting, sent, sending = add(
        Outbox(kind="mail.contact", status="failed", attempts=10, last_error="550 no such user"),
        Outbox(kind="mail.contact", status="pending", attempts=2, next_attempt_at=later),
        Outbox(kind="mail.contact", status="sent"),
        Outbox(kind="mail.contact", status="sending", next_attempt_at=later),
    )
    ctx = people["admin"]
    for row_id in (failed, waiting):
        result = run_action("admin.retry_outbox", {"id": row_id}, ctx)
        assert result.ok and result.data["status"] == "pending"
        assert datetime.fromisoformat(result.data["next_attempt_at"]) <= utcnow()
        assert "payload" not in result.data
    assert run_action("admin.retry_outbox", {"id": sent}, ctx).envelope() == {
        "error": {"code": "CONFLICT", "message": "This message was already sent.", "fields": {}}
    }
    assert run_action("admin.retry_outbox", {"id": sending}, ctx).envelope() == {
        "error": {
            "code": "CONFLICT",
            "message": "This message is being sent right now.",
            "fields": {},
        }
    }
    with session_scope() as session:
        assert [o.status for o in admin.list_outbox(session, ctx, status="failed").items] == []


def test_activity_counts_likes_ratings_and_comments_per_day(people):
    today = date(2025, 3, 30)

    def at(day: int, hour: int = 12) -> datetime:
        return datetime(2025, 3, day, hour, tzinfo=UTC)

    add(
        Like(post_slug="a", visitor_id="v1", created_at=at(30, 0)),
        Like(post_slug="b", visitor_id="v1", created_at=at(30, 23)),
        Like(post_slug="a", visitor_id="v2", created_at=at(1)),  # first day of the window
        Like(
            post_slug="c", visitor_id="v2", created_at=datetime(2025, 2, 28, 23, tzinfo=UTC)
        ),  # before it
        Rating(post_slug="a", visitor_id="v1", stars=4, created_at=at(15)),
        comment(created_at=at(15)),
        comment(created_at=at(15), is_removed=True),
    )
    with session_scope() as session:
        days = admin.activity(session, people["admin"], today=today)
    assert len(days) == 30
    assert (days[0].day, days[-1].day) == ("2025-03-01", "2025-03-30")
    by_day = {d.day: (d.likes, d.ratings, d.comments) for d in days}
    assert by_day["2025-03-30"] == (2, 0, 0)
    assert by_day["2025-03-01"] == (1, 0, 0)
    assert by_day["2025-03-15"] == (0, 1, 2)
    assert sum(d.likes for d in days) == 3


def test_sync_now_queues_one_full_sync_and_status_shows_it(people, monkeypatch):
    ctx = people["admin"]
    monkeypatch.delenv("WORDPRESS_URL", raising=False)
    assert run_action("admin.sync_now", {}, ctx).envelope() == {
        "error": {
            "code": "CONFLICT",
            "message": "WordPress is not configured: set WORDPRESS_URL first.",
            "fields": {},
        }
    }
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")
    first = run_action("admin.sync_now", {}, ctx)
    again = run_action("admin.sync_now", {}, ctx)
    assert first.ok and first.data["source"] == "full" and first.data["status"] == "pending"
    assert again.data["id"] == first.data["id"]  # an unfinished run is reused
    with session_scope() as session:
        status = admin.sync_status(session, ctx)
    assert status.configured and status.pending == 1 and status.failed == 0
    assert [e.id for e in status.recent] == [first.data["id"]]


def test_sync_progress_follows_the_latest_full_runs_checkpoint(people):
    ctx = people["admin"]
    with session_scope() as session:
        assert admin.sync_progress(session, ctx) is None  # no run yet
        for who, expected in (("anonymous", SIGN_IN), ("member", ADMINS)):
            with pytest.raises(ActionError) as refused:
                admin.sync_progress(session, people[who])
            assert refused.value.to_dict() == expected
    [old] = add(SyncEvent(source="full", status="done", next_page=9))
    add(SyncEvent(source="webhook", wp_post_id=7))  # a webhook event is not a run
    [run] = add(SyncEvent(source="full", status="processing", next_page=4))

    def progress() -> tuple[int, str, int, bool, str | None]:
        with session_scope() as session:
            p = admin.sync_progress(session, ctx)
        assert p is not None
        return p.run_id, p.status, p.pages_done, p.running, p.error

    assert progress() == (run, "processing", 3, True, None)
    with session_scope(write=True) as session:
        row = session.get(SyncEvent, run)
        assert row is not None
        row.status, row.last_error = "failed", "WordPress answered 500"
    assert progress() == (run, "failed", 3, False, "WordPress answered 500")
    assert old < run
