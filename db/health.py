"""What ``/health`` reports about the database (kept here so scripts can ask too)."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import text

from db.engine import session_scope

log = logging.getLogger("atoll.health")


def check_database() -> dict[str, Any]:
    """Run a trivial query; report reachability and latency, never the exception text."""
    started = time.perf_counter()
    try:
        with session_scope() as session:
            session.exec(text("SELECT 1")).one()  # type: ignore[call-overload]
    except Exception:
        log.exception("health: database unreachable")
        return {"status": "error", "database": {"reachable": False}}
    ms = round((time.perf_counter() - started) * 1000, 2)
    return {"status": "ok", "database": {"reachable": True, "latency_ms": ms}}
