"""The one bridge from an event handler to the domain layer.

Handlers never open sessions or catch exceptions themselves: :func:`perform` runs an
action off the event loop (writes on the one writer thread, see
:func:`db.core.writer.run_action_async`) and maps its outcome onto the island's vars;
:func:`query` runs a read. Both block in a worker thread so one slow query never stalls
other tabs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx

from db.core.actions import ActionResult
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.writer import run_action_async
from state.site import SiteState

T = TypeVar("T")


class FormMixin(rx.State, mixin=True):
    """The vars every form island shows: errors next to fields, a form error, a pending flag."""

    field_errors: rx.Field[dict[str, list[str]]] = rx.field(default_factory=dict)
    form_error: rx.Field[str] = rx.field("")
    pending: rx.Field[bool] = rx.field(False)


async def perform(state: rx.State, name: str, payload: dict[str, Any]) -> ActionResult:
    """Run action ``name`` as this browser's visitor and show its outcome on ``state``.

    A database that can't say who is signed in fails the action like any of its own
    errors (503 on the form, pending cleared), rather than escaping the handler.
    """
    site = await state.get_state(SiteState)
    try:
        await site._current_user()  # the session may have ended since the page loaded
    except ActionError as exc:
        result = ActionResult(error=exc)
    else:
        result = await run_action_async(name, payload, site._action_context())
    if isinstance(state, FormMixin):
        state.pending = False
        state.field_errors = result.error.fields if result.error else {}
        state.form_error = result.error.message if result.error else ""
    return result


def _read(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    with session_scope() as session:
        return fn(session, *args, **kwargs)


async def query(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(session, *args, **kwargs)`` from ``db/`` in a worker thread."""
    return await asyncio.to_thread(_read, fn, args, kwargs)


def show_outcome(state: FormMixin, outcome: Any) -> Any:
    """Show on ``state`` what an HTTP endpoint answered a form's ``fetch`` (forms that must
    set an HttpOnly cookie post there, see ``components/accounts.py``): the field errors and
    form error, focus on the first bad field; on success the form stays busy while the
    browser loads the next page."""
    outcome = outcome if isinstance(outcome, dict) else {}
    error = outcome.get("error")
    if not isinstance(error, dict):
        state.field_errors, state.form_error = {}, ""
        state.pending = "data" in outcome  # stays busy while the page reloads
        return None
    given = error.get("fields")
    fields = given if isinstance(given, dict) else {}
    state.field_errors = {
        str(k): [str(m) for m in v] for k, v in fields.items() if isinstance(v, list)
    }
    state.form_error = str(error.get("message", ""))
    state.pending = False
    form_id = str(outcome.get("form", ""))
    first = next(iter(state.field_errors), None)
    if first and form_id.replace("-", "_").isidentifier():
        return rx.set_focus(f"{form_id}-{first}")
    return None


def feedback(result: ActionResult, *, form_id: str, success: str) -> list[Any]:
    """The UI events after a form action: a toast and a reset, or focus on the first bad field."""
    if result.error is None:
        return [
            rx.toast.success(success),
            rx.call_script(f"document.getElementById('{form_id}')?.reset()"),
        ]
    events: list[Any] = []
    first = next(iter(result.error.fields), None)
    if first:
        events.append(rx.set_focus(f"{form_id}-{first}"))
    if not result.error.fields:
        events.append(rx.toast.error(result.error.message))
    return events
