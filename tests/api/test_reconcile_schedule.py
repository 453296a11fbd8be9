"""The lifespan task that queues a reconciliation every ``ATOLL_RECONCILE_SECONDS``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlmodel import col, select

from app.api import sync as api_sync
from db.core.engine import session_scope
from db.models import SyncEvent


def rows() -> list[tuple[str, str]]:
    with session_scope() as session:
        found = session.exec(select(SyncEvent).order_by(col(SyncEvent.id))).all()
        return [(row.source, row.status) for row in found]


def counted(monkeypatch, owner: object, name: str, result: Callable[[], object]) -> list[int]:
    """Replace ``owner.<name>`` by ``result`` wrapped in a call counter."""
    calls: list[int] = []

    def wrapper() -> object:
        calls.append(1)
        return result()

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def run_until(calls: list[int], times: int) -> None:
    """Run the scheduler until it has made ``times`` calls, then cancel it."""

    async def scenario() -> None:
        task = asyncio.create_task(api_sync.reconcile_scheduler())
        try:
            async with asyncio.timeout(10):
                while len(calls) < times:
                    await asyncio.sleep(0.005)
        finally:
            task.cancel()

    asyncio.run(scenario())


def test_a_reconciliation_is_queued_each_interval_and_only_one_waits(database, monkeypatch):
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")
    monkeypatch.setenv("ATOLL_RECONCILE_SECONDS", "0.02")
    calls = counted(monkeypatch, api_sync, "_enqueue_reconcile", api_sync._enqueue_reconcile)

    run_until(calls, 3)

    assert rows() == [("reconcile", "pending")]  # queued three times, one row waiting


def test_without_wordpress_nothing_is_queued(database, monkeypatch):
    monkeypatch.delenv("WORDPRESS_URL", raising=False)
    monkeypatch.setenv("ATOLL_RECONCILE_SECONDS", "0.02")
    checks = counted(monkeypatch, api_sync.wordpress, "is_configured", lambda: False)

    run_until(checks, 3)

    assert rows() == []


def test_zero_turns_it_off(database, monkeypatch):
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")
    monkeypatch.setenv("ATOLL_RECONCILE_SECONDS", "0")

    async def scenario() -> None:
        async with asyncio.timeout(5):
            await api_sync.reconcile_scheduler()  # returns at once instead of looping

    asyncio.run(scenario())

    assert rows() == []
