"""Live updates: push a change made in one tab into every tab showing the same thing.

Tabs subscribe to a topic (``likes:<slug>``, ``guestbook``) when an island loads. After
a write, the handler calls :func:`publish` with a loader that reads the current value
from the database; every subscribed tab's state is then modified out of band, which
Reflex sends down that tab's websocket. Reading the value at fan-out time (rather than
sending the value the writer saw) means tabs always converge on what is committed,
whatever order concurrent writers finish in; bursts coalesce into one fan-out.

With several workers (Redis configured) a tab's socket may be on any worker, and moves
when it reconnects — after a deploy, a network blip, or its worker dying. Subscriptions
are then also kept in Redis, one set per topic, and the publishing worker fans out to
every subscriber: ``app.modify_state`` takes the tab's state from Redis and Reflex relays
the delta to whichever worker holds the socket. Nothing is tied to the worker a tab first
subscribed on, so a tab that reconnects elsewhere keeps receiving updates; if Redis
restarts empty, :func:`keep_shared` writes back what it lost. Without Redis none of this
runs: subscriptions are process-local dictionaries, as they always were.

A tab found without a socket is kept for :data:`DISCONNECT_GRACE_SECONDS` before it is
forgotten, because it is usually reconnecting (possibly to another worker) and its
islands do not subscribe again on reconnect — they only load when they mount.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, cast

import reflex as rx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from reflex.istate.manager.token import BaseStateToken
from reflex.utils import prerequisites
from reflex.utils.token_manager import RedisTokenManager

log = logging.getLogger("atoll.live")

MAX_TOPICS_PER_TAB = 50

DISCONNECT_GRACE_SECONDS = 30.0
"""A tab found disconnected is only forgotten after this long: it is probably reconnecting."""

SHARED_KEY_PREFIX = "atoll:live:"
SHARED_TTL_SECONDS = 24 * 3600
"""A topic's subscriber set in Redis expires after a day without subscribes or publishes."""

WATCH_SECONDS = 2.0
"""How often each worker checks that Redis still holds what it shared (see :func:`keep_shared`)."""

ROUND_SECONDS = 0.1
"""While writes keep coming, a topic is fanned out at most once per this many seconds.

Each round updates every subscribed tab (a state load, a delta, a websocket send per tab),
so with 50 tabs liking one post, back-to-back rounds cost more than the likes themselves
(bench/RESULTS.md). The first write after a quiet spell still goes out at once.
"""

_topics: dict[str, set[str]] = defaultdict(set)
_by_token: dict[str, set[str]] = defaultdict(set)
_absent_since: dict[str, float] = {}


@dataclass
class _Job:
    cls: type[rx.State]
    load: Callable[[], Awaitable[Any]]
    apply: Callable[[Any, Any], Awaitable[None] | None]
    dirty: bool = True


_jobs: dict[str, _Job] = {}
_tasks: set[asyncio.Task[Any]] = set()
_app: rx.App | None = None


def _reflex_app() -> rx.App:
    global _app
    if _app is None:
        _app = prerequisites.get_and_validate_app().app
    return _app


def _shared() -> Redis | None:
    """The Redis holding every tab's state, or ``None`` when state is process-local."""
    return getattr(_reflex_app().state_manager, "redis", None)


def _key(topic: str) -> str:
    return SHARED_KEY_PREFIX + topic


def _spawn(coro: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_finished)


def subscribe(topic: str, token: str) -> None:
    """Deliver ``topic``'s updates to the tab ``token`` from now on."""
    if not token or topic in _by_token[token]:
        return
    if len(_by_token[token]) >= MAX_TOPICS_PER_TAB:
        _drop(token)
    _topics[topic].add(token)
    _by_token[token].add(topic)
    if (redis := _shared()) is not None:
        _spawn(_remember(redis, topic, token))


async def _remember(redis: Redis, topic: str, token: str) -> None:
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.sadd(_key(topic), token)
            pipe.expire(_key(topic), SHARED_TTL_SECONDS)
            await pipe.execute()
    except RedisError as exc:
        log.warning("live: could not share the subscription to %s (%s)", topic, type(exc).__name__)


def subscribers(topic: str) -> frozenset[str]:
    """The tabs this process knows to follow ``topic`` (Redis may know more)."""
    return frozenset(_topics.get(topic, ()))


async def _all_subscribers(topic: str) -> frozenset[str]:
    local = subscribers(topic)
    redis = _shared()
    if redis is None:
        return local
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.smembers(_key(topic))
            pipe.expire(_key(topic), SHARED_TTL_SECONDS)
            members, _ = await pipe.execute()
    except RedisError as exc:
        log.warning("live: subscribers of %s unavailable (%s)", topic, type(exc).__name__)
        return local
    return local | {m.decode() if isinstance(m, bytes) else str(m) for m in members}


def _drop(token: str) -> None:
    _absent_since.pop(token, None)
    for topic in _by_token.pop(token, set()):
        tokens = _topics.get(topic)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del _topics[topic]


async def _forget(topic: str, tokens: Collection[str]) -> None:
    for token in tokens:
        _drop(token)
    redis = _shared()
    if redis is not None and tokens:
        try:
            # redis-py types its commands for the sync and asyncio clients at once.
            await cast(Awaitable[int], redis.srem(_key(topic), *tokens))
        except RedisError as exc:
            log.warning("live: could not prune %s (%s)", topic, type(exc).__name__)


async def _deliver(
    token: str, cls: type[rx.State], apply: Callable[[Any], Awaitable[None] | None]
) -> bool:
    """Apply the update to one tab; ``False`` when the tab has no socket on any worker."""
    app = _reflex_app()
    manager = getattr(app.event_namespace, "_token_manager", None)
    if manager is not None and not await manager.is_token_connected(token):
        return False
    async with app.modify_state(BaseStateToken(ident=token, cls=cls)) as root:
        outcome = apply(await root.get_state(cls))
        if inspect.isawaitable(outcome):
            await outcome
    return True


def _gone(tokens: Iterable[str], now: float) -> list[str]:
    """Of the tabs just found disconnected, those absent for longer than the grace period."""
    return [t for t in tokens if now - _absent_since.setdefault(t, now) >= DISCONNECT_GRACE_SECONDS]


def publish(
    topic: str,
    cls: type[rx.State],
    load: Callable[[], Awaitable[Any]],
    apply: Callable[[Any, Any], Awaitable[None] | None],
) -> None:
    """Refresh ``topic`` in every subscribed tab: ``apply(state_of_cls, await load())``.

    ``apply`` may be a coroutine function, for a value not every tab may see: it can check
    the tab (its session, say) before showing the value, while the tab's state is held.

    Fire-and-forget: the publishing handler answers its own tab at once. While a fan-out
    is running, further publishes on the topic only mark it dirty, so a burst of writes
    costs one more round, not one round each, and rounds are at least
    :data:`ROUND_SECONDS` apart.
    """
    job = _jobs.get(topic)
    if job is not None:
        job.dirty = True
        return
    _jobs[topic] = _Job(cls, load, apply)
    _spawn(_fan_out(topic))


async def _fan_out(topic: str) -> None:
    job = _jobs[topic]
    started: float | None = None
    try:
        while job.dirty:
            if started is not None:
                await asyncio.sleep(ROUND_SECONDS - (time.monotonic() - started))
            started = time.monotonic()
            job.dirty = False
            value = await job.load()
            tokens = list(await _all_subscribers(topic))
            results = await asyncio.gather(
                *(_deliver(t, job.cls, lambda st, v=value: job.apply(st, v)) for t in tokens),
                return_exceptions=True,
            )
            absent: list[str] = []
            for token, result in zip(tokens, results, strict=True):
                if isinstance(result, BaseException):
                    log.warning("live update on %s failed: %s", topic, result)
                elif result:
                    _absent_since.pop(token, None)
                else:
                    absent.append(token)
            if gone := _gone(absent, time.monotonic()):
                await _forget(topic, gone)
    finally:
        _jobs.pop(topic, None)


async def keep_shared() -> None:
    """Lifespan task: after a Redis outage, make live updates across workers work again.

    Redis may come back empty (it ran without persistence, or was flushed). Then the
    subscriber sets are gone, so tabs that subscribed earlier would never be told again,
    and so are Reflex's records of which worker holds which socket, so other workers could
    no longer route a delta to a tab whose socket stayed open here. Each worker keeps a
    marker key; when it is missing, the worker writes both back for the tabs it knows.
    Reflex's listeners for deltas relayed from other workers and for socket moves stop after
    five errors within a minute and are otherwise only restarted when a socket connects;
    they are restarted here as soon as Redis answers. Without Redis this returns at once.
    """
    redis = _shared()
    if redis is None:
        return
    marker = f"{SHARED_KEY_PREFIX}worker:{uuid.uuid4().hex}"
    reachable = True
    while True:
        try:
            if await redis.set(marker, "1", ex=SHARED_TTL_SECONDS, nx=True):
                await _reshare(redis)
                await _restore_sockets()
            else:
                await redis.expire(marker, SHARED_TTL_SECONDS)
            _restart_relay()
            if not reachable:
                log.warning("live: Redis is back; live updates across workers resume")
            reachable = True
        except RedisError as exc:
            if reachable:
                log.warning(
                    "live: Redis unreachable (%s); live updates across workers wait for it",
                    type(exc).__name__,
                )
            reachable = False
        await asyncio.sleep(WATCH_SECONDS)


async def _reshare(redis: Redis) -> None:
    topics = {topic: list(tokens) for topic, tokens in _topics.items() if tokens}
    if not topics:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for topic, tokens in topics.items():
            pipe.sadd(_key(topic), *tokens)
            pipe.expire(_key(topic), SHARED_TTL_SECONDS)
        await pipe.execute()
    log.info("live: re-shared %d topics with Redis", len(topics))


def _redis_token_manager() -> RedisTokenManager | None:
    manager = getattr(_reflex_app().event_namespace, "_token_manager", None)
    return manager if isinstance(manager, RedisTokenManager) else None


async def _restore_sockets() -> None:
    """Record again (as Reflex does on connect) that this worker holds its open sockets."""
    manager = _redis_token_manager()
    if manager is None:
        return
    own = [
        (t, r)
        for t, r in list(manager.token_to_socket.items())
        if r.instance_id == manager.instance_id
    ]
    await asyncio.gather(*(manager._store_socket_record(token, record) for token, record in own))
    if own:
        log.info("live: restored %d socket records in Redis", len(own))


def _restart_relay() -> None:
    manager = _redis_token_manager()
    namespace = _reflex_app().event_namespace
    if manager is None or namespace is None:
        return
    for name in ("_lost_and_found_task", "_socket_record_task"):
        dead = getattr(manager, name, None)
        if dead is not None and dead.done() and not dead.cancelled():
            dead.exception()  # already logged by Reflex; retrieved so asyncio does not warn again
    manager.ensure_lost_and_found_task(namespace.emit_update)
    manager._ensure_socket_record_task()


def _finished(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("live fan-out failed: %s", exc)
