"""Writers in one process take turns instead of racing SQLite's busy handler.

Threads meet on the engine's write turn; async callers queue on the one writer thread of
:func:`db.core.writer.run_action_async`, and give up after the busy timeout either way.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from db.core import engine, errors
from db.core.actions import ActionResult, run_action
from db.core.engine import dispose_engines, session_scope, unavailable
from db.core.errors import ErrorCode
from db.core.writer import run_action_async
from db.likes import count_likes
from db.models import Like
from tests.factories import make_post, visitor_ctx
from tests.threads import at_once, turn_held_elsewhere

BUSY_TIMEOUT_MS = 250


@pytest.fixture
def short_busy_timeout(database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database with a busy timeout short enough that a sleeping busy handler runs out."""
    monkeypatch.setenv("DATABASE_BUSY_TIMEOUT_MS", str(BUSY_TIMEOUT_MS))
    dispose_engines()  # the timeout is applied when connections are made
    return database


def like(liked: bool = True) -> dict:
    return {"post_slug": "hello-world", "liked": liked}


def test_a_burst_of_writers_all_succeed_within_a_short_busy_timeout(short_busy_timeout):
    """16 threads toggling at once: with SQLite's own retries (sleeps growing to 100 ms) some
    would wait past 250 ms and fail; queued in the process they all get their turn."""
    make_post()
    threads, rounds = 16, 20
    contexts = [visitor_ctx() for _ in range(threads)]
    failures: list[str] = []

    def toggle(index: int) -> None:
        for n in range(rounds):
            result = run_action(
                "likes.toggle", {"post_slug": "hello-world", "liked": n % 2 == 0}, contexts[index]
            )
            if result.error is not None:
                failures.append(result.error.code.name)

    at_once(threads, toggle)
    assert failures == []
    with session_scope() as session:
        rows = session.exec(select(func.count()).select_from(Like)).one()
        assert rows == count_likes(session, "hello-world") == 0  # every visitor ended unliked


def test_a_writer_that_waits_past_the_busy_timeout_gets_the_busy_error(short_busy_timeout):
    """A writer of this process holding its turn too long makes the next one give up like
    SQLite would (SERVICE_UNAVAILABLE), after the busy timeout and not before."""
    make_post()
    with turn_held_elsewhere():
        started = time.monotonic()
        with pytest.raises(Exception) as raised, session_scope(write=True):
            pass
        waited = time.monotonic() - started
        assert busy(raised.value)
        assert BUSY_TIMEOUT_MS / 1000 * 0.9 <= waited < 5
        result = run_action("likes.toggle", like(), visitor_ctx())
        assert result.error is not None and result.error.code is ErrorCode.SERVICE_UNAVAILABLE
        assert result.error.message == errors.DATABASE_BUSY
    assert run_action("likes.toggle", like(), visitor_ctx()).ok


def test_a_write_nested_in_another_on_the_same_thread_still_reaches_sqlite(short_busy_timeout):
    """The turn is reentrant: a nested writer is not stuck on its own thread's turn forever,
    it meets SQLite's lock (held by the outer transaction) and gets the busy error."""
    make_post()
    with session_scope(write=True) as outer:
        outer.add(Like(post_slug="hello-world", visitor_id=visitor_ctx().visitor_id or ""))
        outer.flush()
        with pytest.raises(Exception) as raised, session_scope(write=True) as inner:
            inner.add(Like(post_slug="hello-world", visitor_id=visitor_ctx().visitor_id or ""))
        assert busy(raised.value)


def test_async_writes_all_land_and_counts_equal_rows(short_busy_timeout):
    make_post()
    contexts = [visitor_ctx() for _ in range(40)]

    async def burst() -> list:
        return await asyncio.gather(
            *(run_action_async("likes.toggle", like(), c) for c in contexts)
        )

    results = asyncio.run(burst())
    assert [r.error for r in results] == [None] * 40
    assert max(r.data["likes"] for r in results) == 40
    with session_scope() as session:
        assert (
            session.exec(select(func.count()).select_from(Like)).one()
            == count_likes(session, "hello-world")
            == 40
        )


def test_queued_writes_give_up_after_the_busy_timeout_counted_from_when_they_were_sent(
    short_busy_timeout,
):
    """Three writes queued behind a held lock: the first waits out the busy timeout, the
    others have waited as long in line by then and answer at once, not one timeout each."""
    make_post()

    async def three() -> tuple[list, float]:
        started = time.monotonic()
        results = await asyncio.gather(
            *(run_action_async("likes.toggle", like(), visitor_ctx()) for _ in range(3))
        )
        return results, time.monotonic() - started

    with turn_held_elsewhere():
        results, waited = asyncio.run(three())
    assert [r.error.code for r in results] == [ErrorCode.SERVICE_UNAVAILABLE] * 3
    assert all(r.error.message == errors.DATABASE_BUSY for r in results)
    assert BUSY_TIMEOUT_MS / 1000 * 0.9 <= waited < 2.5 * BUSY_TIMEOUT_MS / 1000


def test_reads_do_not_wait_behind_queued_writes(short_busy_timeout, monkeypatch):
    make_post()
    at_the_turn = threading.Event()
    real_turn = engine._write_turn

    @contextmanager
    def signalling_turn(on: Engine) -> Iterator[None]:
        at_the_turn.set()
        with real_turn(on):
            yield

    async def write_then_read() -> tuple[float, ActionResult, ActionResult]:
        # Only the queued write asks for the turn from here on (the holder already has it).
        monkeypatch.setattr(engine, "_write_turn", signalling_turn)
        write = asyncio.ensure_future(run_action_async("likes.toggle", like(), visitor_ctx()))
        # The writer thread is now busy with the write, waiting for the turn.
        assert await asyncio.to_thread(at_the_turn.wait, 5)
        started = time.monotonic()
        read = await run_action_async("comments.list", {"post_slug": "hello-world"}, visitor_ctx())
        return time.monotonic() - started, read, await write

    with turn_held_elsewhere():
        read_took, read, write = asyncio.run(write_then_read())
    assert read.error is None and read_took < BUSY_TIMEOUT_MS / 1000 / 2
    assert write.error is not None and write.error.code is ErrorCode.SERVICE_UNAVAILABLE


def busy(exc: BaseException) -> bool:
    error = unavailable(exc)
    return error is not None and error.message == errors.DATABASE_BUSY
