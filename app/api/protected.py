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
from starlette.responses import Response

from app.api.actions import read_form, respond_and_go
from app.api.pages import PRIVATE
from app.api.session import known_visitor, request_context, set_private_cookie
from db.core.actions import ActionResult, shown_error
from db.core.errors import ActionError
from db.core.writer import run_action_async
from db.protected import COOKIE_MAX_AGE, POSTPASS_COOKIE, PostUnlock, remember


async def unlock(request: Request) -> Response:
    """Check the password with WordPress (rate limited); on success remember it and go back."""
    payload: Any = None
    cookie: str | None = None
    try:
        payload = await read_form(request)
        ctx = await request_context(request, visitor_id=known_visitor(request))
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
    # Errors as every action's, the field named by its label; never the wp_id.
    data = {"post_slug": result.data["post_slug"], "next": result.data["next"]} if result.ok else {}
    response = respond_and_go(request, result, data, PostUnlock)
    response.headers["Cache-Control"] = PRIVATE
    if cookie is not None:
        set_private_cookie(response, request, POSTPASS_COOKIE, cookie, COOKIE_MAX_AGE)
    return response
