"""Email: written to the outbox with its cause, sent over SMTP by :func:`deliver_due`.

Domain code calls :func:`enqueue_mail` inside its action's transaction; nothing talks to
a mail server during a request. :func:`deliver_due` (blocking; the worker in
``app/workers.py`` runs it in a thread) claims due rows one at a time, sends each with
:mod:`smtplib` and records the outcome; the delivery guarantee is the outbox's
(:mod:`db.jobs.outbox`): nothing lost, at-least-once, and a repeat carries the same
``Message-ID`` — generated once from the outbox id when the mail is queued, stored with
the row — so it is recognisably the same message.

Settings come from the environment when a batch runs (``SMTP_HOST``, ``SMTP_PORT``,
``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS``, ``MAIL_FROM``, ``CONTACT_TO``) and
never pass through Reflex state. Without ``SMTP_HOST`` and ``MAIL_FROM`` nothing is
claimed: mail stays ``pending`` in the outbox and goes out once SMTP is configured.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlmodel import Session

from db.core import config
from db.core.engine import session_scope
from db.core.types import utcnow
from db.jobs import outbox
from db.models import Outbox

log = logging.getLogger("atoll.mail")

KIND_PREFIX = "mail."
SMTP_TIMEOUT = 30.0
# RFC 5322's hard line limit: long links stay whole (no folding into encoded words, which
# would break List-Unsubscribe) and bodies go out as readable 7bit/8bit text.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and as whom mail is sent; the password is kept out of ``repr`` and logs."""

    host: str
    port: int
    mail_from: str
    contact_to: str
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """The configured server, or ``None`` when ``SMTP_HOST`` or ``MAIL_FROM`` is unset.

        ``SMTP_PORT`` defaults to 587 (submission) and ``SMTP_STARTTLS`` to true;
        ``CONTACT_TO`` (where contact messages go) defaults to ``MAIL_FROM``.
        """
        host = os.environ.get("SMTP_HOST", "").strip()
        mail_from = os.environ.get("MAIL_FROM", "").strip()
        if not host or not mail_from:
            return None
        raw_port = os.environ.get("SMTP_PORT", "").strip() or "587"
        if not raw_port.isdigit():
            raise ValueError(f"SMTP_PORT must be a port number, not {raw_port!r}")
        return cls(
            host=host,
            port=int(raw_port),
            mail_from=mail_from,
            contact_to=os.environ.get("CONTACT_TO", "").strip() or mail_from,
            user=os.environ.get("SMTP_USER", ""),
            password=os.environ.get("SMTP_PASSWORD", ""),
            starttls=os.environ.get("SMTP_STARTTLS", "true").strip().lower() in _TRUE,
        )


class OutgoingMail(BaseModel):
    """An email as stored in an outbox row's payload.

    ``to=None`` means the site owner (``CONTACT_TO`` when it is sent), so contact
    messages stored before SMTP was configured still reach whoever is configured later.
    """

    to: str | None
    subject: str
    text: str
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    message_id: str = ""


def enqueue_mail(*, session: Session, kind: str, mail: OutgoingMail) -> Outbox:
    """Queue ``mail`` in the caller's transaction and give it its permanent Message-ID.

    The id names the outbox row (so a log line or a complaint leads to it) plus a random
    part, so ids stay unique across databases that reuse row numbers.
    """
    if not kind.startswith(KIND_PREFIX):
        raise ValueError(f"mail kinds start with {KIND_PREFIX!r}: {kind!r}")
    row = outbox.enqueue(session=session, kind=kind, payload=mail.model_dump())
    host = urlsplit(config.site_url()).hostname or "localhost"
    message_id = f"<atoll.outbox.{row.id}.{secrets.token_hex(6)}@{host}>"
    row.payload = mail.model_copy(update={"message_id": message_id}).model_dump()
    session.flush()
    return row


def _one_line(value: str) -> str:
    # Header values must not contain line breaks (header injection); fold them to spaces.
    return " ".join(value.split())


def build_message(mail: OutgoingMail, settings: SmtpSettings) -> EmailMessage:
    """The MIME message for ``mail``; the same bytes apart from ``Date`` on every attempt."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = settings.mail_from
    msg["To"] = mail.to or settings.contact_to
    msg["Subject"] = _one_line(mail.subject)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    if mail.reply_to:
        msg["Reply-To"] = _one_line(mail.reply_to)
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
    msg.set_content(mail.text)
    return msg


def send_message(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Hand ``msg`` to the SMTP server (blocking); returns once the server accepted it."""
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(msg)


def _permanent(exc: Exception) -> bool:
    """Whether retrying cannot help: the server refused this recipient or this content.

    Everything else — connection refused, timeouts, 4xx, and also authentication or
    sender errors, which an operator fixes in the configuration — is retried.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, (ValueError, TypeError))  # a payload no message can be built from


def _redacted(payload: dict[str, Any]) -> dict[str, Any]:
    """What is kept once a row is finished: the body (which may hold the raw link tokens
    that only exist as hashes elsewhere) is dropped."""
    return {k: v for k, v in payload.items() if k not in ("text", "unsubscribe_url")}


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` run did; ``configured`` is false when SMTP is unset."""

    configured: bool = True
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    now: datetime | None = None, *, limit: int = 50, settings: SmtpSettings | None = None
) -> DeliveryReport:
    """Send up to ``limit`` due emails, one claim at a time; blocking.

    ``now`` fixes the clock (tests step through backoff with it); by default each claim
    reads the real time. The batch stops at the first transient failure, so an outage
    costs one connection attempt per poll, not one per queued message.
    """
    settings = settings or SmtpSettings.from_env()
    report = DeliveryReport(configured=settings is not None)
    if settings is None:
        return report
    for _ in range(limit):
        with session_scope(write=True) as session:
            claim = outbox.claim_next(session=session, now=now or utcnow(), kind_prefix=KIND_PREFIX)
        if claim is None:
            break
        try:
            send_message(
                build_message(OutgoingMail.model_validate(claim.payload), settings), settings
            )
        except Exception as exc:
            permanent = _permanent(exc)
            error = f"{type(exc).__name__}: {exc}"
            with session_scope(write=True) as session:
                status = outbox.mark_failed(
                    session=session,
                    claim=claim,
                    now=now or utcnow(),
                    error=error,
                    permanent=permanent,
                    payload=_redacted(claim.payload),
                )
            log.warning(
                "outbox %s (%s) attempt %s failed, now %s: %s",
                claim.id,
                claim.kind,
                claim.attempt,
                status,
                error,
            )
            if status == "failed":
                report.failed += 1
            else:
                report.retrying += 1
            if permanent:
                continue
            break  # the server is down or refusing for now: the rest waits for the next poll
        with session_scope(write=True) as session:
            kept = outbox.mark_sent(
                session=session, claim=claim, now=now or utcnow(), payload=_redacted(claim.payload)
            )
        if not kept:
            log.warning("outbox %s was sent after its lease ran out", claim.id)
        log.info("outbox %s (%s) sent", claim.id, claim.kind)
        report.sent += 1
    return report
