"""Many threads hitting the same code at the same moment, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def at_once(count: int, worker: Callable[[int], object]) -> None:
    """Run ``worker(0)`` … ``worker(count - 1)`` on as many threads, released together; wait for all.

    A barrier holds every thread until the last one is ready, so they contend for the
    database at once instead of one after another. An exception in a worker is raised
    here, in the test's thread (a bare thread would only print it and let the test go on).
    """
    barrier = threading.Barrier(count)

    def run(index: int) -> object:
        barrier.wait()
        return worker(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))
