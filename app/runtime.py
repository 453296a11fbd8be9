"""How the backend runs: how many workers, the Redis they share, and what users see when it fails.

Reflex 0.10 starts ``GRANIAN_WORKERS`` backend workers in prod mode; without that variable
it starts one, or ``2 × CPUs + 1`` when ``REFLEX_REDIS_URL`` is set. Where a visitor's state
lives is decided separately: in Redis when a Redis URL is configured, otherwise in each
worker's own memory. Several workers without Redis therefore each keep a different copy of
every tab's state, and an event sees whichever copy its worker holds — the state diverges
without any error. :func:`require_shared_state` refuses to start that way.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import time
from typing import Any

import reflex as rx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec
from reflex.utils import prerequisites

log = logging.getLogger("atoll.runtime")

# ``GRANIAN_WORKERS`` is what Reflex hands to granian; ``WORKERS`` is the Makefile's name for it.
WORKER_VARS = ("GRANIAN_WORKERS", "WORKERS")

REDIS_PING_TIMEOUT = 1.0
"""Seconds ``/health`` waits for Redis to answer before reporting it unreachable."""

SESSION_STORE_DOWN = (
    "The site can't reach its session store right now. Please try again in a moment."
)
"""Shown (as a toast) when an event fails because Redis, which holds every tab's state, is down."""

_health_clients: dict[str, Redis] = {}


def redis_url() -> str | None:
    """The Redis URL Reflex will use (``REFLEX_REDIS_URL`` or ``redis_url`` in rxconfig.py).

    Raises:
        SystemExit: the URL is set but is not ``redis://``, ``rediss://`` or ``unix://``.
    """
    try:
        return prerequisites.parse_redis_url()
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def requested_workers() -> int:
    """The largest worker count asked for through :data:`WORKER_VARS` (1 when none is set).

    Raises:
        SystemExit: a variable is set to something other than a positive whole number.
    """
    count = 1
    for name in WORKER_VARS:
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise SystemExit(
                f"{name}={raw!r}: the number of backend workers must be a whole number ≥ 1."
            )
        count = max(count, value)
    return count


def require_shared_state() -> None:
    """Refuse to run several workers unless their state is shared through Redis.

    Called when ``app/app.py`` is imported, which happens in ``reflex run`` before the
    build and again in every worker, so the message appears before anything is served.

    Raises:
        SystemExit: more than one worker was asked for and no Redis URL is configured.
    """
    workers = requested_workers()
    if workers > 1 and redis_url() is None:
        raise SystemExit(
            f"Refusing to start {workers} backend workers without Redis: each worker would keep "
            "its own copy of every visitor's state and the copies would silently diverge. "
            "Set REFLEX_REDIS_URL=redis://host:port (make run WORKERS=N REDIS_URL=redis://host:port), "
            "or run a single worker."
        )


def respawn_failed_workers() -> None:
    """Have granian replace a backend worker that dies instead of stopping the whole server.

    Granian can respawn failed workers (``--respawn-failed-workers``), but Reflex 0.10 builds
    granian's ``Server`` itself with that option off and no setting to turn it on: one
    worker killed (OOM, a crash in a C extension) would log "Reflex app stopped" and take
    every other worker down with it. This defaults the option on before Reflex builds the
    server: on Linux Reflex imports the app in the supervising process first (to fork the
    workers from it), so the default is in place in time. Idempotent.
    """
    from granian.server import Server

    init = Server.__init__
    if getattr(init, "respawns", False):
        return

    @functools.wraps(init)
    def respawning(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        init(self, *args, **kwargs)

    respawning.respawns = True  # type: ignore[attr-defined]  # marks the wrapper, see above
    Server.__init__ = respawning  # type: ignore[method-assign]  # the one option Reflex omits


def _health_client(url: str) -> Redis:
    client = _health_clients.get(url)
    if client is None:
        client = Redis.from_url(
            url, socket_connect_timeout=REDIS_PING_TIMEOUT, socket_timeout=REDIS_PING_TIMEOUT
        )
        _health_clients[url] = client
    return client


async def redis_status() -> dict[str, Any]:
    """What ``/health`` says about Redis: not configured, or reachable (with latency) or not.

    One long-lived client per URL, with short timeouts, so a probe never hangs on a
    Redis that accepts connections but does not answer.
    """
    url = redis_url()
    if url is None:
        return {"configured": False}
    started = time.perf_counter()
    try:
        await asyncio.wait_for(_health_client(url).ping(), timeout=REDIS_PING_TIMEOUT)
    except (RedisError, OSError, TimeoutError) as exc:
        log.warning("health: redis unreachable (%s)", type(exc).__name__)
        return {"configured": True, "reachable": False}
    latency = round((time.perf_counter() - started) * 1000, 2)
    return {"configured": True, "reachable": True, "latency_ms": latency}


def _caused_by_redis(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RedisError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def backend_exception_handler(exception: Exception) -> EventSpec:
    """Reflex's handler for exceptions in event processing (``rx.App(backend_exception_handler=)``).

    A Redis failure is an outage, not a bug, so the visitor is told plainly that the site
    is briefly unavailable; everything else goes to Reflex's default handler, which logs
    the traceback and shows a generic message in prod mode.
    """
    if _caused_by_redis(exception):
        log.error("event failed: Redis unreachable (%s)", type(exception).__name__)
        return rx.toast.error(SESSION_STORE_DOWN, id="session-store-down")
    return default_backend_exception_handler(exception)


async def freeze_startup_objects() -> None:
    """Lifespan task: keep the garbage collector off everything that lives as long as the worker.

    The app, its compiled pages, Reflex and every imported module are hundreds of thousands
    of objects that never become garbage, yet each full collection walks them all again —
    tens of milliseconds with the event loop stopped, which was most of the p99 of a page
    load under load (bench/RESULTS.md). Frozen once startup is done (lifespan tasks start
    after the app is built), later full collections only walk what was allocated since:
    visitors' states and requests in flight.
    """
    await asyncio.sleep(0)
    gc.collect()
    gc.freeze()
    log.warning("gc: %d startup objects frozen", gc.get_freeze_count())
