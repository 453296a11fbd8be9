"""The one thread a process runs write actions on, committing queued writes together.

SQLite lets one writer in at a time, so a process gains nothing from writing on several
threads: they only hand the write lock, and then the GIL, to each other (a quarter of the
throughput of a burst of likes, bench/RESULTS.md). Writes therefore queue for a single
thread. When several are waiting, they run in **one** transaction: a like costs ~90 µs of
SQL but a transaction of its own ~270 µs, most of it the commit, so a burst of 50 likes
takes one commit instead of 50. Nobody is answered before the commit that holds their
write: durability is the same as one transaction each.

Each write still behaves as if it ran alone. If one of them fails (bad input found inside
the action, a missing post, a constraint), nothing of that transaction is kept; the
writes before it are run again together, the failing one alone (so it gets its own
error), and the rest after it. A write that waited in line longer than the busy timeout
answers SERVICE_UNAVAILABLE without starting, as it would have after waiting that long for
SQLite's lock, so a stuck lock cannot build an unbounded queue. Reads keep using the
default thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from db.core import config, errors
from db.core.actions import (
    ActionContext,
    ActionResult,
    Call,
    announce,
    execute,
    failure,
    jsonable,
    load_actions,
    prepare,
    run_action,
)
from db.core.engine import session_scope
from db.core.errors import ActionError, ErrorCode

log = logging.getLogger("atoll.writer")

MAX_BATCH = 64
"""At most this many queued writes share one transaction (bounds a replay after a failure)."""


@dataclass
class _Queued:
    name: str
    payload: Any
    ctx: ActionContext
    queued: float
    context: contextvars.Context
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[ActionResult]


class _Writer:
    """A daemon thread draining a queue; started on first use (and again after a fork)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Queued] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def _running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def submit(self, item: _Queued) -> None:
        if not self._running():
            with self._lock:
                if not self._running():
                    self._queue = queue.SimpleQueue()  # a forked child inherits no thread
                    self._pid = os.getpid()
                    self._thread = threading.Thread(
                        target=self._run, name="atoll-writer", daemon=True
                    )
                    self._thread.start()
        self._queue.put(item)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = _run_batch(batch)
            except BaseException as exc:  # never let the one writer thread die
                log.exception("writer: batch of %d failed", len(batch))
                results = [failure(item.name, item.ctx, exc) for item in batch]
            _answer(batch, results)


_writer = _Writer()


def _answer(batch: list[_Queued], results: list[ActionResult]) -> None:
    """Wake each waiting event loop once for all of its answers."""
    by_loop: dict[
        asyncio.AbstractEventLoop, list[tuple[asyncio.Future[ActionResult], ActionResult]]
    ]
    by_loop = defaultdict(list)
    for item, result in zip(batch, results, strict=True):
        by_loop[item.loop].append((item.future, result))
    for loop, answers in by_loop.items():
        # RuntimeError: the loop closed while its writes were running.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, answers)


def _resolve(answers: list[tuple[asyncio.Future[ActionResult], ActionResult]]) -> None:
    for future, result in answers:
        if not future.done():  # the caller may have been cancelled
            future.set_result(result)


async def run_action_async(name: str, payload: Any, ctx: ActionContext) -> ActionResult:
    """:func:`db.core.actions.run_action` for async callers (event handlers, HTTP endpoints).

    Writes go to this process's writer thread (see the module docstring); reads run on
    the default pool. The event loop keeps serving other clients meanwhile.
    """
    spec = load_actions().get(name)
    if spec is None or not spec.writes:
        return await asyncio.to_thread(run_action, name, payload, ctx)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[ActionResult] = loop.create_future()
    _writer.submit(
        _Queued(name, payload, ctx, time.monotonic(), contextvars.copy_context(), loop, future)
    )
    return await future


def _run_batch(batch: list[_Queued]) -> list[ActionResult]:
    """Answer every queued write: the expired and the invalid at once, the rest together."""
    results: list[ActionResult | None] = [None] * len(batch)
    calls: list[tuple[int, Call, contextvars.Context]] = []
    limit = config.busy_timeout_ms() / 1000
    now = time.monotonic()
    for index, item in enumerate(batch):
        if now - item.queued >= limit:
            log.warning(
                "action %s [%s]: waited past the busy timeout for its turn",
                item.name,
                item.ctx.request_id,
            )
            results[index] = ActionResult(
                error=ActionError(ErrorCode.SERVICE_UNAVAILABLE, errors.DATABASE_BUSY)
            )
            continue
        try:
            call = item.context.run(prepare, item.name, item.payload, item.ctx)
        except Exception as exc:
            results[index] = failure(item.name, item.ctx, exc)
            continue
        calls.append((index, call, item.context))
    for (index, _, _), result in zip(
        calls, _together([(c, ctx) for _, c, ctx in calls]), strict=True
    ):
        results[index] = result
    answered = [r for r in results if r is not None]
    assert len(answered) == len(batch), "every queued write gets exactly one answer"
    return answered


def _together(calls: list[tuple[Call, contextvars.Context]]) -> list[ActionResult]:
    """Run ``calls`` in one transaction if they all succeed; otherwise as if one by one."""
    if len(calls) <= 1:
        return [context.run(execute, call) for call, context in calls]
    outputs: list[Any] = []
    failed_at: int | None = None
    started = False
    try:
        with session_scope(write=True) as session:
            started = True
            for index, (call, context) in enumerate(calls):
                try:
                    outputs.append(
                        context.run(call.action.fn, session=session, data=call.data, ctx=call.ctx)
                    )
                    session.flush()  # a constraint fails here, on the write that broke it
                except Exception:
                    failed_at = index
                    raise
    except Exception as exc:
        if not started:  # no transaction (the lock is held elsewhere, the server is gone)
            return [failure(call.action.name, call.ctx, exc) for call, _ in calls]
        if failed_at is None:  # the commit itself failed: find out write by write
            return [context.run(execute, call) for call, context in calls]
        head, failing, tail = calls[:failed_at], calls[failed_at], calls[failed_at + 1 :]
        return _together(head) + [failing[1].run(execute, failing[0])] + _together(tail)
    for call, _ in calls:
        announce(call.action)
    return [ActionResult(data=jsonable(output)) for output in outputs]
