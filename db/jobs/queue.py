"""One job queue for every kind of background work: claim with a lease, fence, back off, give up.

A job is a table row that some worker must act on later. Each kind of job (a
:class:`JobKind`: mail delivery in :mod:`db.jobs.mail`, WordPress sync events in
:mod:`db.wordpress.sync`) names its table, its settings and the function that does one
job; everything else — how rows are handed out, retried and given up — is here, once::

    pending ──claim──▶ <working> ──finish──▶ <done>
       ▲                   │
       └──fail (backoff)───┤ (transient error: wait, then try again)
                           └──fail──▶ failed (permanent error, or out of attempts)

Each kind's table has ``id``, ``status``, ``attempts``, ``next_attempt_at`` and
``last_error`` columns; the kind names its own words for ``<working>`` (``sending``,
``processing``) and ``<done>`` (``sent``, ``done``). The guarantee, precisely:

* **Nothing is lost.** A row leaves ``pending``/``<working>`` only by an explicit
  :meth:`JobKind.finish` or :meth:`JobKind.fail`. A worker that dies while holding a row
  (``kill -9``, power loss, a cancelled deploy) leaves it ``<working>`` with a lease; once
  the lease (``<PREFIX>_LEASE_SECONDS``) runs out, any worker claims it again.
* **One holder at a time.** :meth:`JobKind.claim` is a single conditional
  ``UPDATE … RETURNING`` run under the write lock: it moves due rows to ``<working>``,
  pushes ``next_attempt_at`` to the end of the lease and increments ``attempts``.
  ``attempts`` doubles as a fencing token, so a worker that overran its lease cannot record
  an outcome (or renew a lease) over its successor's. Any number of workers can run.
* **At-least-once.** A row is handed out again only if its holder vanished or overran the
  lease before committing the outcome; a job must therefore be safe to repeat (mail keeps
  its ``Message-ID``, a sync event refetches the post's current state).
* **Retries back off.** Transient failures wait ``<PREFIX>_BACKOFF_SECONDS × 2^(attempts-1)``
  (capped at :data:`MAX_BACKOFF`); after ``<PREFIX>_MAX_ATTEMPTS`` attempts, or on an error
  the kind calls permanent, the row is ``failed`` and kept for inspection. A row whose
  worker dies every time is failed too, instead of killing workers forever.

:func:`work_forever` is the one worker loop: a lifespan task per kind runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, SQLModel, col, select

from db.core.engine import session_scope
from db.core.settings import settings
from db.core.types import utcnow

MAX_BACKOFF = timedelta(hours=1)
"""The longest wait between two attempts, however many failed."""
ERROR_MAX = 2000
"""How much of an error's text ``last_error`` keeps (the column's length)."""
PENDING = "pending"
FAILED = "failed"

C = TypeVar("C")


class LeaseLost(Exception):
    """The row was claimed by another worker: this holder's writes no longer count."""


@dataclass(frozen=True)
class QueueSettings:
    """How one kind of job is polled, leased, retried and given up."""

    poll_seconds: float
    lease_seconds: float
    backoff_seconds: float
    max_attempts: int

    @classmethod
    def from_settings(cls, prefix: str) -> QueueSettings:
        """``<PREFIX>_POLL_SECONDS``, ``_LEASE_SECONDS``, ``_BACKOFF_SECONDS``, ``_MAX_ATTEMPTS``.

        The only place a queue setting is read: the fields ``<prefix>_poll_seconds`` … of
        :class:`db.core.settings.Settings`, which owns their defaults and checks them.
        """
        current = settings()
        return cls(
            *(
                getattr(current, f"{prefix.lower()}_{name}")
                for name in ("poll_seconds", "lease_seconds", "backoff_seconds", "max_attempts")
            )
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: 1 → base, 2 → 2×base …, at most an hour."""
        doublings = max(0, min(attempts - 1, 30))
        return min(timedelta(seconds=self.backoff_seconds * 2**doublings), MAX_BACKOFF)


@dataclass(frozen=True)
class Claim:
    """One row handed to one worker; ``attempt`` is its fencing token.

    ``fields`` holds the columns the kind asked for (:attr:`JobKind.columns`), as they were
    when the row was claimed.
    """

    id: int
    attempt: int
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobReport:
    """What one :meth:`JobKind.run_due` call did.

    ``configured`` is false when the kind cannot run here (no SMTP server, no WordPress);
    ``more`` is true when the run stopped at its limit, so more rows may be due right now.
    """

    configured: bool = True
    done: int = 0
    retrying: int = 0
    failed: int = 0
    more: bool = False

    @property
    def claimed(self) -> int:
        return self.done + self.retrying + self.failed


def _changed(result: Any) -> int:
    """How many rows an ``UPDATE`` changed (``Session.execute`` is typed as any statement's)."""
    return cast(CursorResult[Any], result).rowcount


def _by_id(claim: Claim) -> Hashable:
    return claim.id


def _never(exc: Exception) -> bool:
    return False


def _nothing(claim: Claim, now: datetime, done: bool) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, eq=False)
class JobKind(Generic[C]):
    """One kind of background work: where its rows live and how one job is done.

    Args:
        name: for logs (``atoll.<name>``).
        table: the SQLModel table holding the rows.
        env_prefix: the settings' prefix (``OUTBOX`` reads ``OUTBOX_POLL_SECONDS`` …).
        working: the status of a claimed row.
        done: the status of a finished row.
        work: does one job: the claims that share a :attr:`group` key, plus the context
            :meth:`run_due` was given (an SMTP server, a WordPress client). Raises on failure.
        columns: the columns handed to ``work`` with each claim.
        where: conditions that pick this kind's rows out of a shared table.
        batch: how many rows one claim takes at once (grouped rows are done as one job).
        group: the key under which claims of one batch are one job (default: each alone).
        permanent: whether an error is one retrying cannot fix (give up at once).
        retired: extra column values for a row leaving the queue for good, finished
            (``done=True``) or given up; e.g. a timestamp, or a payload stripped of secrets.
    """

    name: str
    table: type[SQLModel]
    env_prefix: str
    working: str
    done: str
    work: Callable[[Sequence[Claim], C], None]
    columns: tuple[str, ...] = ()
    where: tuple[Any, ...] = ()
    batch: int = 1
    group: Callable[[Claim], Hashable] = _by_id
    permanent: Callable[[Exception], bool] = _never
    retired: Callable[[Claim, datetime, bool], dict[str, Any]] = _nothing

    def settings(self) -> QueueSettings:
        """This kind's settings, read now (one function per kind, so one place to change)."""
        return QueueSettings.from_settings(self.env_prefix)

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"atoll.{self.name}")

    def _c(self, name: str) -> Any:
        return col(getattr(self.table, name))

    def _held(self, claim: Claim) -> tuple[Any, ...]:
        return (
            self._c("id") == claim.id,
            self._c("status") == self.working,
            self._c("attempts") == claim.attempt,
        )

    def _returning(self) -> tuple[Any, ...]:
        return (self._c("id"), self._c("attempts"), *(self._c(name) for name in self.columns))

    def _claim(self, row: Sequence[Any]) -> Claim:
        return Claim(
            id=row[0], attempt=row[1], fields=dict(zip(self.columns, row[2:], strict=True))
        )

    # ------------------------------------------------------------------ claiming

    def claim(self, *, session: Session, now: datetime, limit: int = 1) -> list[Claim]:
        """Take up to ``limit`` due rows of this kind, oldest due first (returned by id).

        Due means ``pending`` with its retry time reached, or ``<working>`` with its lease
        run out (its worker died). Rows out of attempts are failed here instead of handed
        out. Run it in its own write transaction and commit before working.
        """
        settings = self.settings()
        session.execute(
            update(self.table)
            .where(
                self._c("status") == self.working,
                self._c("next_attempt_at") <= now,
                self._c("attempts") >= settings.max_attempts,
                *self.where,
            )
            .values(
                status=FAILED,
                last_error=f"The worker stopped while {self.working}, too many times.",
            )
        )
        due = (
            select(self._c("id"))
            .where(
                self._c("status").in_((PENDING, self.working)),
                self._c("next_attempt_at") <= now,
                *self.where,
            )
            .order_by(self._c("next_attempt_at"), self._c("id"))
            .limit(limit)
        )
        rows = session.execute(
            update(self.table)
            .where(self._c("id").in_(due.scalar_subquery()))
            .values(
                status=self.working,
                attempts=self._c("attempts") + 1,
                next_attempt_at=now + settings.lease,
            )
            .returning(*self._returning())
        ).all()
        return sorted((self._claim(row) for row in rows), key=lambda claim: claim.id)

    def take(self, *, session: Session, row_id: int, now: datetime) -> Claim | None:
        """Claim row ``row_id`` whatever its lease (an operator's explicit run), if unfinished.

        A previous holder is fenced out like after a lease overrun.
        """
        row = session.execute(
            update(self.table)
            .where(self._c("id") == row_id, self._c("status") != self.done)
            .values(
                status=self.working,
                attempts=self._c("attempts") + 1,
                next_attempt_at=now + self.settings().lease,
            )
            .returning(*self._returning())
        ).first()
        return None if row is None else self._claim(row)

    def renew(
        self, *, session: Session, claim: Claim, now: datetime, values: dict[str, Any] | None = None
    ) -> None:
        """Extend the lease of a long job (with ``values``, e.g. a checkpoint, in one write).

        Raises:
            LeaseLost: another worker holds the row now; the caller's transaction must roll
                back so this holder writes nothing more.
        """
        result = session.execute(
            update(self.table)
            .where(*self._held(claim))
            .values(next_attempt_at=now + self.settings().lease, **(values or {}))
        )
        if not _changed(result):
            raise LeaseLost(f"{self.name} {claim.id} attempt {claim.attempt}")

    # ------------------------------------------------------------------ outcomes

    def finish(self, *, session: Session, claim: Claim, now: datetime) -> bool:
        """Record the job as done; ``False`` when the claim was lost (the successor's to record)."""
        values = {"status": self.done, "last_error": None, **self.retired(claim, now, True)}
        result = session.execute(update(self.table).where(*self._held(claim)).values(**values))
        return bool(_changed(result))

    def fail(
        self, *, session: Session, claim: Claim, now: datetime, error: str, permanent: bool = False
    ) -> str | None:
        """Record a failed attempt: retry after the backoff, or give up.

        Gives up (status ``failed``) when ``permanent`` or when the row is out of attempts.
        Returns the new status, or ``None`` when the claim was lost.
        """
        settings = self.settings()
        values: dict[str, Any] = {"last_error": error[:ERROR_MAX]}
        if permanent or claim.attempt >= settings.max_attempts:
            values |= {"status": FAILED, **self.retired(claim, now, False)}
        else:
            values |= {"status": PENDING, "next_attempt_at": now + settings.backoff(claim.attempt)}
        result = session.execute(update(self.table).where(*self._held(claim)).values(**values))
        if not _changed(result):
            return None
        return str(values["status"])

    def abandon(self, *, session: Session, where: Sequence[Any], error: str) -> None:
        """Give up every unfinished row matching ``where`` (superseded by newer work).

        Their holders, if any, are fenced out: the status no longer says ``<working>``.
        """
        session.execute(
            update(self.table)
            .where(self._c("status") != self.done, *self.where, *where)
            .values(status=FAILED, last_error=error[:ERROR_MAX])
        )

    # ------------------------------------------------------------------ running

    def run_due(self, context: C, *, now: datetime | None = None, limit: int = 50) -> JobReport:
        """Claim and do up to ``limit`` due jobs with ``context``; blocking.

        Rows are claimed :attr:`batch` at a time and each group is done by :attr:`work`.
        After a transient failure nothing more is claimed, so an outage costs one attempt
        per run, not one per queued row. ``now`` fixes the clock (tests step through
        backoff with it); by default each step reads the real time.
        """
        report = JobReport()
        while report.claimed < limit:
            with session_scope(write=True) as session:
                claims = self.claim(
                    session=session,
                    now=now or utcnow(),
                    limit=min(self.batch, limit - report.claimed),
                )
            if not claims:
                return report
            jobs: dict[Hashable, list[Claim]] = {}
            for claim in claims:
                jobs.setdefault(self.group(claim), []).append(claim)
            outage = False
            for job in jobs.values():
                outage = self._do(job, context, now, report) or outage
            if outage:
                return report
        report.more = True
        return report

    def _do(self, job: list[Claim], context: C, now: datetime | None, report: JobReport) -> bool:
        """Do one job and record its outcome on every claim in it; whether it failed transiently."""
        ids = [claim.id for claim in job]
        try:
            self.work(job, context)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            permanent = self.permanent(exc)
            with session_scope(write=True) as session:
                statuses = [
                    self.fail(
                        session=session,
                        claim=claim,
                        now=now or utcnow(),
                        error=error,
                        permanent=permanent,
                    )
                    for claim in job
                ]
            for status in statuses:
                if status == FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
            self.log.warning(
                "%s %s attempt %d failed, now %s: %s",
                self.name,
                ids,
                job[0].attempt,
                statuses[0],
                error,
            )
            return not permanent
        with session_scope(write=True) as session:
            kept = [self.finish(session=session, claim=claim, now=now or utcnow()) for claim in job]
        if not all(kept):
            self.log.warning("%s %s was done after its lease ran out", self.name, ids)
        self.log.info("%s %s done", self.name, ids)
        report.done += len(job)
        return False


async def work_forever(
    kind: JobKind[Any],
    run: Callable[[], JobReport],
    *,
    log: logging.Logger,
    idle_warning: str,
    wake: asyncio.Event | None = None,
) -> None:
    """Call ``run`` (blocking, in a worker thread) until cancelled: a lifespan task's body.

    Runs again at once while a run reports more due; otherwise after the kind's
    ``<PREFIX>_POLL_SECONDS``, or as soon as ``wake`` is set. A failure is logged, never
    raised, so the loop survives a database or network outage; ``idle_warning`` is logged
    once when a run reports the kind is not configured here.
    """
    warned = False
    while True:
        if wake is not None:
            wake.clear()
        poll = kind.settings().poll_seconds
        try:
            report = await asyncio.to_thread(run)
        except Exception:
            log.exception("the %s worker failed; retrying in %ss", kind.name, poll)
            report = JobReport()
        if not report.configured and not warned:
            log.warning(idle_warning)
            warned = True
        if report.more:
            continue
        if wake is None:
            await asyncio.sleep(poll)
        else:
            # asyncio.timeout, not wait_for: before Python 3.12 wait_for can swallow a
            # cancellation that arrives as the event is set, and shutdown would hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll):
                    await wake.wait()
