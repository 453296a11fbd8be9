"""The outbox and its email worker against a real SMTP server on loopback.

Covers the guarantee written in ``db/jobs/mail.py`` and ``db/jobs/queue.py`` for email:
enqueue rides the caller's transaction, outages are retried with backoff, and a worker
killed with ``kill -9`` at any point loses nothing and repeats nothing except
(recognisably, same Message-ID) a message the server had already accepted. What every
kind of job shares (leases, fencing, backoff, give-up) is in ``test_queue.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Literal

import pytest
from sqlmodel import col, select

from app import workers
from app.workers import outbox_worker
from db.core.actions import run_action
from db.core.engine import session_scope
from db.core.types import utcnow
from db.jobs.mail import MAIL, OutgoingMail, deliver_due, enqueue_mail
from db.jobs.queue import JobReport
from db.models import ContactMessage, Outbox
from tests.factories import contact_payload, visitor_ctx
from tests.server import ROOT
from tests.smtp import SmtpSink
from tests.waiting import eventually


def send_contact(n: int = 1) -> list[int]:
    """Queue ``n`` contact messages through the real action; return their outbox ids."""
    for i in range(n):
        assert run_action("contact.send", contact_payload(subject=f"Note {i}"), visitor_ctx()).ok
    return [row.id for row in rows() if row.id is not None]


def rows() -> list[Outbox]:
    with session_scope() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def statuses() -> Counter[str]:
    return Counter(row.status for row in rows())


def message_ids() -> list[str]:
    return [row.payload["message_id"] for row in rows()]


# --------------------------------------------------------------------------- enqueue and claim


def test_enqueue_rolls_back_with_its_cause(database):
    with pytest.raises(RuntimeError), session_scope(write=True) as session:
        session.add(ContactMessage(name="Ada", email="ada@example.com", message="Hello there!"))
        enqueue_mail(
            session=session, kind="mail.contact", mail=OutgoingMail(to=None, subject="s", text="t")
        )
        raise RuntimeError("the action failed after queueing")
    assert rows() == []
    with session_scope() as session:
        assert session.exec(select(ContactMessage)).all() == []


def test_every_mail_gets_a_message_id_naming_its_row(database):
    ids = send_contact(2)
    first, second = message_ids()
    assert first.startswith(f"<atoll.outbox.{ids[0]}.") and first.endswith("@localhost>")
    assert second.startswith(f"<atoll.outbox.{ids[1]}.")
    assert first != second


def test_message_id_domain_follows_site_url(database, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://blog.example.org/")
    send_contact()
    assert message_ids()[0].endswith("@blog.example.org>")


def test_mail_kinds_are_namespaced(database):
    with pytest.raises(ValueError), session_scope(write=True) as session:
        enqueue_mail(
            session=session, kind="contact", mail=OutgoingMail(to=None, subject="s", text="t")
        )


def test_claims_only_the_requested_kinds(database):
    with session_scope(write=True) as session:
        session.add(Outbox(kind="webhook.ping", payload={}))
    webhooks = replace(MAIL, where=(col(Outbox.kind).startswith("webhook."),))
    with session_scope(write=True) as session:
        assert MAIL.claim(session=session, now=utcnow()) == []
        [claim] = webhooks.claim(session=session, now=utcnow())
    assert claim.fields["kind"] == "webhook.ping"


# --------------------------------------------------------------------------- delivery


def test_without_smtp_mail_is_only_stored(database, monkeypatch):
    for name in ("SMTP_HOST", "MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    send_contact()
    report = deliver_due()
    assert report.configured is False and report.done == 0
    assert [(r.status, r.attempts) for r in rows()] == [("pending", 0)]


def test_smtp_host_without_mail_from_is_not_configured(database, smtp, monkeypatch):
    monkeypatch.delenv("MAIL_FROM")
    send_contact()
    assert deliver_due().configured is False
    assert smtp.received == []


def test_delivered_mail_is_marked_sent_and_its_body_dropped(database, smtp):
    send_contact()
    assert deliver_due().done == 1
    [row] = rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert "text" not in row.payload and row.payload["message_id"] == smtp.received[0].message_id
    assert deliver_due().done == 0  # nothing is sent twice


def test_server_down_is_retried_with_backoff_and_delivered_exactly_once(database, monkeypatch):
    sink = SmtpSink().configure(monkeypatch)  # not started: connections are refused
    send_contact()
    t0 = utcnow()
    try:
        report = deliver_due(t0)
        assert (report.done, report.retrying) == (0, 1)
        [row] = rows()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == t0 + timedelta(seconds=30)
        assert row.last_error and "ConnectionRefusedError" in row.last_error

        assert deliver_due(t0 + timedelta(seconds=29)).retrying == 0  # not due yet
        assert deliver_due(t0 + timedelta(seconds=30)).retrying == 1
        assert rows()[0].next_attempt_at == t0 + timedelta(seconds=90)  # waited 60 s this time

        sink.start()  # the server is back
        assert deliver_due(t0 + timedelta(seconds=89)).done == 0
        assert deliver_due(t0 + timedelta(seconds=90)).done == 1
        assert deliver_due(t0 + timedelta(hours=2)).done == 0
        assert len(sink.received) == 1
        assert (rows()[0].status, rows()[0].attempts) == ("sent", 3)
    finally:
        sink.stop()


def test_an_outage_costs_one_attempt_per_batch_not_one_per_message(database, monkeypatch):
    SmtpSink().configure(monkeypatch)  # not started
    send_contact(3)
    assert deliver_due().retrying == 1
    assert [r.attempts for r in rows()] == [1, 0, 0]


def test_a_refused_recipient_fails_at_once_and_keeps_no_body(database, smtp, monkeypatch):
    monkeypatch.setenv("CONTACT_TO", "gone@example.com")
    smtp.recorder.refuse.add("gone@example.com")
    send_contact()
    report = deliver_due()
    assert (report.failed, report.retrying) == (1, 0)
    [row] = rows()
    assert row.status == "failed" and "550" in (row.last_error or "")
    assert "text" not in row.payload
    assert deliver_due(utcnow() + timedelta(days=1)).failed == 0  # never tried again


def test_a_row_out_of_attempts_is_failed(database, monkeypatch):
    SmtpSink().configure(monkeypatch)  # not started
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "2")
    send_contact()
    t0 = utcnow()
    assert deliver_due(t0).retrying == 1
    assert deliver_due(t0 + timedelta(hours=1)).failed == 1
    assert (rows()[0].status, rows()[0].attempts) == ("failed", 2)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_user_and_password(database, monkeypatch):
    sink = SmtpSink(login=("atoll", "s3cret")).configure(
        monkeypatch, SMTP_USER="atoll", SMTP_PASSWORD="wrong"
    )
    with sink:
        send_contact()
        assert deliver_due().retrying == 1  # bad credentials are fixable: retried, not failed
        assert sink.received == []
        monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
        assert deliver_due(utcnow() + timedelta(minutes=1)).done == 1
        assert len(sink.received) == 1


def test_the_lifespan_worker_polls_and_delivers(database, smtp, monkeypatch):
    monkeypatch.setenv("OUTBOX_POLL_SECONDS", "0.05")
    batches = threading.Semaphore(0)

    def counted_deliver_due() -> JobReport:
        report = deliver_due()
        batches.release()
        return report

    monkeypatch.setattr(workers, "deliver_due", counted_deliver_due)

    async def run() -> None:
        task = asyncio.create_task(outbox_worker())
        assert await asyncio.to_thread(batches.acquire, timeout=20)  # a first, empty batch
        await asyncio.to_thread(send_contact)  # queued while the worker is already polling
        await asyncio.to_thread(smtp.wait_for, 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert len(smtp.received) == 1
    assert rows()[0].status == "sent"


def test_the_worker_survives_a_broken_database(db_url, smtp, monkeypatch, caplog):
    # No schema at all: every batch fails, the loop logs and keeps polling.
    monkeypatch.setenv("OUTBOX_POLL_SECONDS", "0.01")

    def failures() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "atoll.workers"]

    async def run() -> bool:
        task = asyncio.create_task(outbox_worker())
        # A second failure logged means the loop outlived the first.
        await asyncio.to_thread(eventually, lambda: len(failures()) >= 2)
        alive = not task.done()
        task.cancel()
        return alive

    assert asyncio.run(run()) is True
    first = failures()[0].exc_info
    assert first is not None and "no such table" in str(first[1])


def test_once_from_the_command_line(database, smtp):
    send_contact(2)
    done = subprocess.run(
        [sys.executable, "-m", "app.workers", "--once"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "sent 2, retrying 0, failed 0"
    assert len(smtp.received) == 2


# --------------------------------------------------------------------------- crashes


def start_worker(**env: str) -> subprocess.Popen[bytes]:
    """``python -m app.workers`` polling fast, with a short lease, in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.workers"],
        cwd=ROOT,
        env=os.environ | {"OUTBOX_POLL_SECONDS": "0.05", "OUTBOX_LEASE_SECONDS": "1.5"} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_hard(process)


def wait_until_all_sent(count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if statuses() == Counter({"sent": count}):
            return
        time.sleep(0.05)
    raise AssertionError(f"not all sent: {statuses()}")


def crash_mid_send(smtp: SmtpSink, mode: Literal["before-accept", "after-accept"]) -> list[str]:
    """Queue 5 mails, kill -9 the worker while the server holds the 3rd, restart it."""
    send_contact(5)
    smtp.recorder.hold_on, smtp.recorder.hold_mode = 3, mode
    worker = start_worker()
    try:
        assert smtp.recorder.held.wait(30), "the worker never reached the third message"
        kill_hard(worker)
    finally:
        stop(worker)
    # Killed mid-conversation: two marked sent, one claimed, two never touched.
    assert statuses() == Counter({"sent": 2, "sending": 1, "pending": 2})
    smtp.recorder.release.set()  # the server answers a client that is gone
    restarted = start_worker()
    try:
        wait_until_all_sent(5)
    finally:
        stop(restarted)
    return message_ids()


def test_worker_killed_before_the_server_accepted_loses_and_repeats_nothing(database, smtp):
    ids = crash_mid_send(smtp, "before-accept")
    assert smtp.message_id_counts() == Counter({mid: 1 for mid in ids})
    assert [r.attempts for r in rows()] == [1, 1, 2, 1, 1]


def test_worker_killed_after_the_server_accepted_repeats_that_one_with_its_message_id(
    database, smtp
):
    ids = crash_mid_send(smtp, "after-accept")
    # The server had taken the third message when the worker died, so it comes again —
    # recognisably: same Message-ID, same content. Everything else arrives exactly once.
    assert smtp.message_id_counts() == Counter({mid: 1 for mid in ids}) + Counter({ids[2]: 1})
    copies = [r for r in smtp.received if r.message_id == ids[2]]
    assert copies[0].body == copies[1].body
    assert copies[0].message["Subject"] == copies[1].message["Subject"]


def test_two_workers_racing_send_every_message_once(database, smtp):
    ids = send_contact(20)
    workers = [start_worker(OUTBOX_LEASE_SECONDS="60") for _ in range(2)]
    try:
        wait_until_all_sent(20)
    finally:
        for worker in workers:
            stop(worker)
    assert smtp.message_id_counts() == Counter({mid: 1 for mid in message_ids()})
    assert len(ids) == 20
