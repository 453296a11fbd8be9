"""The one rate limiter: moving windows from the ``limits`` library, in Redis when configured.

Every limit in Atoll counts here — ``ATOLL_RATE_LIMIT`` per client and action, the
webhook's budget for unsigned requests, failed sign-ins — so they hold across all backend
workers and machines whenever ``REFLEX_REDIS_URL`` is set (the Redis the workers already
share for state); without it one process serves everything and memory is enough.

A limiter must not become an outage: if Redis stops answering, counting falls back to
this process's memory (logged once) until it answers again, which keeps every limit in
force per worker rather than failing requests or dropping limits altogether.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import cast

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from db.core.settings import RateLimit, settings

log = logging.getLogger("atoll.ratelimit")

REDIS_TIMEOUT_SECONDS = 0.5
"""How long a count may wait on Redis before this process counts in memory instead."""


def _item(limit: RateLimit) -> RateLimitItem:
    return RateLimitItemPerSecond(limit.requests, max(1, math.ceil(limit.seconds)))


class Limiter:
    """Moving-window counters keyed by strings such as ``ip:1.2.3.4|likes.toggle``.

    ``storage_url`` is a ``limits`` storage URL (``redis://…``; ``None``: this process's
    memory), or a function giving one, asked once when the first count is made.
    """

    def __init__(self, storage_url: str | Callable[[], str | None] | None = None) -> None:
        self._url = storage_url
        self._lock = threading.Lock()
        self._memory = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._memory)
        self._shared: Storage | None = None
        self._shared_strategy: MovingWindowRateLimiter | None = None
        self._degraded = False

    def _storage_url(self) -> str | None:
        if callable(self._url):
            self._url = self._url()
        return self._url

    def _strategy(self) -> MovingWindowRateLimiter:
        """The shared (Redis) counters when configured, connected on first use; else memory."""
        url = self._storage_url()
        if not url:
            return self._local
        with self._lock:
            if self._shared_strategy is None:
                # A URL without the ``async+`` prefix always gives a synchronous storage.
                shared = cast(
                    Storage,
                    storage_from_string(
                        url,
                        wrap_exceptions=True,
                        socket_timeout=REDIS_TIMEOUT_SECONDS,
                        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                    ),
                )
                self._shared = shared
                self._shared_strategy = MovingWindowRateLimiter(shared)
            return self._shared_strategy

    def _run(self, op: str, limit: RateLimit, key: str) -> bool:
        item = _item(limit)
        try:
            result = getattr(self._strategy(), op)(item, key)
            if self._degraded:
                log.warning("rate limits: shared storage answers again")
                self._degraded = False
            return result
        except StorageError as exc:
            if not self._degraded:
                log.warning(
                    "rate limits: shared storage unreachable (%s); counting in memory",
                    type(exc.storage_error).__name__,
                )
                self._degraded = True
            return getattr(self._local, op)(item, key)

    def _wait(self, limit: RateLimit, key: str) -> int:
        try:
            stats = self._strategy().get_window_stats(_item(limit), key)
        except StorageError:
            stats = self._local.get_window_stats(_item(limit), key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def hit(self, key: str, limit: RateLimit) -> int | None:
        """Count one request; ``None`` if it is allowed, else the seconds until one would be."""
        if self._run("hit", limit, key):
            return None
        return self._wait(limit, key)

    def blocked(self, key: str, limit: RateLimit) -> int | None:
        """Without counting: ``None`` if one more would be allowed, else the seconds to wait."""
        if self._run("test", limit, key):
            return None
        return self._wait(limit, key)

    def clear(self, key: str, limit: RateLimit) -> None:
        """Forget ``key``'s count under ``limit`` (a correct password clears its failures)."""
        self._run("clear", limit, key)

    def reset(self) -> None:
        """Forget every count (tests; the shared storage too, so use a dedicated Redis db)."""
        self._memory.reset()
        with self._lock:
            if self._shared is not None:
                self._shared.reset()


def client_key(ip: str) -> str:
    """What limits count per client: its IP, the same over HTTP and the websocket, so
    switching transport (or dropping the visitor cookie) never resets a limit."""
    return f"ip:{ip or 'unknown'}"


limiter = Limiter(lambda: settings().redis_url)
"""The process's limiter. ``REFLEX_REDIS_URL`` is looked up at the first count, not at
import, so importing this module never reads settings (an entry point reports a bad one)."""
