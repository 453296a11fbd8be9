"""``POST /api/posts/unlock``: a password-protected post's password form, and its cookie's writer.

The form posts ``post_slug`` and ``password`` here, with JavaScript as a ``fetch`` (a wrong
password comes back as a field error next to the field; a right one reloads the post)
and without it as a plain form post answered by a ``303`` back to the post. Either way a
right password (``posts.unlock`` asked WordPress) sets :data:`db.protected.POSTPASS_COOKIE`
(HttpOnly: a cookie written by JavaScript couldn't be), and the post page, requested with
it, is rendered for this visitor alone (:mod:`app.api.pages`). Nothing here is cacheable.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.api.accounts import redirect_target
from app.api.actions import respond, wants_html
from app.api.body import read_payload
from app.api.guard import allowed_origin, is_https
from app.api.pages import PRIVATE
from app.api.session import request_context
from db.core import errors
from db.core.actions import ActionResult, shown_error
from db.core.errors import ActionError, ErrorCode
from db.core.writer import run_action_async
from db.protected import COOKIE_MAX_AGE, POSTPASS_COOKIE, PostUnlock, remember
from db.visitors import COOKIE_NAME, is_valid


async def unlock(request: Request) -> Response:
    """Check the password with WordPress (rate limited); on success remember it and go back."""
    payload: Any = None
    cookie: str | None = None
    try:
        if not allowed_origin(request):
            raise ActionError(ErrorCode.FORBIDDEN, errors.CROSS_ORIGIN)
        payload = await read_payload(request)
        visitor = request.cookies.get(COOKIE_NAME)
        ctx = await request_context(request, visitor_id=visitor if is_valid(visitor) else None)
        result = await run_action_async("posts.unlock", payload, ctx)
        if result.ok:
            try:
                cookie = await asyncio.to_thread(
                    remember,
                    request.cookies.get(POSTPASS_COOKIE),
                    result.data["wp_id"],
                    payload["password"],
                )
            except Exception as exc:  # noqa: BLE001 - logged by shown_error, shown generically
                raise shown_error(exc, "remembering a post password") from None
    except ActionError as exc:
        result = ActionResult(error=exc)
    response = _answer(request, result)
    response.headers["Cache-Control"] = PRIVATE
    if cookie is not None:
        response.set_cookie(
            POSTPASS_COOKIE,
            cookie,
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_https(request),
        )
    return response


def _answer(request: Request, result: ActionResult) -> Response:
    """303 back to the post (plain form) or ``{"data": {"next": …}}`` (fetch); errors as
    every action's, the field named by its label."""
    if result.error is not None:
        return respond(request, result, PostUnlock)
    data = {"post_slug": result.data["post_slug"], "next": result.data["next"]}
    if wants_html(request):
        return RedirectResponse(redirect_target(request, data["next"]), status_code=303)
    return JSONResponse({"data": data})
