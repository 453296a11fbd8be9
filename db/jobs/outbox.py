"""The transactional outbox: messages for other systems, written with their cause, sent later.

A domain function that must tell the outside world something (an email, today) calls
:func:`enqueue` inside its own transaction, so the message exists if and only if the
change that caused it committed. A worker then moves each row through these states::

    pending ──claim──▶ sending ──mark_sent──▶ sent
       ▲                  │
       └──mark_failed─────┤ (transient error: back off exponentially, try again)
                          └──mark_failed──▶ failed (permanent error, or out of attempts)

Delivery guarantee, precisely:

* **Nothing is lost.** A row leaves ``pending``/``sending`` only by an explicit
  ``mark_sent`` or ``mark_failed``. A worker that dies while holding a row (``kill -9``,
  power loss, a cancelled deploy) leaves it in ``sending`` with a lease; once the lease
  (``OUTBOX_LEASE_SECONDS``) runs out, any worker claims it again.
* **One holder at a time.** :func:`claim_next` is a single conditional ``UPDATE … RETURNING``
  run under the write lock: it moves one due row to ``sending``, pushes ``next_attempt_at``
  to the end of the lease and increments ``attempts``. ``attempts`` doubles as a fencing
  token, so a worker that overran its lease cannot record an outcome over its successor's.
  Any number of workers (one per backend process, plus ``python -m app.workers``) can run.
* **At-least-once, duplicates recognisable.** A row is handed out again only if its holder
  vanished or overran the lease before committing ``sent``. If that happened *after* the
  receiving system had accepted the message (for SMTP: after the server's 250 reply to the
  final dot), the receiver gets it twice; both copies carry the same identifier (the mail
  layer derives a ``Message-ID`` from the outbox id, stored with the row), so they are
  recognisably one message. A crash at any other point — before claiming, while connecting,
  before the server accepted, after ``sent`` committed — causes no second copy.
* **Retries back off.** Transient failures wait ``OUTBOX_BACKOFF_SECONDS × 2^(attempts-1)``
  (capped at one hour) before the next try; after ``OUTBOX_MAX_ATTEMPTS`` attempts, or on
  an error the receiver calls permanent, the row is ``failed`` and kept for inspection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.core.config import env_number
from db.models import Outbox

MAX_BACKOFF = timedelta(hours=1)
ERROR_MAX = 2000


def poll_seconds() -> float:
    """``OUTBOX_POLL_SECONDS``: how often the worker looks for due rows (default 5)."""
    return env_number("OUTBOX_POLL_SECONDS", 5.0)


def lease_seconds() -> float:
    """``OUTBOX_LEASE_SECONDS``: how long a claim lasts before another worker may take over.

    It must exceed the longest send (the SMTP timeout is 30 s); the default is 5 minutes.
    """
    return env_number("OUTBOX_LEASE_SECONDS", 300.0)


def backoff_seconds() -> float:
    """``OUTBOX_BACKOFF_SECONDS``: the wait after the first failure; it doubles each time."""
    return env_number("OUTBOX_BACKOFF_SECONDS", 30.0)


def max_attempts() -> int:
    """``OUTBOX_MAX_ATTEMPTS``: attempts before a row is given up as ``failed`` (default 10)."""
    return int(env_number("OUTBOX_MAX_ATTEMPTS", 10))


def backoff_delay(base_seconds: float, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1 → base, 2 → 2×base …, at most an hour.

    Every queue retries this way: the outbox here and the WordPress sync events.
    """
    return min(timedelta(seconds=base_seconds * 2 ** max(0, min(attempts - 1, 30))), MAX_BACKOFF)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (``OUTBOX_BACKOFF_SECONDS`` base)."""
    return backoff_delay(backoff_seconds(), attempts)


@dataclass(frozen=True)
class Claim:
    """One row handed to one worker; ``attempt`` is its fencing token."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


def enqueue(
    *, session: Session, kind: str, payload: dict[str, Any], dedupe_key: str | None = None
) -> Outbox:
    """Add a message to the caller's transaction; it is sent only if that transaction commits."""
    row = Outbox(kind=kind, payload=payload, dedupe_key=dedupe_key)
    session.add(row)
    session.flush()
    return row


def claim_next(*, session: Session, now: datetime, kind_prefix: str = "") -> Claim | None:
    """Take the oldest due row whose kind starts with ``kind_prefix``, or ``None``.

    Due means ``pending`` with its retry time reached, or ``sending`` with its lease run
    out (its worker died). Rows out of attempts are failed here instead of handed out, so
    a message that kills its worker every time cannot do so forever. Run it in its own
    write transaction (``session_scope(write=True)``) and commit before sending.
    """
    expired = (
        update(Outbox)
        .where(
            col(Outbox.status) == "sending",
            col(Outbox.next_attempt_at) <= now,
            col(Outbox.attempts) >= max_attempts(),
        )
        .values(status="failed", last_error="The worker stopped while sending, too many times.")
    )
    session.execute(expired)
    due = (
        select(Outbox.id)
        .where(
            col(Outbox.status).in_(("pending", "sending")),
            col(Outbox.next_attempt_at) <= now,
            col(Outbox.kind).startswith(kind_prefix, autoescape=True),
        )
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
        .limit(1)
        .scalar_subquery()
    )
    row = session.execute(
        update(Outbox)
        .where(col(Outbox.id) == due)
        .values(
            status="sending",
            attempts=col(Outbox.attempts) + 1,
            next_attempt_at=now + timedelta(seconds=lease_seconds()),
        )
        .returning(col(Outbox.id), col(Outbox.kind), col(Outbox.payload), col(Outbox.attempts))
    ).first()
    if row is None:
        return None
    return Claim(id=row.id, kind=row.kind, payload=dict(row.payload), attempt=row.attempts)


def _held(claim: Claim) -> Any:
    return (
        col(Outbox.id) == claim.id,
        col(Outbox.status) == "sending",
        col(Outbox.attempts) == claim.attempt,
    )


def mark_sent(
    *, session: Session, claim: Claim, now: datetime, payload: dict[str, Any] | None = None
) -> bool:
    """Record delivery; ``payload`` replaces the stored one (to drop what is no longer needed).

    Returns ``False`` when the claim was lost (lease overrun): the outcome is then the
    successor's to record.
    """
    values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
    if payload is not None:
        values["payload"] = payload
    result = session.execute(update(Outbox).where(*_held(claim)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(
    *,
    session: Session,
    claim: Claim,
    now: datetime,
    error: str,
    permanent: bool = False,
    payload: dict[str, Any] | None = None,
) -> str | None:
    """Record a failed attempt: retry after :func:`backoff`, or give up.

    Gives up (status ``failed``) when ``permanent`` or when the row is out of attempts;
    ``payload`` then replaces the stored one. Returns the new status, or ``None`` when the
    claim was lost.
    """
    give_up = permanent or claim.attempt >= max_attempts()
    values: dict[str, Any] = {"last_error": error[:ERROR_MAX]}
    if give_up:
        values["status"] = "failed"
        if payload is not None:
            values["payload"] = payload
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = now + backoff(claim.attempt)
    result = session.execute(update(Outbox).where(*_held(claim)).values(**values))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return str(values["status"])
