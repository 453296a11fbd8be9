"""What ``/health`` reports about the database, field by field, on real libSQL files."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from db.core.engine import get_engine, session_scope
from db.core.types import utcnow
from db.models import Outbox, SyncEvent
from db.ops.health import (
    check_database,
    check_schema,
    database_report,
    outbox_backlog,
    sync_backlog,
)
from tests.server import free_port, use_database


def add_outbox(status: str, age: timedelta) -> None:
    with session_scope(write=True) as session:
        session.add(Outbox(kind="mail.test", payload={}, status=status, created_at=utcnow() - age))


def add_sync_event(status: str) -> None:
    with session_scope(write=True) as session:
        session.add(SyncEvent(wp_post_id=1, status=status))


def drop(table: str) -> None:
    with get_engine().begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table}")


def test_a_reachable_database_reports_its_latency(database: str):
    report = check_database()
    assert report["reachable"] is True
    assert 0 <= report["latency_ms"] < 1000


def test_an_unreachable_database_is_reported_without_its_error(tmp_path: Path):
    (tmp_path / "not-a-directory").write_text("")
    with use_database(f"sqlite+libsql:///{tmp_path / 'not-a-directory' / 'atoll.db'}"):
        assert check_database() == {"reachable": False}
        assert database_report() == {
            "database": {"reachable": False},
            "schema": None,
            "outbox": None,
            "sync": None,
        }


def test_a_remote_server_that_does_not_answer_is_unreachable():
    with use_database(f"sqlite+libsql://127.0.0.1:{free_port()}"):
        assert check_database() == {"reachable": False}


def test_a_current_schema_is_up_to_date(database: str):
    report = check_schema(max_age=0)
    assert report["up_to_date"] is True
    assert report["pending_changes"] == 0


def test_a_missing_table_makes_the_schema_out_of_date(database: str):
    drop("sync_events")
    report = check_schema(max_age=0)
    assert report["up_to_date"] is False
    assert report["pending_changes"] >= 1


def test_the_schema_comparison_is_reused_until_it_is_older_than_max_age(database: str):
    started = time.monotonic()
    first = check_schema(max_age=0)
    assert (first["up_to_date"], first["checked_seconds_ago"]) == (True, 0)  # compared now
    drop("sync_events")
    cached = check_schema(max_age=60)
    assert cached["up_to_date"] is True  # the earlier answer, not a new comparison
    # ... and its age is the first comparison's (reported to a tenth of a second)
    assert cached["checked_seconds_ago"] == pytest.approx(time.monotonic() - started, abs=0.1)
    fresh = check_schema(max_age=0)
    assert (fresh["up_to_date"], fresh["checked_seconds_ago"]) == (False, 0)


def test_outbox_backlog_counts_waiting_and_failed_mail_and_the_oldest_wait(database: str):
    add_outbox("pending", timedelta(minutes=5))
    add_outbox("sending", timedelta(minutes=2))
    add_outbox("sent", timedelta(hours=3))  # delivered: not backlog, however old
    add_outbox("failed", timedelta(hours=1))
    add_outbox("failed", timedelta(hours=2))
    with session_scope() as session:
        backlog = outbox_backlog(session, utcnow())
    assert backlog["pending"] == 2
    assert backlog["failed"] == 2
    assert 299 <= backlog["oldest_pending_seconds"] <= 330


def test_an_empty_outbox_has_no_oldest_wait(database: str):
    with session_scope() as session:
        assert outbox_backlog(session, utcnow()) == {
            "pending": 0,
            "failed": 0,
            "oldest_pending_seconds": None,
        }


def test_sync_backlog_counts_waiting_and_failed_events(database: str):
    for status in ("pending", "pending", "processing", "done", "failed"):
        add_sync_event(status)
    with session_scope() as session:
        assert sync_backlog(session) == {"pending": 3, "failed": 1}


def test_the_report_combines_every_part(database: str):
    add_outbox("pending", timedelta(seconds=30))
    add_sync_event("failed")
    report = database_report()
    assert report["database"]["reachable"] is True
    assert report["schema"]["up_to_date"] is True
    assert report["outbox"]["pending"] == 1
    assert report["sync"] == {"pending": 0, "failed": 1}


def test_a_part_that_cannot_be_read_is_none_and_the_rest_still_reported(database: str):
    drop("outbox")
    report = database_report()
    assert report["outbox"] is None
    assert report["sync"] == {"pending": 0, "failed": 0}
    assert report["database"]["reachable"] is True
    assert report["schema"]["up_to_date"] is False
