"""The session cookie over HTTP: who a request is signed in as, and setting or clearing it.

Every HTTP endpoint that acts for a user asks :func:`request_user` (which checks the
Session table on each request), so a session ended anywhere stops working here at once.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from app.api.guard import is_https
from db.accounts import COOKIE_MAX_AGE, SESSION_COOKIE, UserPublic, current_user, session_token


async def request_user(request: Request) -> UserPublic | None:
    """The account whose live session cookie came with ``request``, if any."""
    token = session_token(request.headers.get("cookie"))
    return await asyncio.to_thread(current_user, token) if token else None


async def request_user_id(request: Request) -> int | None:
    user = await request_user(request)
    return user.id if user else None


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """HttpOnly (no script can read it), SameSite=Lax (no cross-site POST carries it)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )
