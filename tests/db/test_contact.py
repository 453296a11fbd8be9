"""The contact form's domain: validation, storage, and the email the owner receives."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.jobs.mail import deliver_due
from db.models import ContactMessage, Outbox
from tests.factories import contact_payload, visitor_ctx
from tests.smtp import SmtpSink

INVALID = "Please correct the highlighted fields."
RECEIVED = "Thanks! Your message has been received."


def count(model: type) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def stored() -> list[ContactMessage]:
    with session_scope() as session:
        return list(session.exec(select(ContactMessage)).all())


def test_a_message_is_stored_trimmed_and_queued_for_the_owner(database):
    result = run_action(
        "contact.send",
        contact_payload(
            name="  Ada  ", email=" Ada@Example.COM ", subject=" ", message=" Hello, engine! \n"
        ),
        visitor_ctx(),
    )
    assert result.envelope() == {"data": {"message": RECEIVED}}
    [message] = stored()
    assert (message.name, message.subject, message.message) == ("Ada", "", "Hello, engine!")
    assert message.email == "Ada@example.com"  # email-validator lower-cases the domain only
    assert message.is_read is False
    with session_scope() as session:
        [row] = session.exec(select(Outbox)).all()
    assert (row.kind, row.status, row.attempts) == ("mail.contact", "pending", 0)
    assert row.payload["to"] is None  # the owner, resolved from CONTACT_TO when sent


# Every rule of contact.send with its exact message; the HTTP tests reuse this table.
CONTACT_RULES = [
    ({"name": "A"}, {"name": ["Name must be at least 2 characters."]}),
    ({"name": "   "}, {"name": ["Name is required."]}),
    ({"name": "x" * 81}, {"name": ["Name must be at most 80 characters."]}),
    ({"email": ""}, {"email": ["Email is required."]}),
    ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
    ({"email": "ada@example"}, {"email": ["Enter a valid email address."]}),
    ({"email": "ada @example.com"}, {"email": ["Enter a valid email address."]}),
    ({"email": "a" * 243 + "@example.com"}, {"email": ["Email must be at most 254 characters."]}),
    ({"subject": "x" * 121}, {"subject": ["Subject must be at most 120 characters."]}),
    ({"message": "Too short"}, {"message": ["Message must be at least 10 characters."]}),
    ({"message": ""}, {"message": ["Message is required."]}),
    ({"message": "x" * 5001}, {"message": ["Message must be at most 5000 characters."]}),
    ({"website": "http://spam.example"}, {"website": ["Leave this field empty."]}),
    (
        {"name": "A", "email": "nope", "subject": "x" * 121, "message": "short", "website": "x"},
        {
            "name": ["Name must be at least 2 characters."],
            "email": ["Enter a valid email address."],
            "subject": ["Subject must be at most 120 characters."],
            "message": ["Message must be at least 10 characters."],
            "website": ["Leave this field empty."],
        },
    ),
]


@pytest.mark.parametrize(("change", "fields"), CONTACT_RULES)
def test_each_rule_has_an_exact_message_and_stores_nothing(database, change, fields):
    result = run_action("contact.send", contact_payload(**change), visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert count(ContactMessage) == 0
    assert count(Outbox) == 0


def test_limits_are_inclusive(database):
    edge = contact_payload(name="Al", subject="x" * 120, message="x" * 10)
    assert run_action("contact.send", edge, visitor_ctx()).ok
    longest = contact_payload(name="x" * 80, message="x" * 5000)
    assert run_action("contact.send", longest, visitor_ctx()).ok
    assert count(ContactMessage) == 2


def test_missing_fields_are_required_and_subject_is_optional(database):
    result = run_action("contact.send", {}, visitor_ctx())
    assert result.error is not None
    assert result.error.fields == {
        "name": ["Name is required."],
        "email": ["Email is required."],
        "message": ["Message is required."],
    }


def test_the_owner_receives_the_message_over_smtp(database, smtp):
    run_action(
        "contact.send",
        contact_payload(
            name="Ada Lovelace",
            email="ada@example.com",
            subject="Engines",
            message="Could the engine\ncompose music?",
        ),
        visitor_ctx(),
    )
    assert deliver_due().done == 1
    [mail] = smtp.received
    assert mail.mail_from == "atoll@example.com"
    assert mail.rcpt_tos == ("owner@example.com",)
    assert mail.message["From"] == "Atoll <atoll@example.com>"
    assert mail.message["To"] == "owner@example.com"
    assert mail.message["Reply-To"] == "Ada Lovelace <ada@example.com>"
    assert mail.message["Subject"] == "[Atoll contact] Engines"
    assert mail.body.startswith("Ada Lovelace <ada@example.com> wrote through the contact form:\n")
    assert "Could the engine\ncompose music?\n" in mail.body
    with session_scope() as session:
        [row] = session.exec(select(Outbox)).all()
    assert mail.message_id == row.payload["message_id"]


def test_contact_to_defaults_to_mail_from(database, smtp, monkeypatch):
    monkeypatch.delenv("CONTACT_TO")
    run_action("contact.send", contact_payload(), visitor_ctx())
    deliver_due()
    assert smtp.received[0].rcpt_tos == ("atoll@example.com",)


def test_without_a_subject_the_mail_names_the_sender(database, smtp):
    run_action("contact.send", contact_payload(subject=""), visitor_ctx())
    deliver_due()
    assert smtp.received[0].message["Subject"] == "[Atoll contact] Message from Ada Lovelace"


def test_line_breaks_cannot_inject_headers(database, smtp):
    payload = contact_payload(
        name="Ada\r\nBcc: victim@example.com", subject="Hi\nBcc: victim@example.com"
    )
    assert run_action("contact.send", payload, visitor_ctx()).ok
    assert deliver_due().done == 1
    [mail] = smtp.received
    assert mail.rcpt_tos == ("owner@example.com",)
    assert mail.message["Bcc"] is None
    assert mail.message["Subject"] == "[Atoll contact] Hi Bcc: victim@example.com"


def test_messages_stored_before_smtp_was_configured_go_out_later(database, monkeypatch):
    run_action("contact.send", contact_payload(), visitor_ctx())
    assert deliver_due().configured is False
    with SmtpSink().configure(monkeypatch) as sink:
        assert deliver_due().done == 1
        assert sink.received[0].rcpt_tos == ("owner@example.com",)
