"""state/admin.py: ``/admin`` shows nothing until the role is confirmed, and forgets it all
the moment the role is gone; its actions answer with a toast."""

from __future__ import annotations

import pytest
from sqlmodel import update

from db.admin import ADMINS_ONLY, COMMENT_NOT_FOUND, WORDPRESS_OFF
from db.core.engine import session_scope
from db.models import Comment, ContactMessage, GuestbookEntry, Outbox, SyncEvent, User
from state.admin import AdminState
from tests.factories import make_post, make_user
from tests.state.conftest import Outage, Tab, drive

pytestmark = pytest.mark.anyio


def seed() -> dict[str, int]:
    """One comment, one guestbook entry and one unread message; their ids by section."""
    make_post("hello-world")
    with session_scope(write=True) as session:
        rows = {
            "comments": Comment(post_slug="hello-world", author_name="Ada", content="Nice"),
            "entries": GuestbookEntry(author="Grace", content="Hello"),
            "messages": ContactMessage(
                name="Alan", email="alan@example.com", subject="", message="Is this on?"
            ),
        }
        for row in rows.values():
            session.add(row)
        session.flush()
        return {name: row.id for name, row in rows.items()}


async def admin_page(user_id: int) -> tuple[Tab, AdminState]:
    tab = Tab(user_id=user_id)
    tab.open("/admin")
    state = await tab.state(AdminState)
    await drive(state.load_admin())
    return tab, state


def row(state: AdminState, section: str, row_id: int) -> dict:
    [found] = [r for r in state.rows[section] if r["id"] == row_id]
    return found


def access(state: AdminState) -> tuple[bool, str, bool]:
    return state.allowed, state.denied, state.loaded


async def test_visitors_are_sent_to_sign_in(tab: Tab):
    seed()
    tab.open("/admin")
    state = await tab.state(AdminState)
    outcome = await drive(state.load_admin())
    assert outcome.redirects == ["/login?next=/admin"]
    assert (state.allowed, state.rows, state.activity) == (False, {}, [])


async def test_members_are_refused_and_shown_nothing(database: str):
    seed()
    _, state = await admin_page(make_user())
    assert access(state) == (False, ADMINS_ONLY, True)
    assert (state.rows, state.unread, state.sync) == ({}, 0, {})


async def test_an_admin_sees_every_section(database: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WORDPRESS_URL", raising=False)
    ids = seed()
    _, state = await admin_page(make_user(role="admin"))
    assert access(state) == (True, "", True)
    assert row(state, "comments", ids["comments"])["text"] == "Nice"
    assert row(state, "entries", ids["entries"])["who"] == "Grace"
    assert row(state, "messages", ids["messages"])["subject"] == "(no subject)"
    assert (state.status["messages"], state.unread) == ("unread", 1)
    assert state.sync["configured"] is False
    assert len(state.activity) == 30


async def test_hiding_a_comment_saves_and_refreshes_its_list(database: str):
    ids = seed()
    _, state = await admin_page(make_user(role="admin"))
    outcome = await drive(state.submit_moderation("comments", ids["comments"], "is_public", False))
    assert outcome.toasts == [("success", "Saved.")]
    assert row(state, "comments", ids["comments"])["is_public"] is False
    await drive(state.load_section("comments", "visible"))
    assert (state.rows["comments"], state.status["comments"]) == ([], "visible")


async def test_unknown_sections_or_flags_do_nothing(database: str):
    ids = seed()
    _, state = await admin_page(make_user(role="admin"))
    before = state.rows
    assert (await drive(state.submit_moderation("users", 1, "is_public", False))).events == []
    assert (
        await drive(state.submit_moderation("comments", ids["comments"], "role", True))
    ).events == []
    assert state.rows == before


async def test_marking_a_message_read_updates_the_unread_count(database: str):
    ids = seed()
    _, state = await admin_page(make_user(role="admin"))
    outcome = await drive(state.toggle_message_read(ids["messages"], True))
    assert outcome.toasts == [("success", "Marked read.")]
    assert (state.unread, state.rows["messages"]) == (0, [])  # the list shows unread ones
    outcome = await drive(state.toggle_message_read(ids["messages"], False))
    assert outcome.toasts == [("success", "Marked unread.")]
    assert state.unread == 1


async def test_a_missing_row_is_a_toast(database: str):
    seed()
    _, state = await admin_page(make_user(role="admin"))
    outcome = await drive(state.submit_moderation("comments", 999, "is_removed", True))
    assert outcome.toasts == [("error", COMMENT_NOT_FOUND)]
    assert state.allowed is True


async def test_a_demoted_admin_is_refused_and_the_page_forgets_everything(database: str):
    ids = seed()
    admin_id = make_user(role="admin")
    _, state = await admin_page(admin_id)
    with session_scope(write=True) as session:
        session.exec(update(User).values(role="member"))
    outcome = await drive(state.submit_moderation("comments", ids["comments"], "is_public", False))
    assert outcome.toasts == [("error", ADMINS_ONLY)]
    assert access(state) == (False, ADMINS_ONLY, True)
    assert (state.rows, state.unread, state.activity, state.sync) == ({}, 0, [], {})


async def test_a_page_change_after_a_demotion_forgets_everything_too(database: str):
    seed()
    _, state = await admin_page(make_user(role="admin"))
    with session_scope(write=True) as session:
        session.exec(update(User).values(role="member"))
    await drive(state.load_page("comments", 2))
    assert access(state) == (False, ADMINS_ONLY, True)
    assert state.rows == {}


async def test_sync_now_without_wordpress_says_what_to_set(
    database: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("WORDPRESS_URL", raising=False)
    seed()
    _, state = await admin_page(make_user(role="admin"))
    outcome = await drive(state.submit_sync_now())
    assert outcome.toasts == [("error", WORDPRESS_OFF)]
    assert state.allowed is True


async def test_without_the_database_an_action_fails_with_a_toast(outage: Outage):
    ids = seed()
    _, state = await admin_page(make_user(role="admin"))
    with outage:
        outcome = await drive(
            state.submit_moderation("comments", ids["comments"], "is_public", False)
        )
    assert outcome.toasts == [("error", outage.message)]
    assert state.allowed is True  # not a refusal: the page keeps what it shows
    assert row(state, "comments", ids["comments"])["is_public"] is True


async def test_sync_now_starts_following_the_run(database: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")
    _, state = await admin_page(make_user(role="admin"))
    assert state.sync_run == {}  # no run yet: nothing to follow
    outcome = await drive(state.submit_sync_now())
    assert outcome.events == [("toast", "success", "Full sync queued."), ("watch_sync",)]
    assert state.sync_run == {"running": True, "pages": 0, "status": "pending", "error": ""}


async def test_opening_the_page_follows_a_run_already_under_way(database: str):
    with session_scope(write=True) as session:
        session.add(SyncEvent(source="full", status="processing", next_page=4))
    tab = Tab(user_id=make_user(role="admin"))
    tab.open("/admin")
    state = await tab.state(AdminState)
    outcome = await drive(state.load_admin())
    assert outcome.events == [("watch_sync",)]
    assert state.sync_run == {"running": True, "pages": 3, "status": "processing", "error": ""}


async def test_only_mail_still_waiting_has_a_next_attempt(database: str):
    with session_scope(write=True) as session:
        for status in ("pending", "failed", "sending", "sent"):
            session.add(Outbox(kind=f"test.{status}", payload={}, status=status))
    _, state = await admin_page(make_user(role="admin"))
    due = {r["status"]: bool(r["due"]) for r in state.rows["outbox"]}
    assert due == {"pending": True, "failed": True, "sending": False, "sent": False}


async def test_the_legend_hides_and_shows_a_series(database: str):
    _, state = await admin_page(make_user(role="admin"))
    await drive(state.toggle_series("likes"))
    await drive(state.toggle_series("comments"))
    await drive(state.toggle_series("no-such-series"))
    assert state.hidden_series == ["likes", "comments"]
    await drive(state.toggle_series("likes"))
    assert state.hidden_series == ["comments"]
