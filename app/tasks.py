"""Background workers that live as long as the backend (Reflex lifespan tasks).

Each entry is an ``async def task() -> None`` that loops until cancelled; ``app/app.py``
registers them all, so adding a worker means adding it to :data:`LIFESPAN_TASKS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.api.feeds import warn_without_site_url
from app.api.sync import full_sync_worker, reconcile_scheduler, sync_worker
from app.render.server import render_server
from app.runtime import freeze_startup_objects
from app.workers import outbox_worker
from state.live import keep_shared

LIFESPAN_TASKS: list[Callable[[], Awaitable[None]]] = [
    outbox_worker,
    sync_worker,
    full_sync_worker,
    reconcile_scheduler,
    keep_shared,
    render_server,
    freeze_startup_objects,
    warn_without_site_url,
]
