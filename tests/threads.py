"""Many threads hitting the same code at the same moment, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from db.core.engine import session_scope


def at_once(count: int, worker: Callable[[int], object]) -> None:
    """Run ``worker(0)`` … ``worker(count - 1)`` on as many threads, released together.

    Waits for all of them. A barrier holds every thread until the last one is ready, so
    they contend for the database at once instead of one after another. An exception in a
    worker is raised here, in the test's thread (a bare thread would only print it and let
    the test go on).
    """
    barrier = threading.Barrier(count)

    def run(index: int) -> object:
        barrier.wait()
        return worker(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))


@contextmanager
def turn_held_elsewhere() -> Iterator[threading.Event]:
    """Another thread of this process holds a write transaction until the block ends, or
    until the yielded event is set."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with session_scope(write=True):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(5)
        yield release
    finally:
        release.set()
        holder.join(10)
