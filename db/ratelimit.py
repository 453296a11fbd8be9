"""A sliding-window limiter per (client, action), shared by the websocket and HTTP paths."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from db.config import RateLimit


class SlidingWindowLimiter:
    """Remembers the last ``requests`` timestamps of each key; refuses the one over the limit.

    In-process on purpose: one backend worker owns a client's websocket, and a stray
    extra request on another worker is a fair price for no shared store.
    """

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def hit(self, key: str, limit: RateLimit) -> int | None:
        """Record one request; return ``None`` if allowed, else seconds until it would be."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_sweep > 60:
                self._sweep(now, limit.seconds)
            window = self._hits.setdefault(key, deque())
            while window and now - window[0] >= limit.seconds:
                window.popleft()
            if len(window) >= limit.requests:
                return max(1, math.ceil(window[0] + limit.seconds - now))
            window.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def _sweep(self, now: float, seconds: float) -> None:
        stale = [k for k, w in self._hits.items() if not w or now - w[-1] >= seconds]
        for key in stale:
            del self._hits[key]
        self._last_sweep = now


limiter = SlidingWindowLimiter()
