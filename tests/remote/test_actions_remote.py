"""Actions against a real libSQL server: atomic counters, rollback, clear 503s when it's down."""

from __future__ import annotations

import asyncio
import uuid

from db.core import errors
from db.core.actions import ActionResult, run_action
from db.core.errors import ErrorCode
from db.core.writer import run_action_async
from tests.factories import guestbook_payload, make_post, visitor_ctx
from tests.libsql_server import LibsqlServer
from tests.sql import sql_rows
from tests.threads import at_once


def new_slug() -> str:
    return f"remote-{uuid.uuid4().hex[:8]}"


def test_concurrent_toggles_keep_the_count_equal_to_the_rows(remote_db: str):
    slug = make_post(new_slug()).slug
    visitors = [visitor_ctx() for _ in range(8)]

    def toggle(index: int) -> None:
        for round_ in range(5):  # like, unlike, like, unlike, like
            result = run_action(
                "likes.toggle", {"post_slug": slug, "liked": round_ % 2 == 0}, visitors[index]
            )
            assert result.ok, result.error

    at_once(len(visitors), toggle)
    counted = sql_rows(f"SELECT likes FROM like_counts WHERE post_slug = '{slug}'")
    rows = sql_rows(f"SELECT count(*) FROM likes WHERE post_slug = '{slug}'")
    assert counted == [(8,)] and rows == [(8,)]


def test_writes_through_the_writer_thread_all_land(remote_db: str):
    slug = make_post(new_slug()).slug

    async def burst() -> list[ActionResult]:
        like = {"post_slug": slug, "liked": True}
        return await asyncio.gather(
            *(run_action_async("likes.toggle", like, visitor_ctx()) for _ in range(20))
        )

    results = asyncio.run(burst())
    assert sorted(r.data["likes"] for r in results if r.data) == list(range(1, 21))


def test_a_failing_action_leaves_nothing_behind(remote_db: str):
    ctx = visitor_ctx()
    # The like row is inserted before the post is checked: the rollback must undo it.
    missing = run_action("likes.toggle", {"post_slug": new_slug(), "liked": True}, ctx)
    assert missing.error is not None and missing.error.code is ErrorCode.NOT_FOUND
    assert sql_rows(f"SELECT count(*) FROM likes WHERE visitor_id = '{ctx.visitor_id}'") == [(0,)]

    before = sql_rows("SELECT count(*) FROM guestbook_entries")
    bad = run_action("guestbook.add", guestbook_payload(author=""), ctx)
    assert bad.error is not None and bad.error.code is ErrorCode.BAD_REQUEST
    assert set(bad.error.fields) == {"author"}
    assert sql_rows("SELECT count(*) FROM guestbook_entries") == before

    good = run_action("guestbook.add", guestbook_payload(content="Hello from a libSQL server"), ctx)
    assert good.ok, good.error
    assert sql_rows("SELECT count(*) FROM guestbook_entries") == [(before[0][0] + 1,)]


def test_a_server_that_goes_away_answers_503_then_recovers(remote_db: str, sqld: LibsqlServer):
    slug = make_post(new_slug()).slug
    like = {"post_slug": slug, "liked": True}
    assert run_action("likes.toggle", like, visitor_ctx()).ok  # a pooled connection is open
    sqld.stop()
    try:
        for _ in range(2):  # the broken pooled connection, then a new one that can't connect
            down = run_action("likes.toggle", like, visitor_ctx())
            assert down.error is not None
            assert (down.error.code, down.error.message) == (
                ErrorCode.SERVICE_UNAVAILABLE,
                errors.DATABASE_UNREACHABLE,
            )
    finally:
        sqld.restart()
    back = run_action("likes.toggle", like, visitor_ctx())
    assert back.ok, back.error
    assert back.data["likes"] == 2
