"""``POST /api/sync``: WordPress tells Atoll a post changed; and the worker that acts on it.

The endpoint only records: it checks the HMAC signature over the raw body (requests that
fail it are rate limited per source IP; signed ones never are) and the body's shape, stores
one pending :class:`db.models.SyncEvent` and answers ``202 Accepted`` at once.
:func:`sync_worker` (a lifespan task) is woken to fetch and apply the post, so a slow
WordPress never holds up the plugin, and a burst or a crash loses nothing: unprocessed
events wait in the table.

Errors use the standard ``{"error": {"code", "message", "fields"}}`` shape; a missing or
wrong signature is 401 and records nothing.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.api.body import parse_json, read_body
from app.api.errors import error_response
from app.api.guard import client_key
from db.core import errors
from db.core.actions import shown_error
from db.core.engine import session_scope
from db.core.errors import ActionError, ErrorCode
from db.core.ratelimit import limiter
from db.core.settings import settings
from db.core.validation import parse
from db.jobs.queue import JobKind, JobReport, work_forever
from db.models import SyncEventBatch, SyncEventCreate
from db.wordpress import client as wordpress
from db.wordpress import sync

log = logging.getLogger("atoll.sync")

BAD_SIGNATURE = "The request signature is missing or wrong."
NOT_CONFIGURED = "The sync webhook is not configured."

_wake = asyncio.Event()


def _record(events: list[SyncEventCreate]) -> list[int]:
    """Every event of one request in one transaction: all recorded, or none."""
    with session_scope(write=True) as session:
        ids = [sync.record_event(session=session, data=data).id for data in events]
        return [event_id for event_id in ids if event_id is not None]


def _events(payload: object) -> list[SyncEventCreate]:
    """One event (``{post_id, post_type, action}``) or a batch (``{"events": [...]}``)."""
    if isinstance(payload, dict) and "events" in payload:
        return parse(SyncEventBatch, payload).events
    return [parse(SyncEventCreate, payload)]


def _refuse_unsigned(request: Request) -> ActionError:
    """401 for a missing or wrong signature, or 429 once one client has sent too many.

    Only requests that fail the signature count against the limit: a correctly signed
    webhook is never refused, so a flood of forgeries can't use up WordPress's budget and
    a bulk edit's burst of real webhooks is never dropped.
    """
    limit = sync.webhook_rate_limit()
    if limit is not None:
        wait = limiter.hit(f"{client_key(request)}|sync.webhook", limit)
        if wait is not None:
            return ActionError(ErrorCode.TOO_MANY_REQUESTS, errors.RATE_LIMITED, retry_after=wait)
    return ActionError(ErrorCode.UNAUTHORIZED, BAD_SIGNATURE)


async def receive_webhook(request: Request) -> Response:
    """Verify, validate, record, wake the worker, answer 202; limit only unsigned requests."""
    try:
        secret = sync.webhook_secret()
        if secret is None:
            raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, NOT_CONFIGURED)
        body = await read_body(request)
        if not sync.verify_signature(secret, body, request.headers.get("x-atoll-signature")):
            raise _refuse_unsigned(request)
        events = _events(parse_json(body))
        ids = await asyncio.to_thread(_record, events)
    except Exception as exc:
        return error_response(shown_error(exc, "recording a sync event"))
    for event_id, data in zip(ids, events, strict=True):
        log.info(
            "sync event %d recorded: %s %s %d", event_id, data.action, data.post_type, data.post_id
        )
    _wake.set()
    if len(ids) == 1:
        return JSONResponse({"data": {"id": ids[0], "status": "pending"}}, status_code=202)
    return JSONResponse({"data": {"ids": ids, "status": "pending"}}, status_code=202)


async def sync_worker() -> None:
    """Apply pending webhook events until cancelled (a Reflex lifespan task).

    Woken by each webhook, and otherwise every ``SYNC_POLL_SECONDS`` for retries that
    came due and events left by a crashed process. Without ``WORDPRESS_URL`` it idles and
    events stay pending. Full syncs run in :func:`full_sync_worker`, so an edit never waits
    for one to finish.
    """
    await _drain(
        sync.SYNC,
        "WORDPRESS_URL is not set: sync events are stored, not processed",
        wake=_wake,
        limit=sync.SYNC.batch,
    )


async def full_sync_worker() -> None:
    """Run queued full syncs ("Sync now", a CLI run left unfinished) and reconciliations
    until cancelled."""
    await _drain(sync.FULL_SYNC, "WORDPRESS_URL is not set: full syncs wait", limit=1)


def _enqueue_reconcile() -> None:
    with session_scope(write=True) as session:
        sync.enqueue_reconcile(session=session)


async def reconcile_scheduler() -> None:
    """Queue a reconciliation every ``ATOLL_RECONCILE_SECONDS`` (a Reflex lifespan task).

    Webhooks get lost (the plugin disabled for a while, a network blip, WordPress's cron
    giving up): the reconciliation, run by :func:`full_sync_worker`, finds and fixes what
    they left stale. The first one is queued one interval after start, not at once, so a
    restart does not cost a pass. Idle when the setting is ``0`` or ``WORDPRESS_URL`` is
    unset; with several backend workers each queues, and a pending one is reused.
    """
    while True:
        every = settings().reconcile_seconds
        if not every:
            return
        await asyncio.sleep(every)
        if not wordpress.is_configured():
            continue
        try:
            await asyncio.to_thread(_enqueue_reconcile)
        except Exception:
            log.exception("queueing a reconciliation failed; trying again in %ss", every)


async def _drain(
    kind: JobKind[wordpress.WordPressSource],
    idle_warning: str,
    *,
    limit: int,
    wake: asyncio.Event | None = None,
) -> None:
    """One lane's worker loop, with one HTTP client kept for the life of the task."""
    client: wordpress.WordPressClient | None = None

    def run() -> JobReport:
        nonlocal client
        if not wordpress.is_configured():
            return JobReport(configured=False)
        client = client or wordpress.WordPressClient()
        return kind.run_due(client, limit=limit)

    try:
        await work_forever(kind, run, log=log, idle_warning=idle_warning, wake=wake)
    finally:
        if client is not None:
            client.close()
