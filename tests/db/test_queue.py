"""The job queue every kind of background work shares, tested once for each kind.

Mail delivery (``outbox`` rows) and WordPress sync (``sync_events`` rows) are the two
kinds; each test runs for both, so the lease, the fencing, the backoff and the give-up
are proven to be the same machinery. What a kind does with a job is tested in
``test_outbox.py`` and ``test_sync.py``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from db.core.engine import session_scope
from db.core.types import utcnow
from db.jobs.mail import MAIL, OutgoingMail
from db.jobs.queue import ERROR_MAX, Claim, JobKind, JobReport, LeaseLost, work_forever
from db.models import Outbox, SyncEvent
from db.wordpress.sync import SYNC

PREFIX = {"mail": "OUTBOX", "sync": "SYNC"}
BACKOFF = {  # (attempts, seconds): the base doubles, then an hour at most
    "mail": [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600)],
    "sync": [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (50, 3600)],
}


def new_row(kind: JobKind[Any], n: int) -> Outbox | SyncEvent:
    """A due row of ``kind``; each ``n`` its own job (sync events name different posts)."""
    if kind is MAIL:
        mail = OutgoingMail(to=None, subject=f"Note {n}", text="Hello", message_id=f"<{n}@x>")
        return Outbox(kind="mail.test", payload=mail.model_dump())
    return SyncEvent(source="webhook", wp_post_id=100 + n)


@pytest.fixture(params=["mail", "sync"])
def kind(request: pytest.FixtureRequest) -> JobKind[Any]:
    return {"mail": MAIL, "sync": SYNC}[request.param]


@pytest.fixture
def prefix(kind: JobKind[Any]) -> str:
    return PREFIX[kind.name]


def add(kind: JobKind[Any], count: int = 1) -> list[int]:
    with session_scope(write=True) as session:
        rows = [new_row(kind, n) for n in range(count)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def rows(kind: JobKind[Any]) -> list[Any]:
    table: Any = kind.table
    with session_scope() as session:
        return list(session.exec(select(table).order_by(col(table.id))).all())


def state(kind: JobKind[Any]) -> list[tuple[str, int]]:
    return [(row.status, row.attempts) for row in rows(kind)]


def claim(kind: JobKind[Any], now: Any, limit: int = 1) -> list[Claim]:
    with session_scope(write=True) as session:
        return kind.claim(session=session, now=now, limit=limit)


def fail(kind: JobKind[Any], held: Claim, now: Any, error: str = "boom", **kw: Any) -> str | None:
    with session_scope(write=True) as session:
        return kind.fail(session=session, claim=held, now=now, error=error, **kw)


def finish(kind: JobKind[Any], held: Claim, now: Any) -> bool:
    with session_scope(write=True) as session:
        return kind.finish(session=session, claim=held, now=now)


# --------------------------------------------------------------------------- backoff


@pytest.mark.parametrize(
    ("name", "attempts", "seconds"),
    [(name, a, s) for name, table in BACKOFF.items() for a, s in table],
)
def test_backoff_doubles_from_the_base_and_is_capped_at_an_hour(name, attempts, seconds):
    kind = {"mail": MAIL, "sync": SYNC}[name]
    assert kind.settings().backoff(attempts) == timedelta(seconds=seconds)


def test_backoff_base_is_configurable(kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_BACKOFF_SECONDS", "0.5")
    assert kind.settings().backoff(3) == timedelta(seconds=2)


# --------------------------------------------------------------------------- lease and fencing


def test_a_claim_is_exclusive_until_its_lease_runs_out(database, kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_LEASE_SECONDS", "60")
    [row_id] = add(kind)
    now = utcnow()
    [first] = claim(kind, now)
    assert claim(kind, now + timedelta(seconds=59)) == []
    assert (first.id, first.attempt) == (row_id, 1)
    assert state(kind) == [(kind.working, 1)]
    assert rows(kind)[0].next_attempt_at == now + timedelta(seconds=60)
    # The first holder vanished: after the lease, another worker takes the row over …
    [second] = claim(kind, now + timedelta(seconds=61))
    assert (second.id, second.attempt) == (row_id, 2)
    # … and the stale holder can no longer record an outcome over the new one.
    assert finish(kind, first, now) is False
    assert fail(kind, first, now, "late") is None
    assert state(kind) == [(kind.working, 2)]
    assert rows(kind)[0].last_error is None
    assert finish(kind, second, now) is True
    assert state(kind) == [(kind.done, 2)]


def test_a_stale_holder_cannot_renew_the_lease(database, kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_LEASE_SECONDS", "60")
    add(kind)
    now = utcnow()
    [stale] = claim(kind, now)
    [current] = claim(kind, now + timedelta(seconds=61))
    with pytest.raises(LeaseLost), session_scope(write=True) as session:
        kind.renew(session=session, claim=stale, now=now + timedelta(seconds=70))
    with session_scope(write=True) as session:
        kind.renew(session=session, claim=current, now=now + timedelta(seconds=90))
    assert rows(kind)[0].next_attempt_at == now + timedelta(seconds=150)


def test_claims_come_oldest_due_first_ties_by_id(database, kind):
    t0 = utcnow()
    # Inserted in id order; due in another order, two of them at the same moment.
    due_in = [30, 10, 20, 10, 100]
    with session_scope(write=True) as session:
        added = [new_row(kind, n) for n in range(len(due_in))]
        for row, seconds in zip(added, due_in, strict=True):
            row.next_attempt_at = t0 + timedelta(seconds=seconds)
        session.add_all(added)
        session.flush()
        ids = [row.id for row in added]

    now = t0 + timedelta(seconds=50)  # all but the last are due
    order = [held.id for _ in range(4) for held in claim(kind, now)]

    assert order == [ids[1], ids[3], ids[2], ids[0]]
    assert claim(kind, now) == []  # the last one is not due yet
    assert [held.id for held in claim(kind, t0 + timedelta(seconds=100))] == [ids[4]]


def test_taking_a_row_fences_out_its_holder(database, kind):
    [row_id] = add(kind)
    now = utcnow()
    [holder] = claim(kind, now)
    with session_scope(write=True) as session:
        taken = kind.take(session=session, row_id=row_id, now=now)
    assert taken is not None and taken.attempt == 2
    assert finish(kind, holder, now) is False
    assert finish(kind, taken, now) is True
    with session_scope(write=True) as session:
        assert kind.take(session=session, row_id=row_id, now=now) is None  # finished


# --------------------------------------------------------------------------- backoff and give-up


def test_a_failure_backs_off_then_gives_up_after_max_attempts(database, kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_MAX_ATTEMPTS", "2")
    add(kind)
    t0 = utcnow()
    [first] = claim(kind, t0)
    assert fail(kind, first, t0, "ConnectionRefusedError: down") == "pending"
    [row] = rows(kind)
    assert (row.status, row.attempts, row.last_error) == (
        "pending",
        1,
        "ConnectionRefusedError: down",
    )
    assert row.next_attempt_at == t0 + kind.settings().backoff(1)

    assert claim(kind, row.next_attempt_at - timedelta(seconds=1)) == []  # not due yet
    [second] = claim(kind, row.next_attempt_at)
    assert second.attempt == 2
    assert fail(kind, second, t0, "still down") == "failed"
    assert state(kind) == [("failed", 2)]
    assert rows(kind)[0].last_error == "still down"
    assert claim(kind, t0 + timedelta(days=1)) == []  # never tried again


def test_a_permanent_failure_gives_up_at_once(database, kind):
    add(kind)
    [held] = claim(kind, utcnow())
    assert fail(kind, held, utcnow(), "550 no such user", permanent=True) == "failed"
    assert state(kind) == [("failed", 1)]
    assert claim(kind, utcnow() + timedelta(days=1)) == []


def test_the_error_kept_is_cut_to_the_column_length(database, kind):
    add(kind)
    [held] = claim(kind, utcnow())
    fail(kind, held, utcnow(), "x" * (ERROR_MAX + 500))
    assert rows(kind)[0].last_error == "x" * ERROR_MAX


def test_a_row_whose_worker_keeps_dying_is_failed_not_retried_forever(
    database, kind, prefix, monkeypatch
):
    monkeypatch.setenv(f"{prefix}_MAX_ATTEMPTS", "2")
    monkeypatch.setenv(f"{prefix}_LEASE_SECONDS", "10")
    add(kind)
    t0 = utcnow()
    for step in (0, 11):  # claimed twice, and each holder "dies" without an outcome
        assert len(claim(kind, t0 + timedelta(seconds=step))) == 1
    assert claim(kind, t0 + timedelta(seconds=22)) == []
    [row] = rows(kind)
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error == f"The worker stopped while {kind.working}, too many times."


# --------------------------------------------------------------------------- run_due


def working(kind: JobKind[Any], error: Exception | None = None) -> tuple[JobKind[Any], list[int]]:
    """``kind`` with its work replaced: it records the ids it is given, then raises ``error``."""
    seen: list[int] = []

    def work(job: Sequence[Claim], context: Any) -> None:
        seen.extend(claim.id for claim in job)
        if error is not None:
            raise error

    return replace(kind, work=work), seen


def test_a_run_does_every_due_job_and_says_when_more_may_be_due(database, kind):
    ids = add(kind, 3)
    fake, seen = working(kind)

    first = fake.run_due(None, limit=2)
    assert (first.done, first.retrying, first.failed, first.more) == (2, 0, 0, True)
    second = fake.run_due(None, limit=2)
    assert (second.done, second.more) == (1, False)

    assert seen == ids
    assert state(kind) == [(kind.done, 1)] * 3


def test_a_transient_failure_ends_the_run(database, kind):
    add(kind, 3)
    fake, seen = working(kind, ConnectionRefusedError("down"))

    report = fake.run_due(None)

    # Only what was claimed together with the failing job was tried: one mail (mail is
    # claimed one row at a time), every event of the batch (sync claims 50 at a time).
    tried = min(kind.batch, 3)
    assert (report.done, report.retrying, report.failed, report.more) == (0, tried, 0, False)
    assert [a for _s, a in state(kind)] == [1] * tried + [0] * (3 - tried)
    assert rows(kind)[0].last_error == "ConnectionRefusedError: down"


def test_a_permanent_failure_does_not_end_the_run(database, kind):
    add(kind, 3)
    fake, seen = working(kind, ValueError("unusable"))
    fake = replace(fake, permanent=lambda exc: isinstance(exc, ValueError))

    report = fake.run_due(None)

    assert (report.done, report.retrying, report.failed) == (0, 0, 3)
    assert state(kind) == [("failed", 1)] * 3


# --------------------------------------------------------------------------- the worker loop


async def until(check: Callable[[], Any], timeout: float = 10.0) -> None:
    """Wait (without blocking the loop) until ``check()`` is true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        await asyncio.sleep(0.01)


def run_worker(
    kind: JobKind[Any],
    run: Callable[[], JobReport],
    scenario: Callable[[asyncio.Event], Any],
) -> None:
    """Run :func:`work_forever` while ``scenario(wake)`` plays out, then cancel it."""

    async def main() -> None:
        wake = asyncio.Event()
        task = asyncio.create_task(
            work_forever(
                kind, run, log=logging.getLogger("atoll.test"), idle_warning="idle", wake=wake
            )
        )
        try:
            await scenario(wake)
            assert not task.done()
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())


def test_the_worker_wakes_at_once_when_told(kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_POLL_SECONDS", "600")
    passes: list[int] = []

    def run() -> JobReport:
        passes.append(1)
        return JobReport()

    async def scenario(wake: asyncio.Event) -> None:
        await until(lambda: len(passes) == 1)
        wake.set()
        await until(lambda: len(passes) >= 2)

    run_worker(kind, run, scenario)
    assert len(passes) == 2  # woken once; the 600 s poll never came


def test_the_worker_runs_again_at_once_while_more_is_due(kind, prefix, monkeypatch):
    monkeypatch.setenv(f"{prefix}_POLL_SECONDS", "600")
    reports = [JobReport(done=50, more=True), JobReport(done=50, more=True), JobReport(done=3)]
    passes: list[JobReport] = []

    def run() -> JobReport:
        passes.append(reports[len(passes)] if len(passes) < len(reports) else JobReport())
        return passes[-1]

    async def scenario(wake: asyncio.Event) -> None:
        await until(lambda: len(passes) >= 3)

    run_worker(kind, run, scenario)
    assert [p.done for p in passes] == [50, 50, 3]  # then it waited for the poll


def test_the_worker_polls_survives_failures_and_warns_once_when_idle(
    kind, prefix, monkeypatch, caplog
):
    monkeypatch.setenv(f"{prefix}_POLL_SECONDS", "0.01")
    passes: list[int] = []

    def run() -> JobReport:
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("database unreachable")
        return JobReport(configured=False)

    async def scenario(wake: asyncio.Event) -> None:
        await until(lambda: len(passes) >= 4)  # kept polling, nobody woke it

    with caplog.at_level(logging.INFO, logger="atoll.test"):
        run_worker(kind, run, scenario)
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "atoll.test"]
    assert records[0][0] == "ERROR" and records[0][1].startswith(f"the {kind.name} worker failed")
    assert records[1:] == [("WARNING", "idle")]
