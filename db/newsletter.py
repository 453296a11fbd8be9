"""The newsletter: double opt-in subscriptions and one-click unsubscribe links.

Subscribing stores a ``pending`` row and queues a confirmation email (through the outbox,
in the same transaction) with two links: confirm and unsubscribe. Only SHA-256 hashes of
the link tokens are stored on the subscriber; the raw tokens exist in the email and, until
it is sent, in its outbox payload (dropped once the row is finished).

Subscribing never reveals whether an address is known: new, pending and active addresses
get the same answer. An active subscriber gets no email; a pending one gets the
confirmation again at most once per :data:`RESEND_AFTER`, each time with fresh tokens (so
only the newest confirmation email's links work).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from db.core import config
from db.core.actions import ActionContext, action
from db.core.errors import ActionError, ErrorCode
from db.core.tokens import new_token, token_hash
from db.core.types import utcnow
from db.jobs.mail import OutgoingMail, enqueue_mail
from db.models import Subscriber, SubscriberCreate, SubscriberToken

MAIL_KIND = "mail.newsletter.confirm"
RESEND_AFTER = timedelta(minutes=10)
CONFIRM_TTL = timedelta(days=7)

# Fixed user-facing messages; tests assert them.
CHECK_INBOX = "Thanks! Check your inbox for a link to confirm your subscription."
CONFIRMED = "You're subscribed."
CONFIRM_INVALID = "This confirmation link is invalid or has expired."
UNSUBSCRIBED = "You have been unsubscribed."
UNSUBSCRIBE_INVALID = "This unsubscribe link is invalid."


def normalize_email(address: str) -> str:
    """One spelling per mailbox: email-validator's form (done by the input model), lower-cased.

    email-validator lower-cases only the domain, because RFC 5321 lets a server treat the
    local part case-sensitively. No mainstream provider does, and keeping ``Ada@`` and
    ``ada@`` apart would mail one person twice, so the whole address is lower-cased here,
    as accounts do.
    """
    return address.lower()


def confirm_url(token: str) -> str:
    return f"{config.site_url()}/newsletter/confirm/{token}"


def unsubscribe_url(token: str) -> str:
    return f"{config.site_url()}/newsletter/unsubscribe/{token}"


@action(
    "newsletter.subscribe",
    input=SubscriberCreate,
    summary="Ask for the newsletter by email (double opt-in); the same answer for every address.",
)
def subscribe(*, session: Session, data: SubscriberCreate, ctx: ActionContext) -> dict[str, str]:
    email = normalize_email(data.email)
    now = utcnow()
    inserted = session.execute(
        insert(Subscriber)
        .values(email=email, status="pending", created_at=now)
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(col(Subscriber.id))
    ).first()
    subscriber = session.exec(select(Subscriber).where(Subscriber.email == email)).one()
    if inserted is not None or _may_resend(subscriber, now):
        _send_confirmation(session, subscriber, now)
    return {"message": CHECK_INBOX}


def _may_resend(subscriber: Subscriber, now: datetime) -> bool:
    if subscriber.status == "unsubscribed":
        return True  # only the owner of the address can have unsubscribed it
    if subscriber.status != "pending":
        return False
    sent = subscriber.confirm_sent_at
    return sent is None or now - sent >= RESEND_AFTER


def _send_confirmation(session: Session, subscriber: Subscriber, now: datetime) -> None:
    """Issue fresh tokens (replacing older links) and queue the email that carries them."""
    confirm, unsubscribe = new_token(), new_token()
    subscriber.status = "pending"
    subscriber.confirm_token_hash = token_hash(confirm)
    subscriber.unsubscribe_token_hash = token_hash(unsubscribe)
    subscriber.confirm_sent_at = now
    session.add(subscriber)
    session.flush()
    enqueue_mail(
        session=session,
        kind=MAIL_KIND,
        mail=confirmation_mail(subscriber.email, confirm, unsubscribe),
    )


def confirmation_mail(email: str, confirm_token: str, unsubscribe_token: str) -> OutgoingMail:
    """The double opt-in email: a confirm link plus the unsubscribe link every email carries."""
    unsubscribe = unsubscribe_url(unsubscribe_token)
    text = (
        "Hello,\n\n"
        f"Someone, hopefully you, asked for the Atoll newsletter to be sent to {email}.\n"
        "Please confirm by opening this link:\n\n"
        f"{confirm_url(confirm_token)}\n\n"
        f"The link works for {CONFIRM_TTL.days} days. If you did not ask for this, ignore this "
        "email: you will not be subscribed.\n\n"
        "-- \n"
        f"Unsubscribe: {unsubscribe}\n"
    )
    return OutgoingMail(
        to=email,
        subject="Confirm your subscription to the Atoll newsletter",
        text=text,
        unsubscribe_url=unsubscribe,
    )


_LINK_ERRORS = (ErrorCode.BAD_REQUEST, ErrorCode.NOT_FOUND)


def _by_link(session: Session, token_column: Any, token: str) -> Subscriber | None:
    """The subscriber whose link this is: ``token_column`` holds the token's hash."""
    return session.exec(select(Subscriber).where(col(token_column) == token_hash(token))).first()


@action(
    "newsletter.confirm",
    input=SubscriberToken,
    summary="Confirm a subscription with the token from the confirmation email.",
    errors=_LINK_ERRORS,
)
def confirm(*, session: Session, data: SubscriberToken, ctx: ActionContext) -> dict[str, str]:
    """Activate the subscriber; opening the link again still answers "You're subscribed."."""
    subscriber = _by_link(session, Subscriber.confirm_token_hash, data.token)
    now = utcnow()
    if subscriber is None or subscriber.status == "unsubscribed":
        raise ActionError(ErrorCode.NOT_FOUND, CONFIRM_INVALID)
    if subscriber.status == "pending":
        sent = subscriber.confirm_sent_at or subscriber.created_at
        if now - sent > CONFIRM_TTL:
            raise ActionError(ErrorCode.NOT_FOUND, CONFIRM_INVALID)
        subscriber.status = "active"
        subscriber.confirmed_at = now
        session.add(subscriber)
    return {"message": CONFIRMED}


@action(
    "newsletter.unsubscribe",
    input=SubscriberToken,
    summary="Stop the newsletter with the token from any newsletter email; no sign-in needed.",
    errors=_LINK_ERRORS,
)
def unsubscribe(*, session: Session, data: SubscriberToken, ctx: ActionContext) -> dict[str, str]:
    """Unsubscribe for good: the confirmation link dies too, so it cannot re-subscribe."""
    subscriber = _by_link(session, Subscriber.unsubscribe_token_hash, data.token)
    if subscriber is None:
        raise ActionError(ErrorCode.NOT_FOUND, UNSUBSCRIBE_INVALID)
    if subscriber.status != "unsubscribed":
        subscriber.status = "unsubscribed"
        subscriber.unsubscribed_at = utcnow()
        subscriber.confirm_token_hash = None
        session.add(subscriber)
    return {"message": UNSUBSCRIBED}
