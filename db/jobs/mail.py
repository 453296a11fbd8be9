"""Email: written to the outbox with its cause, sent over SMTP by :func:`deliver_due`.

Domain code calls :func:`enqueue_mail` inside its action's transaction, so the message
exists if and only if the change that caused it committed; nothing talks to a mail server
during a request. Delivery is the :data:`MAIL` kind of the job queue (:mod:`db.jobs.queue`,
whose guarantee applies: nothing lost, one sender at a time, at-least-once, backoff):
:func:`deliver_due` (blocking; the worker in ``app/workers.py`` runs it in a thread) claims
due ``outbox`` rows whose kind starts with ``mail.`` one at a time, sends each with
:mod:`smtplib` and records the outcome. A row is sent twice only if its worker vanished
after the server had accepted it (for SMTP: after the 250 reply to the final dot); both
copies carry the same ``Message-ID`` — generated once from the outbox id when the mail is
queued, stored with the row — so they are recognisably one message.

Queue settings: ``OUTBOX_POLL_SECONDS`` (5), ``OUTBOX_LEASE_SECONDS`` (300; it must exceed
the SMTP timeout of 30 s), ``OUTBOX_BACKOFF_SECONDS`` (30) and ``OUTBOX_MAX_ATTEMPTS`` (10).
SMTP settings come from the environment when a batch runs (``SMTP_HOST``, ``SMTP_PORT``,
``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS``, ``MAIL_FROM``, ``CONTACT_TO``) and
never pass through Reflex state. Without ``SMTP_HOST`` and ``MAIL_FROM`` nothing is
claimed: mail stays ``pending`` in the outbox and goes out once SMTP is configured.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlmodel import Session, col

from db.core import config
from db.jobs.queue import Claim, JobKind, JobReport
from db.models import Outbox

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
    row = Outbox(kind=kind, payload=mail.model_dump())
    session.add(row)
    session.flush()
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


def _retired(claim: Claim, now: datetime, done: bool) -> dict[str, Any]:
    """A finished or given-up row keeps no body; ``sent_at`` says when the server took it."""
    return {"payload": _redacted(claim.fields["payload"])} | ({"sent_at": now} if done else {})


def _send(job: Sequence[Claim], settings: SmtpSettings) -> None:
    """Do one job of the :data:`MAIL` kind: build the stored email and hand it to the server."""
    for claim in job:
        mail = OutgoingMail.model_validate(claim.fields["payload"])
        send_message(build_message(mail, settings), settings)


MAIL: JobKind[SmtpSettings] = JobKind(
    name="mail",
    table=Outbox,
    where=(col(Outbox.kind).startswith(KIND_PREFIX, autoescape=True),),
    columns=("kind", "payload"),
    working="sending",
    done="sent",
    env_prefix="OUTBOX",
    work=_send,
    permanent=_permanent,
    retired=_retired,
)
"""Email in the outbox: one row at a time, so an SMTP outage stops a batch at its first try."""


def deliver_due(
    now: datetime | None = None, *, limit: int = 50, settings: SmtpSettings | None = None
) -> JobReport:
    """Send up to ``limit`` due emails, one claim at a time; blocking.

    ``now`` fixes the clock (tests step through backoff with it); by default each claim
    reads the real time. The batch stops at the first transient failure, so an outage
    costs one connection attempt per poll, not one per queued message. Without SMTP
    settings nothing is claimed and the report says ``configured=False``.
    """
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        return JobReport(configured=False)
    return MAIL.run_due(settings, now=now, limit=limit)
