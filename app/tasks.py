"""Background workers that live as long as the backend (Reflex lifespan tasks).

Each entry is an ``async def task() -> None`` that loops until cancelled; ``app/app.py``
registers them all, so adding a worker means adding it to :data:`LIFESPAN_TASKS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

LIFESPAN_TASKS: list[Callable[[], Awaitable[None]]] = []
