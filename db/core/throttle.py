"""Failed password guesses: which counts the one limiter (:mod:`db.core.ratelimit`) keeps.

The policy below is for sign-ins (:data:`throttle`); a password-protected post's password
form counts the same way under its own name (``db/protected.py``: per post and client, and
per client), so guessing post passwords never locks anyone out of signing in.

Two counts, each over 15 minutes:

- per account *and* client (5): guessing one account's password from one address stops
  after 5 misses, while the owner, signing in from their own address, is never locked out
  by someone else's guesses;
- per client (20): one address can't spray guesses across many accounts.

A client is its IP as the HTTP endpoint and the websocket both see it (the real one
behind ``REFLEX_TRUSTED_PROXY_HOPS`` reverse proxies). Only failures count, a correct
password clears its account-and-client count, and a refused attempt checks no password and
writes nothing. With Redis configured the counts are shared by every worker.
"""

from __future__ import annotations

import hashlib

from db.core.config import RateLimit
from db.core.ratelimit import Limiter, limiter

ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """The sign-in policy over a :class:`Limiter`; ``name`` keeps another password form's
    counts (``"postpass"``) apart from sign-in's. The "account" is whatever the password
    opens: an email, a post's id."""

    def __init__(
        self,
        counter: Limiter = limiter,
        *,
        per_account: int = ACCOUNT_LIMIT,
        per_client: int = CLIENT_LIMIT,
        window: float = WINDOW_SECONDS,
        name: str = "login",
    ) -> None:
        self.counter = counter
        self.account_limit = RateLimit(per_account, window)
        self.client_limit = RateLimit(per_client, window)
        self.name = name

    def _account(self, email: str, client: str) -> str:
        # Keep no address in the store: a digest identifies the account just as well.
        return f"{self.name}-account:{hashlib.sha256(email.encode()).hexdigest()}|{client}"

    def _client(self, client: str) -> str:
        return f"{self.name}-client:{client}"

    def check(self, email: str, client: str) -> int | None:
        """``None`` if a sign-in may be attempted, else the seconds to wait."""
        waits = [
            w
            for w in (
                self.counter.blocked(self._account(email, client), self.account_limit),
                self.counter.blocked(self._client(client), self.client_limit),
            )
            if w is not None
        ]
        return max(waits) if waits else None

    def fail(self, email: str, client: str) -> None:
        """Count one failed attempt against the account (from this client) and the client."""
        self.counter.hit(self._account(email, client), self.account_limit)
        self.counter.hit(self._client(client), self.client_limit)

    def succeed(self, email: str, client: str) -> None:
        """A correct password clears the account's count from this client (not the client's)."""
        self.counter.clear(self._account(email, client), self.account_limit)


throttle = LoginThrottle()
