"""The action registry and its runner: the single way input becomes a database write.

An action is a pydantic input model plus a domain function ``fn(*, session, data, ctx)``.
:func:`run_action` is called by both the Reflex event handlers (``state/``) and the HTTP
endpoint (``app/api/actions.py``), so rate limits, validation, transactions and error
mapping are identical on every path.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from db import config, errors
from db.engine import session_scope, unavailable
from db.errors import ActionError, ErrorCode
from db.ratelimit import limiter
from db.validation import parse

log = logging.getLogger("atoll.actions")

# Modules whose import registers their actions; order is the order of the README table.
ACTION_MODULES = ("db.likes", "db.guestbook", "db.ratings", "db.comments", "db.contact", "db.newsletter",
                  "db.users", "db.admin")


@dataclass(frozen=True)
class ActionContext:
    """Who is asking, established by the caller's transport (cookie, session, socket)."""

    visitor_id: str | None = None
    user_id: int | None = None
    client: str = "anonymous"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass(frozen=True)
class Action:
    name: str
    input: type[BaseModel]
    fn: Callable[..., Any]
    summary: str
    errors: tuple[ErrorCode, ...]
    writes: bool


@dataclass(frozen=True)
class ActionResult:
    """What an action produced: ``data`` on success, otherwise ``error``."""

    data: Any = None
    error: ActionError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        return 200 if self.error is None else self.error.code.status

    def envelope(self) -> dict[str, Any]:
        """``{"data": …}`` or ``{"error": {"code", "message", "fields"}}``."""
        return {"data": self.data} if self.error is None else self.error.to_dict()


ACTIONS: dict[str, Action] = {}

# Every action can fail these ways regardless of what it does.
COMMON_ERRORS = (
    ErrorCode.TOO_MANY_REQUESTS,
    ErrorCode.SERVICE_UNAVAILABLE,
    ErrorCode.INTERNAL_SERVER_ERROR,
)


def action(
    name: str,
    *,
    input: type[BaseModel],
    summary: str,
    errors: tuple[ErrorCode, ...] = (ErrorCode.BAD_REQUEST,),
    writes: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the action ``name`` taking ``input``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} is registered twice")
        ACTIONS[name] = Action(name, input, fn, summary, errors + COMMON_ERRORS, writes)
        return fn

    return register


def load_actions() -> dict[str, Action]:
    """Import every module that registers actions and return the registry."""
    for module in ACTION_MODULES:
        importlib.import_module(module)
    return ACTIONS


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def run_action(name: str, payload: Any, ctx: ActionContext) -> ActionResult:
    """Run an action end to end: rate limit, validate, one transaction, one error shape.

    Blocking (it talks to the database): async callers (event handlers, HTTP endpoints)
    use :func:`run_action_async`, so the event loop keeps serving other clients.
    """
    try:
        spec = load_actions().get(name)
        if spec is None:
            raise ActionError(ErrorCode.NOT_FOUND, errors.UNKNOWN_ACTION)
        limit = config.rate_limit()
        if limit is not None:
            wait = limiter.hit(f"{ctx.client}|{name}", limit)
            if wait is not None:
                raise ActionError(
                    ErrorCode.TOO_MANY_REQUESTS, errors.RATE_LIMITED, retry_after=wait
                )
        data = parse(spec.input, payload)  # before opening a transaction
        with session_scope(write=spec.writes) as session:
            result = spec.fn(session=session, data=data, ctx=ctx)
        return ActionResult(data=_jsonable(result))
    except ActionError as exc:
        return ActionResult(error=exc)
    except DBAPIError as exc:
        if (error := unavailable(exc)) is not None:
            log.warning("action %s [%s]: %s (%s)", name, ctx.request_id, error.message, exc.orig)
            return ActionResult(error=error)
        log.exception("action %s [%s] failed", name, ctx.request_id)
        return ActionResult(error=ActionError(ErrorCode.INTERNAL_SERVER_ERROR, errors.UNEXPECTED))
    except Exception:
        log.exception("action %s [%s] failed", name, ctx.request_id)
        return ActionResult(error=ActionError(ErrorCode.INTERNAL_SERVER_ERROR, errors.UNEXPECTED))


_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atoll-writer")
"""The one thread this process runs write actions on (see :func:`run_action_async`)."""


async def run_action_async(name: str, payload: Any, ctx: ActionContext) -> ActionResult:
    """:func:`run_action` for async callers (event handlers, HTTP endpoints), off the event loop.

    Writes run one after another on a single thread: SQLite lets one writer in at a time
    anyway, and handing the write lock around several pool threads, each of which then
    waits for the GIL, cost a quarter of the throughput of a burst of likes
    (bench/RESULTS.md). Reads keep using the default pool. A write that waited in line
    longer than the busy timeout answers SERVICE_UNAVAILABLE without starting, as it
    would have after waiting that long for SQLite's lock.
    """
    spec = load_actions().get(name)
    if spec is None or not spec.writes:
        return await asyncio.to_thread(run_action, name, payload, ctx)
    queued = time.monotonic()
    call = functools.partial(contextvars.copy_context().run, _run_queued, name, payload, ctx, queued)
    return await asyncio.get_running_loop().run_in_executor(_writer, call)


def _run_queued(name: str, payload: Any, ctx: ActionContext, queued: float) -> ActionResult:
    if time.monotonic() - queued >= config.busy_timeout_ms() / 1000:
        log.warning("action %s [%s]: waited past the busy timeout for its turn", name, ctx.request_id)
        return ActionResult(error=ActionError(ErrorCode.SERVICE_UNAVAILABLE, errors.DATABASE_BUSY))
    return run_action(name, payload, ctx)

