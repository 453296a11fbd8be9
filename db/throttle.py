"""Failed sign-ins, counted per account and per client, so password guessing stops early.

After ``per_account`` failures for one email, or ``per_client`` failures from one client
(its IP on the HTTP path), within ``window`` seconds, further attempts are refused with
TOO_MANY_REQUESTS until the oldest failure that tipped the count leaves the window.

In-process like :mod:`db.ratelimit`, and for the same reasons: no shared store to run,
and a refused attempt writes nothing to the database (a brute-force run can neither fill
a table nor queue behind the write lock). With several backend workers each counts on its
own, so the effective limit is per worker.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable

ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """Sliding windows of failure times per account and per client."""

    def __init__(
        self,
        *,
        per_account: int = ACCOUNT_LIMIT,
        per_client: int = CLIENT_LIMIT,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account = per_account
        self.per_client = per_client
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _account(email: str) -> str:
        # Keep no address in memory: a digest identifies the account just as well.
        return "account:" + hashlib.sha256(email.encode()).hexdigest()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _wait(self, key: str, limit: int, now: float) -> int | None:
        times = self._recent(key, now)
        if len(times) < limit:
            return None
        # Allowed again once all but limit-1 of the counted failures have expired.
        tipping = times[len(times) - limit]
        return max(1, math.ceil(tipping + self.window - now))

    def check(self, email: str, client: str) -> int | None:
        """``None`` if a sign-in may be attempted, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            waits = [
                w
                for w in (
                    self._wait(self._account(email), self.per_account, now),
                    self._wait("client:" + client, self.per_client, now),
                )
                if w is not None
            ]
        return max(waits) if waits else None

    def fail(self, email: str, client: str) -> None:
        """Count one failed attempt against both the account and the client."""
        now = self.clock()
        with self._lock:
            for key in (self._account(email), "client:" + client):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeed(self, email: str) -> None:
        """A correct password clears the account's count (not the client's)."""
        with self._lock:
            self._failures.pop(self._account(email), None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


throttle = LoginThrottle()
