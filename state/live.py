"""Live updates: push a change made in one tab into every tab showing the same thing.

Tabs subscribe to a topic (``likes:<slug>``, ``guestbook``) when an island loads. After
a write, the handler calls :func:`publish` with a loader that reads the current value
from the database; every subscribed tab's state is then modified out of band, which
Reflex sends down that tab's websocket. Reading the value at fan-out time (rather than
sending the value the writer saw) means tabs always converge on what is committed,
whatever order concurrent writers finish in; bursts coalesce into one fan-out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex.utils import prerequisites

log = logging.getLogger("atoll.live")

MAX_TOPICS_PER_TAB = 50

_topics: dict[str, set[str]] = defaultdict(set)
_by_token: dict[str, set[str]] = defaultdict(set)


@dataclass
class _Job:
    cls: type[rx.State]
    load: Callable[[], Awaitable[Any]]
    apply: Callable[[Any, Any], None]
    dirty: bool = True


_jobs: dict[str, _Job] = {}
_tasks: set[asyncio.Task[None]] = set()


def subscribe(topic: str, token: str) -> None:
    """Deliver ``topic``'s updates to the tab ``token`` from now on."""
    if not token or topic in _by_token[token]:
        return
    if len(_by_token[token]) >= MAX_TOPICS_PER_TAB:
        _drop(token)
    _topics[topic].add(token)
    _by_token[token].add(topic)


def subscribers(topic: str) -> frozenset[str]:
    return frozenset(_topics.get(topic, ()))


def _drop(token: str) -> None:
    for topic in _by_token.pop(token, set()):
        tokens = _topics.get(topic)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del _topics[topic]


async def _deliver(token: str, cls: type[rx.State], apply: Callable[[Any], None]) -> None:
    app = prerequisites.get_and_validate_app().app
    manager = getattr(app.event_namespace, "_token_manager", None)
    if manager is not None and not await manager.is_token_connected(token):
        _drop(token)
        return
    async with app.modify_state(BaseStateToken(ident=token, cls=cls)) as root:
        apply(await root.get_state(cls))


def publish(
    topic: str,
    cls: type[rx.State],
    load: Callable[[], Awaitable[Any]],
    apply: Callable[[Any, Any], None],
) -> None:
    """Refresh ``topic`` in every subscribed tab: ``apply(state_of_cls, await load())``.

    Fire-and-forget: the publishing handler answers its own tab at once. While a fan-out
    is running, further publishes on the topic only mark it dirty, so a burst of writes
    costs one more round, not one round each.
    """
    job = _jobs.get(topic)
    if job is not None:
        job.dirty = True
        return
    _jobs[topic] = _Job(cls, load, apply)
    task = asyncio.create_task(_fan_out(topic))
    _tasks.add(task)
    task.add_done_callback(_finished)


async def _fan_out(topic: str) -> None:
    job = _jobs[topic]
    try:
        while job.dirty:
            job.dirty = False
            value = await job.load()
            results = await asyncio.gather(
                *(_deliver(t, job.cls, lambda st: job.apply(st, value)) for t in subscribers(topic)),
                return_exceptions=True,
            )
            for r in results:
                if isinstance(r, Exception):
                    log.warning("live update on %s failed: %s", topic, r)
    finally:
        _jobs.pop(topic, None)


def _finished(task: asyncio.Task[None]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("live fan-out failed: %s", exc)
