"""``GET /api/comments?post=<slug>&page=N``: a post's public comments, cacheable.

The body is exactly :class:`db.models.CommentPage` (items are ``CommentPublic``: no email,
visitor id, user id or token can appear). Shared caches may keep it for a minute and
serve it stale while revalidating; the strong ETag is the SHA-256 of the body, so a
client that already holds it gets ``304 Not Modified`` with no body.

A members-only post's comments are answered only to a signed-in caller (the action says
401 otherwise), and never with a cacheable response: ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from starlette.requests import Request
from starlette.responses import Response

from app.api.errors import error_response
from app.api.pages import etag_matches
from app.api.session import request_context
from db.core.actions import shown_error
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.writer import run_action_async
from db.posts import is_members_only

CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PRIVATE = "private, no-store"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def _members_only(slug: str) -> bool:
    with session_scope() as session:
        return is_members_only(session, slug)


async def list_comments_http(request: Request) -> Response:
    """Answer one page of comments, a 304 for an unchanged page, or the standard error shape."""
    params = request.query_params
    payload = {"post_slug": params.get("post", ""), "page": params.get("page", "1")}
    try:
        ctx = await request_context(request)
    except ActionError as exc:
        return error_response(exc)
    result = await run_action_async("comments.list", payload, ctx)
    if result.error is not None:
        return error_response(result.error)
    body = json.dumps(result.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = _etag(body)
    # Only a signed-in caller gets here for a members-only post, so only then ask which it is.
    try:
        private = ctx.user_id is not None and await asyncio.to_thread(
            _members_only, payload["post_slug"]
        )
    except Exception as exc:  # noqa: BLE001 - shown_error logs it and shows it safely
        return error_response(shown_error(exc, "checking a post's audience"))
    headers = {"ETag": etag, "Cache-Control": PRIVATE if private else CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
