"""The action registry and its runner: the single way input becomes a database write.

An action is a pydantic input model plus a domain function ``fn(*, session, data, ctx)``.
:func:`run_action` (and :func:`db.core.writer.run_action_async`, its form for async callers)
is called by both the Reflex event handlers (``state/``) and the HTTP endpoint
(``app/api/actions.py``), so rate limits, validation, transactions and error mapping are
identical on every path.

A *listing* (:func:`listing`) is the read counterpart for generic list islands: a named,
ordered query whose pages :func:`read_listing` answers, so a browser can ask for a list by
name but never run a query of its own.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from db.core import cache, config, errors
from db.core.engine import session_scope, unavailable
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import Page, paginate
from db.core.ratelimit import client_key, limiter
from db.core.validation import parse

log = logging.getLogger("atoll.actions")

# Modules whose import registers their actions; order is the order of the README table.
# Any other module at the top of ``db/`` (a new island's ``db/notes.py``) is imported after
# them by :func:`load_actions`, so adding a feature never means editing this list.
ACTION_MODULES = (
    "db.likes",
    "db.guestbook",
    "db.ratings",
    "db.comments",
    "db.contact",
    "db.newsletter",
    "db.accounts",
    "db.admin",
)


@dataclass(frozen=True)
class ActionContext:
    """Who is asking, established by the caller's transport (cookie, session, socket).

    Transports make one with :func:`action_context`, never by calling the class.
    """

    visitor_id: str | None = None
    user_id: int | None = None
    client: str = "anonymous"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


def action_context(
    *, ip: str, visitor_id: str | None = None, user_id: int | None = None
) -> ActionContext:
    """Who is asking, as every transport states it: the HTTP endpoints
    (``app/api/session.py``) and the websocket (``state/site.py``) alike.

    ``ip`` is the client's address as the transport resolved it (trusted proxy hops
    included); limits count per address (:func:`db.core.ratelimit.client_key`), so switching
    transport, or dropping the visitor cookie, never resets a budget. ``visitor_id`` is the
    visitor cookie when it is one we issued; ``user_id`` the account whose session the
    caller has just checked (:func:`db.accounts.signed_in_user`).
    """
    return ActionContext(visitor_id=visitor_id, user_id=user_id, client=client_key(ip))


@dataclass(frozen=True)
class Action:
    name: str
    input: type[BaseModel]
    fn: Callable[..., Any]
    summary: str
    errors: tuple[ErrorCode, ...]
    writes: bool
    invalidates: tuple[str, ...] = ()


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
    invalidates: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as the action ``name`` taking ``input``; a success announces
    :func:`db.core.cache.changed` for ``invalidates`` (the cache tags of what it changes)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} is registered twice")
        ACTIONS[name] = Action(
            name, input, fn, summary, errors + COMMON_ERRORS, writes, invalidates
        )
        return fn

    return register


def feature_modules() -> list[str]:
    """Every module that may register actions, listings or tables: :data:`ACTION_MODULES`
    first (the README's order), then any other module at the top of ``db/``."""
    import db

    found = [
        f"db.{m.name}"
        for m in pkgutil.iter_modules(db.__path__)
        if not m.ispkg and not m.name.startswith("_")
    ]
    return [*ACTION_MODULES, *sorted(set(found) - set(ACTION_MODULES))]


def load_actions() -> dict[str, Action]:
    """Import every feature module (:func:`feature_modules`) and return the action registry."""
    for module in feature_modules():
        importlib.import_module(module)
    return ACTIONS


@dataclass(frozen=True)
class Listing:
    """A named, read-only list of rows: the only reads a generic list island may run.

    ``query()`` builds the (ordered) select; each row is shown as ``model`` (a ``*Public``
    view, so a column not in it never reaches a browser), ``per_page`` rows a page.
    """

    name: str
    model: type[BaseModel]
    query: Callable[[], Any]
    per_page: int


LISTINGS: dict[str, Listing] = {}
UNKNOWN_LISTING = "No such list."


def listing(
    name: str, *, model: type[BaseModel], per_page: int = 10
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``fn`` (no arguments, returns an ordered ``select``) as the listing ``name``,
    read page by page by :func:`read_listing` (``components/lists.py``'s ``rows_list``)."""

    def register(fn: Callable[[], Any]) -> Callable[[], Any]:
        if name in LISTINGS:
            raise ValueError(f"listing {name!r} is registered twice")
        LISTINGS[name] = Listing(name, model, fn, per_page)
        return fn

    return register


def read_listing(session: Any, name: str, *, page: int | None = 1) -> Page[dict[str, Any]]:
    """One page of listing ``name``, each row as its model's JSON.

    Raises:
        ActionError: NOT_FOUND for a name no module registered (a browser names the listing,
            so it may name anything; only registered queries ever run).
    """
    load_actions()
    spec = LISTINGS.get(name)
    if spec is None:
        raise ActionError(ErrorCode.NOT_FOUND, UNKNOWN_LISTING)
    return paginate(
        session,
        spec.query(),
        page=page,
        per_page=spec.per_page,
        view=lambda row: spec.model.model_validate(row).model_dump(mode="json"),
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Call:
    """One request to run an action, checked and parsed, ready for a transaction."""

    action: Action
    data: BaseModel
    ctx: ActionContext


def prepare(name: str, payload: Any, ctx: ActionContext) -> Call:
    """Everything before the transaction: find the action, rate limit, validate.

    Raises :class:`ActionError` (NOT_FOUND, TOO_MANY_REQUESTS, BAD_REQUEST) and touches no
    table, so bad input never costs a write lock.
    """
    spec = load_actions().get(name)
    if spec is None:
        raise ActionError(ErrorCode.NOT_FOUND, errors.UNKNOWN_ACTION)
    limit = config.rate_limit()
    if limit is not None:
        wait = limiter.hit(f"{ctx.client}|{name}", limit)
        if wait is not None:
            raise ActionError(ErrorCode.TOO_MANY_REQUESTS, errors.RATE_LIMITED, retry_after=wait)
    return Call(spec, parse(spec.input, payload), ctx)


def shown_error(exc: BaseException, what: str) -> ActionError:
    """The one mapping of an exception to what a caller may see: an :class:`ActionError` as
    it is, a busy or unreachable database as 503, anything else as a generic 500. ``what``
    names the failed work in the log; the exception's own text is logged, never shown."""
    if isinstance(exc, ActionError):
        return exc
    if (error := unavailable(exc)) is not None:
        log.warning("%s: %s (%s)", what, error.message, getattr(exc, "orig", exc))
        return error
    log.error("%s failed", what, exc_info=exc)
    return ActionError(ErrorCode.INTERNAL_SERVER_ERROR, errors.UNEXPECTED)


def failure(call_name: str, ctx: ActionContext, exc: BaseException) -> ActionResult:
    """:func:`shown_error` for an action call, logged with its request id."""
    return ActionResult(error=shown_error(exc, f"action {call_name} [{ctx.request_id}]"))


def announce(spec: Action) -> None:
    """After a committed write: tell caches what it changed (``invalidates=``)."""
    if spec.invalidates:
        cache.changed(*spec.invalidates)


def execute(call: Call) -> ActionResult:
    """Run a prepared call in a transaction of its own."""
    try:
        with session_scope(write=call.action.writes) as session:
            result = call.action.fn(session=session, data=call.data, ctx=call.ctx)
        announce(call.action)
        return ActionResult(data=jsonable(result))
    except Exception as exc:
        return failure(call.action.name, call.ctx, exc)


def run_action(name: str, payload: Any, ctx: ActionContext) -> ActionResult:
    """Run an action end to end: rate limit, validate, one transaction, one error shape.

    Blocking (it talks to the database): async callers (event handlers, HTTP endpoints)
    use :func:`db.core.writer.run_action_async`, so the event loop keeps serving other clients.
    """
    try:
        call = prepare(name, payload, ctx)
    except Exception as exc:
        return failure(name, ctx, exc)
    return execute(call)
