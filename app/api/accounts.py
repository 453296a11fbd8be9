"""``POST /api/auth/{signup,login,logout,logout-everywhere}``: the session cookie's only writers.

A cookie set from JavaScript can't be HttpOnly, and the websocket can't set cookies at
all, so signing in and out happens here. The sign-in forms post to these endpoints: with
JavaScript a ``fetch`` (errors shown next to the fields, then a full page load so the
websocket reconnects carrying the new cookie), without it a plain form post answered by a
``303`` back to the return path or by the same error page the action endpoint shows.
Responses never contain the token or the password hash; the token is only in
``Set-Cookie``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.api.actions import read_form, respond_and_go
from app.api.guard import client_ip
from app.api.session import (
    clear_session_cookie,
    known_visitor,
    request_context,
    set_session_cookie,
)
from db.accounts import end_session, safe_return_path, session_token, start_session
from db.core.actions import ActionResult, shown_error
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.writer import run_action_async


def _next(payload: Any, request: Request) -> str:
    raw = payload.get("next") if isinstance(payload, dict) else None
    return safe_return_path(raw or request.query_params.get("next") or "/")


def _open_session(user_id: int, request: Request) -> str:
    with session_scope(write=True) as session:
        return start_session(
            session,
            user_id=user_id,
            user_agent=request.headers.get("user-agent", ""),
            ip=client_ip(request),
        )


async def _sign_in(request: Request, name: str) -> Response:
    """Run ``auth.signup`` or ``auth.login``; on success start a session and set the cookie."""
    payload: Any = None
    token: str | None = None
    try:
        payload = await read_form(request)
        ctx = await request_context(request, visitor_id=known_visitor(request), signed_in=False)
        result = await run_action_async(name, payload, ctx)
        if result.ok:
            try:
                token = await asyncio.to_thread(_open_session, result.data["id"], request)
            except Exception as exc:  # noqa: BLE001 - logged by shown_error, shown generically
                raise shown_error(exc, "starting a session") from None
    except ActionError as exc:
        result = ActionResult(error=exc)
    response = respond_and_go(
        request, result, {"user": result.data, "next": _next(payload, request)}
    )
    if token is not None:
        set_session_cookie(response, request, token)
    return response


async def signup(request: Request) -> Response:
    """Create a member account and sign this browser in."""
    return await _sign_in(request, "auth.signup")


async def login(request: Request) -> Response:
    """Check the email and password (rate limited) and sign this browser in."""
    return await _sign_in(request, "auth.login")


def _end(token: str) -> None:
    with session_scope(write=True) as session:
        end_session(session, token)


async def logout(request: Request) -> Response:
    """End this browser's session (deleting its row) and clear the cookie. Harmless to repeat."""
    payload: Any = None
    try:
        payload = await read_form(request)
        token = session_token(request.headers.get("cookie"))
        if token:
            try:
                await asyncio.to_thread(_end, token)
            except Exception as exc:  # noqa: BLE001 - logged by shown_error, shown generically
                raise shown_error(exc, "ending a session") from None
        result = ActionResult(data={"signed_out": True})
    except ActionError as exc:
        result = ActionResult(error=exc)
    response = respond_and_go(
        request, result, {"signed_out": True, "next": _next(payload, request)}
    )
    if result.ok:
        clear_session_cookie(response, request)
    return response


async def logout_everywhere(request: Request) -> Response:
    """Run ``auth.logout_everywhere`` for the signed-in account and clear this browser's cookie."""
    payload: Any = None
    try:
        payload = await read_form(request)
        ctx = await request_context(request, visitor_id=known_visitor(request))
        result = await run_action_async("auth.logout_everywhere", {}, ctx)
    except ActionError as exc:
        result = ActionResult(error=exc)
    data = dict(result.data or {}) | {"next": _next(payload, request)}
    response = respond_and_go(request, result, data)
    if result.ok:
        clear_session_cookie(response, request)
    return response
