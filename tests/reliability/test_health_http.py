"""``GET /health`` from running backends: healthy, schema behind the models, database down.

Redis's field is covered where Redis runs: ``tests/scale/test_workers.py`` (reachable) and
``tests/reliability/test_redis_outage.py`` (stopped).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Outbox, SyncEvent
from tests.server import HEALTH_HEADERS, AppServer, free_port, prepare_database, use_database


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[AppServer]]:
    """Servers a test starts; stopped afterwards whatever happens."""
    servers: list[AppServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_a_healthy_backend_reports_every_field(tmp_path: Path, started: list[AppServer]):
    url = prepare_database(tmp_path / "atoll.db")
    with use_database(url), session_scope(write=True) as session:
        session.add(
            Outbox(
                kind="mail.test",
                payload={},
                status="pending",
                created_at=utcnow() - timedelta(minutes=10),
            )
        )
        session.add(Outbox(kind="mail.test", payload={}, status="failed"))
        session.add(SyncEvent(wp_post_id=7, status="pending"))
        session.add(SyncEvent(wp_post_id=8, status="failed"))
        session.add(SyncEvent(wp_post_id=9, status="failed"))
    # No SMTP and no WordPress configured: the workers leave these rows where they are.
    started.append(server := AppServer.start(url, tmp_path / "server.log", backend_only=True))

    response = httpx.get(server.base_url + "/health", headers=HEALTH_HEADERS, timeout=10)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"status", "database", "schema", "outbox", "sync", "redis"}
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    # Milliseconds spent on this request's own round trip to the database: a measured,
    # non-zero part of the response time (in seconds it would round to 0.0).
    assert 0 < body["database"]["latency_ms"] < response.elapsed.total_seconds() * 1000
    assert body["schema"]["up_to_date"] is True and body["schema"]["pending_changes"] == 0
    assert body["outbox"]["pending"] == 1
    assert body["outbox"]["failed"] == 1
    assert 600 <= body["outbox"]["oldest_pending_seconds"] < 900
    assert body["sync"] == {"pending": 1, "failed": 2}
    assert body["redis"] == {"configured": False}


def test_a_schema_behind_the_models_is_degraded_but_serving(
    tmp_path: Path, started: list[AppServer]
):
    url = prepare_database(tmp_path / "atoll.db")
    with sqlite3.connect(make_url(url).database or "") as conn:
        conn.execute("DROP TABLE sync_events")
    started.append(server := AppServer.start(url, tmp_path / "server.log", backend_only=True))

    response = httpx.get(server.base_url + "/health", headers=HEALTH_HEADERS, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["schema"]["up_to_date"] is False
    assert body["schema"]["pending_changes"] >= 1
    assert body["sync"] is None  # its table is missing; the rest is still reported
    assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}


def test_an_unreachable_database_answers_503_without_details(
    tmp_path: Path, started: list[AppServer]
):
    # A remote libSQL URL where nothing listens: the server is down, the backend is not.
    url = f"sqlite+libsql://127.0.0.1:{free_port()}"
    started.append(
        server := AppServer.start(url, tmp_path / "server.log", backend_only=True, healthy=False)
    )

    response = httpx.get(server.base_url + "/health", headers=HEALTH_HEADERS, timeout=10)
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": {"reachable": False},
        "schema": None,
        "outbox": None,
        "sync": None,
        "redis": {"configured": False},
    }
