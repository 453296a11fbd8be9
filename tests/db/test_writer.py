"""Group commit on the writer thread: queued writes share one transaction, yet each one
gets exactly the answer it would have got alone, and only after its write is committed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import col, func, select

from db.core.actions import ActionResult, run_action
from db.core.engine import get_engine, session_scope
from db.core.errors import ErrorCode
from db.core.writer import run_action_async
from db.likes import count_likes
from db.models import GuestbookEntry, Like
from tests.factories import guestbook_payload, make_post, visitor_ctx
from tests.threads import turn_held_elsewhere


@contextmanager
def commits() -> Iterator[list[int]]:
    """Count the COMMITs this process's engine sends while the block runs."""
    seen: list[int] = []

    def count(_conn: Any) -> None:
        seen.append(1)

    event.listen(get_engine(), "commit", count)
    try:
        yield seen
    finally:
        event.remove(get_engine(), "commit", count)


def queued_behind_a_short_lock(calls: list[tuple[str, dict[str, Any]]]) -> list[ActionResult]:
    """Send ``calls`` at once while another thread holds the write turn for 0.2 s, so they
    are all waiting in the writer's queue when it frees up."""

    async def send(release: threading.Event) -> list[ActionResult]:
        asyncio.get_running_loop().call_later(0.2, release.set)
        return await asyncio.gather(
            *(run_action_async(name, payload, visitor_ctx()) for name, payload in calls)
        )

    with turn_held_elsewhere() as release:
        return asyncio.run(send(release))


def like(slug: str = "hello-world") -> tuple[str, dict[str, Any]]:
    return "likes.toggle", {"post_slug": slug, "liked": True}


def test_a_queue_of_writes_is_committed_together_and_each_sees_the_one_before(database):
    make_post()
    with commits() as seen:
        results = queued_behind_a_short_lock([like() for _ in range(30)])
    assert [r.error for r in results] == [None] * 30
    assert [r.data["likes"] for r in results] == list(range(1, 31))  # serial order, as sent
    assert len(seen) <= 3  # the lock holder's, then the queue in one or two batches
    with session_scope() as session:
        assert (
            session.exec(select(func.count()).select_from(Like)).one()
            == count_likes(session, "hello-world")
            == 30
        )


def test_a_failure_inside_the_batch_undoes_only_its_own_write(database):
    """The like on a missing post inserts its row before finding out (NOT_FOUND): the batch
    is rolled back and run again without it, so the others are kept and it leaves nothing."""
    make_post()
    calls = [like(), like(), like("no-such-post"), like(), like()]
    results = queued_behind_a_short_lock(calls)
    assert [r.error.code if r.error else None for r in results] == [
        None,
        None,
        ErrorCode.NOT_FOUND,
        None,
        None,
    ]
    assert [r.data["likes"] for r in results if r.data] == [1, 2, 3, 4]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Like)).one() == 4
        assert count_likes(session, "no-such-post") == 0


def test_bad_input_in_the_queue_gets_its_field_errors_and_the_rest_lands(database):
    make_post()
    calls = [
        ("guestbook.add", guestbook_payload(content="first")),
        ("guestbook.add", guestbook_payload(author="")),
        like(),
        ("guestbook.add", guestbook_payload(content="second")),
    ]
    results = queued_behind_a_short_lock(calls)
    assert [r.ok for r in results] == [True, False, True, True]
    refused = results[1].error
    assert refused is not None and set(refused.fields) == {"author"}
    with session_scope() as session:
        contents = session.exec(
            select(GuestbookEntry.content).order_by(col(GuestbookEntry.id))
        ).all()
    assert contents == ["first", "second"]


def test_answers_match_running_the_same_writes_one_by_one(database):
    """The same sequence, alone and queued, ends in the same answers and the same rows."""
    make_post("alone")
    make_post("queued")
    visitors = [visitor_ctx() for _ in range(6)]
    script = [(v, liked) for liked in (True, False, True) for v in visitors[:4]] + [
        (visitors[5], False)
    ]

    alone = [
        run_action("likes.toggle", {"post_slug": "alone", "liked": liked}, v).data
        for v, liked in script
    ]

    async def send() -> list[ActionResult]:
        return await asyncio.gather(
            *(
                run_action_async("likes.toggle", {"post_slug": "queued", "liked": liked}, v)
                for v, liked in script
            )
        )

    queued = [r.data for r in asyncio.run(send())]
    assert [{**a, "post_slug": "queued"} for a in alone] == queued
