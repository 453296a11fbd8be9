"""Event arguments checked against the handler's annotations before the handler runs.

A browser (or anyone speaking the websocket protocol) can send any JSON as an event's
arguments, and Reflex hands it to the handler as it came: a list where a slug belongs, a
dict where a page number does. :func:`typed` validates (and coerces, as pydantic's lax mode
does: ``"3"`` → ``3``) each argument against the handler's own type hints; a call that
doesn't fit is answered with one error toast and runs nothing — never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast, get_type_hints

import reflex as rx
from pydantic import TypeAdapter, ValidationError

log = logging.getLogger("atoll.events")

F = TypeVar("F", bound=Callable[..., Any])

BAD_EVENT = "That request was not understood. Please reload the page and try again."


def _checker(fn: Callable[..., Any]) -> Callable[..., dict[str, Any] | None]:
    signature = inspect.signature(fn)
    hints = get_type_hints(fn)
    adapters = {
        name: TypeAdapter(hints[name])
        for name in list(signature.parameters)[1:]  # not self
        if name in hints
    }

    def check(state: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        try:
            bound = signature.bind(state, *args, **kwargs)
            values = {
                name: adapters[name].validate_python(value) if name in adapters else value
                for name, value in list(bound.arguments.items())[1:]
            }
        except (TypeError, ValidationError) as exc:
            log.warning(
                "event %s refused: arguments do not fit (%s)", fn.__qualname__, type(exc).__name__
            )
            return None
        return values

    return check


def typed(fn: F) -> F:
    """Decorate an event handler (under ``@rx.event``) so its arguments are checked first."""
    check = _checker(fn)

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def generator(self: Any, *args: Any, **kwargs: Any) -> Any:
            values = check(self, args, kwargs)
            if values is None:
                yield rx.toast.error(BAD_EVENT)
                return
            async for event in fn(self, **values):
                yield event

        return cast(F, generator)  # same signature, via functools.wraps

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def coroutine(self: Any, *args: Any, **kwargs: Any) -> Any:
            values = check(self, args, kwargs)
            if values is None:
                return rx.toast.error(BAD_EVENT)
            return await fn(self, **values)

        return cast(F, coroutine)  # same signature, via functools.wraps

    @functools.wraps(fn)
    def plain(self: Any, *args: Any, **kwargs: Any) -> Any:
        values = check(self, args, kwargs)
        if values is None:
            return rx.toast.error(BAD_EVENT)
        return fn(self, **values)

    return cast(F, plain)  # same signature, via functools.wraps
