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
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import reflex as rx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from reflex.event import EventSpec

from db.core.actions import shown_error
from db.core.settings import settings

log = logging.getLogger("atoll.runtime")

REDIS_PING_TIMEOUT = 1.0
"""Seconds ``/health`` waits for Redis to answer before reporting it unreachable."""

SESSION_STORE_DOWN = (
    "The site can't reach its session store right now. Please try again in a moment."
)
"""Shown (as a toast) when an event fails because Redis, which holds every tab's state, is down."""

_health_clients: dict[str, Redis] = {}


def redis_url() -> str | None:
    """``REFLEX_REDIS_URL``: where Reflex keeps every tab's state (``None``: in each worker).

    :class:`db.core.settings.Settings` has already refused a URL that is not ``redis://``,
    ``rediss://`` or ``unix://``, before Reflex itself would.
    """
    return settings().redis_url


def requested_workers() -> int:
    """The larger of ``GRANIAN_WORKERS`` (what Reflex hands to granian) and ``WORKERS`` (the
    Makefile's name for it); 1 when neither is set. Settings refuse anything but a whole
    number ≥ 1."""
    current = settings()
    return max(current.granian_workers or 1, current.workers or 1)


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
            "Set REFLEX_REDIS_URL=redis://host:port "
            "(make run WORKERS=N REDIS_URL=redis://host:port), or run a single worker."
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

    # Granian picks MPServer or MTServer as Server by platform; either __init__ will do here.
    init: Callable[..., None] = Server.__init__
    if getattr(init, "respawns", False):
        return

    @functools.wraps(init)
    def respawning(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        init(self, *args, **kwargs)

    respawning.__dict__["respawns"] = True  # marks the wrapper, see above
    Server.__init__ = respawning  # the one option Reflex omits


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
        # redis-py types ping() for its sync and asyncio clients at once; this one awaits.
        ping = cast(Awaitable[bool], _health_client(url).ping())
        await asyncio.wait_for(ping, timeout=REDIS_PING_TIMEOUT)
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
    is briefly unavailable. Everything else is shown as :func:`db.core.actions.shown_error`
    shows an action's failure: an :class:`~db.core.errors.ActionError` as it is (a page
    load that couldn't check who is signed in: 503), a busy or unreachable database as
    503, anything else logged with its traceback and shown as one generic message.
    """
    if _caused_by_redis(exception):
        log.error("event failed: Redis unreachable (%s)", type(exception).__name__)
        return rx.toast.error(SESSION_STORE_DOWN, id="session-store-down")
    return rx.toast.error(shown_error(exception, "event").message, id="event-failed")


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
