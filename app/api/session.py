"""The session cookie over HTTP: who a request is signed in as, and setting or clearing it.

Every HTTP endpoint that acts for a user asks :func:`request_user` (which checks the
Session table on each request), so a session ended anywhere stops working here at once.
When the database can't say, the lookup raises the :class:`~db.core.errors.ActionError`
an action would (503), which endpoints answer like any other error.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.api.guard import client_ip, is_https
from db.accounts import COOKIE_MAX_AGE, SESSION_COOKIE, UserPublic, signed_in_user
from db.core.actions import ActionContext, action_context
from db.visitors import COOKIE_NAME as VISITOR_COOKIE
from db.visitors import is_valid


async def request_user(request: Request) -> UserPublic | None:
    """The account whose live session cookie came with ``request``, if any."""
    return await signed_in_user(request.headers.get("cookie"))


async def request_context(
    request: Request, *, visitor_id: str | None = None, signed_in: bool = True
) -> ActionContext:
    """Who is asking over HTTP: the client's address, ``visitor_id``, and (unless
    ``signed_in=False``, for signing in) the account behind the session cookie, checked now.

    Raises :class:`~db.core.errors.ActionError` (503) when the database can't say who it is.
    """
    user = await request_user(request) if signed_in else None
    return action_context(
        ip=client_ip(request), visitor_id=visitor_id, user_id=user.id if user else None
    )


def known_visitor(request: Request) -> str | None:
    """The visitor cookie that came with ``request``, if it is one we issued."""
    visitor = request.cookies.get(VISITOR_COOKIE)
    return visitor if is_valid(visitor) else None


def set_private_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int
) -> None:
    """A cookie only the server reads: HttpOnly (no script can read it), SameSite=Lax (no
    cross-site POST carries it), Secure over HTTPS. The session's, a protected post's
    remembered passwords (:data:`db.protected.POSTPASS_COOKIE`)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    set_private_cookie(response, request, SESSION_COOKIE, token, COOKIE_MAX_AGE)


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )
