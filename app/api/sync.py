"""``POST /api/sync``: WordPress tells Atoll a post changed; and the worker that acts on it.

The endpoint only records: it checks the rate limit (per source IP), the HMAC signature
over the raw body, and the body's shape, stores one pending :class:`db.models.SyncEvent`
and answers ``202 Accepted`` at once. :func:`sync_worker` (a lifespan task) is woken to
fetch and apply the post, so a slow WordPress never holds up the plugin, and a burst or a
crash loses nothing: unprocessed events wait in the table.

Errors use the standard ``{"error": {"code", "message", "fields"}}`` shape; a missing or
wrong signature is 401 and records nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.guard import client_key, read_limited_body
from db import errors, sync, wordpress
from db.actions import shown_error
from db.engine import session_scope
from db.errors import ActionError, ErrorCode
from db.models import SyncEventCreate
from db.ratelimit import limiter
from db.validation import parse

log = logging.getLogger("atoll.sync")

BAD_SIGNATURE = "The request signature is missing or wrong."
NOT_CONFIGURED = "The sync webhook is not configured."
BAD_JSON = "The body is not valid JSON."

_wake = asyncio.Event()


def _record(data: SyncEventCreate) -> int:
    with session_scope(write=True) as session:
        event = sync.record_event(session=session, data=data)
        assert event.id is not None
        return event.id


def _error(exc: ActionError) -> JSONResponse:
    response = JSONResponse(exc.to_dict(), status_code=exc.code.status)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def receive_webhook(request: Request) -> JSONResponse:
    """Rate limit, verify, validate, record, wake the worker, answer 202."""
    try:
        limit = sync.webhook_rate_limit()
        if limit is not None:
            wait = limiter.hit(f"{client_key(request)}|sync.webhook", limit)
            if wait is not None:
                raise ActionError(ErrorCode.TOO_MANY_REQUESTS, errors.RATE_LIMITED, retry_after=wait)
        secret = sync.webhook_secret()
        if secret is None:
            raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, NOT_CONFIGURED)
        body = await read_limited_body(request)
        if not sync.verify_signature(secret, body, request.headers.get("x-atoll-signature")):
            raise ActionError(ErrorCode.UNAUTHORIZED, BAD_SIGNATURE)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ActionError.invalid({"__root__": [BAD_JSON]}) from None
        data = parse(SyncEventCreate, payload)
        event_id = await asyncio.to_thread(_record, data)
    except Exception as exc:
        return _error(shown_error(exc, "recording a sync event"))
    log.info("sync event %d recorded: %s %s %d", event_id, data.action, data.post_type,
             data.post_id)
    _wake.set()
    return JSONResponse({"data": {"id": event_id, "status": "pending"}}, status_code=202)


async def sync_worker() -> None:
    """Apply pending sync events until cancelled (a Reflex lifespan task).

    Woken by each webhook, and otherwise every ``SYNC_POLL_SECONDS`` for retries that
    came due and events left by a crashed process. Without ``WORDPRESS_URL`` it idles and
    events stay pending. One HTTP client is kept for the life of the task.
    """
    client: wordpress.WordPressClient | None = None
    warned = False
    try:
        while True:
            _wake.clear()
            report = sync.WorkReport()
            if not wordpress.is_configured():
                if not warned:
                    log.warning("WORDPRESS_URL is not set: sync events are stored, not processed")
                    warned = True
            else:
                try:
                    client = client or wordpress.WordPressClient()
                    report = await asyncio.to_thread(sync.process_events, client=client)
                except Exception:
                    log.exception("the sync worker failed; retrying in %ss", sync.poll_seconds())
            if report.claimed:
                continue  # there may be more due right away
            try:
                await asyncio.wait_for(_wake.wait(), timeout=sync.poll_seconds())
            except TimeoutError:
                pass
    finally:
        if client is not None:
            client.close()
