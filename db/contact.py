"""The contact form: a visitor's message is stored and forwarded to the site owner by email.

The message row and its outbox row are written in one transaction, so a stored message
is always forwarded (eventually) and a failed save never sends a stray email.
"""

from __future__ import annotations

from email.utils import formataddr

from sqlmodel import Session

from db.core import config
from db.core.actions import ActionContext, action
from db.jobs.mail import OutgoingMail, enqueue_mail
from db.models import ContactMessage, ContactMessageCreate

MAIL_KIND = "mail.contact"
RECEIVED = "Thanks! Your message has been received."


@action(
    "contact.send",
    input=ContactMessageCreate,
    summary="Send the site owner a message; it is stored and forwarded by email.",
)
def send_message(
    *, session: Session, data: ContactMessageCreate, ctx: ActionContext
) -> dict[str, str]:
    message = ContactMessage.model_validate(data.model_dump(exclude={"website"}))
    session.add(message)
    session.flush()
    assert message.id is not None
    enqueue_mail(session=session, kind=MAIL_KIND, mail=owner_mail(message))
    return {"message": RECEIVED}


def owner_mail(message: ContactMessage) -> OutgoingMail:
    """The email the owner receives; replying to it answers the visitor directly."""
    name = " ".join(message.name.split())
    subject = " ".join(message.subject.split()) or f"Message from {name}"
    text = (
        f"{name} <{message.email}> wrote through the contact form:\n\n"
        f"Subject: {message.subject or '(none)'}\n\n"
        f"{message.message}\n\n"
        "-- \n"
        f"Contact message #{message.id}, received {message.created_at:%Y-%m-%d %H:%M} UTC "
        f"at {config.site_url()}/contact. Reply to this email to answer {name}.\n"
    )
    return OutgoingMail(
        to=None,
        subject=f"[Atoll contact] {subject}",
        text=text,
        reply_to=formataddr((name, message.email)),
    )
