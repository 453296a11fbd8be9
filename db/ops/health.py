"""What ``/health`` reports about the database (kept here so scripts can ask too).

Four questions, each answered without ever showing an exception's text:

* **reachable** — does a trivial query succeed, and how long did it take?
* **schema** — do the live tables match ``db/models.py`` (what ``python -m db verify``
  checks)? Comparing reflects every table, tens of milliseconds on a local file and more
  against a remote server, so the answer is cached for :data:`SCHEMA_CHECK_SECONDS`.
* **outbox** — how much mail waits to be sent, how much gave up, and how old the oldest
  waiting message is (a growing age means no worker is sending).
* **sync** — how many WordPress sync events wait or failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from db.core import config
from db.core.engine import get_engine, session_scope
from db.core.types import utcnow
from db.models import Outbox, SyncEvent
from db.ops.schema import verify

log = logging.getLogger("atoll.health")

T = TypeVar("T")

SCHEMA_CHECK_SECONDS = 30.0
"""How long a schema comparison is reused before ``/health`` compares again."""

# Rows that still have to go out: waiting, or claimed by a worker right now.
OUTBOX_WAITING = ("pending", "sending")
SYNC_WAITING = ("pending", "processing")

_schema_lock = threading.Lock()
_schema_cache: dict[str, tuple[float, int]] = {}  # database URL -> (monotonic time, changes)


def check_database() -> dict[str, Any]:
    """Run a trivial query; report reachability and latency, never the exception text."""
    started = time.perf_counter()
    try:
        with session_scope() as session:
            session.execute(text("SELECT 1")).one()
    except Exception:
        log.exception("health: database unreachable")
        return {"reachable": False}
    return {"reachable": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_schema(*, max_age: float = SCHEMA_CHECK_SECONDS) -> dict[str, Any]:
    """Whether the live schema matches the models, from a comparison at most ``max_age`` old.

    Only the number of differences is reported: their text names tables and columns,
    which ``python -m db verify`` shows to the operator, not to whoever asks ``/health``.
    """
    url = config.database_url()
    now = time.monotonic()
    with _schema_lock:
        cached = _schema_cache.get(url)
        if cached is None or now - cached[0] > max_age:
            try:
                changes = len(verify(get_engine()))
            except Exception:
                log.exception("health: schema comparison failed")
                return {"up_to_date": None}
            cached = _schema_cache[url] = (now, changes)
    checked, changes = cached
    return {
        "up_to_date": changes == 0,
        "pending_changes": changes,
        "checked_seconds_ago": round(now - checked, 1),
    }


def outbox_backlog(session: Session, now: datetime) -> dict[str, Any]:
    """Messages still to send, messages given up on, and the age of the oldest one waiting."""
    waiting = col(Outbox.status).in_(OUTBOX_WAITING)
    pending = session.exec(select(func.count()).select_from(Outbox).where(waiting)).one()
    failed = session.exec(
        select(func.count()).select_from(Outbox).where(Outbox.status == "failed")
    ).one()
    oldest = session.exec(select(func.min(Outbox.created_at)).where(waiting)).one()
    age = None if oldest is None else round(max((now - oldest).total_seconds(), 0.0), 1)
    return {"pending": pending, "failed": failed, "oldest_pending_seconds": age}


def sync_backlog(session: Session) -> dict[str, Any]:
    """WordPress sync events still to process and those that failed for good."""
    pending = session.exec(
        select(func.count()).select_from(SyncEvent).where(col(SyncEvent.status).in_(SYNC_WAITING))
    ).one()
    failed = session.exec(
        select(func.count()).select_from(SyncEvent).where(SyncEvent.status == "failed")
    ).one()
    return {"pending": pending, "failed": failed}


def _read(what: str, fn: Callable[[Session], T]) -> T | None:
    try:
        with session_scope() as session:
            return fn(session)
    except Exception:
        log.exception("health: %s unavailable", what)
        return None


def database_report(*, now: datetime | None = None) -> dict[str, Any]:
    """The database half of ``/health``; parts that cannot be read are ``None``."""
    database = check_database()
    if not database["reachable"]:
        return {"database": database, "schema": None, "outbox": None, "sync": None}
    moment = now or utcnow()
    return {
        "database": database,
        "schema": check_schema(),
        "outbox": _read("outbox backlog", lambda s: outbox_backlog(s, moment)),
        "sync": _read("sync backlog", sync_backlog),
    }
