"""``contact.send`` over HTTP against the running backend: same rules, same messages."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, func, select

from db.core.engine import session_scope
from db.models import ContactMessage, Outbox
from tests.db.test_contact import CONTACT_RULES
from tests.factories import contact_payload
from tests.waiting import eventually

INVALID = "Please correct the highlighted fields."
RECEIVED = "Thanks! Your message has been received."
NO_SMTP = "SMTP_HOST/MAIL_FROM not set: email is stored in the outbox, not sent"


def counts() -> tuple[int, int]:
    with session_scope() as session:
        return (
            session.exec(select(func.count()).select_from(ContactMessage)).one(),
            session.exec(select(func.count()).select_from(Outbox)).one(),
        )


def test_a_message_is_stored_with_its_outbox_row(client, server_db):
    name = f"Ada {uuid.uuid4().hex[:8]}"
    messages, mails = counts()
    response = client.post("/api/actions/contact.send", json=contact_payload(name=name))
    assert response.status_code == 200
    assert response.json() == {"data": {"message": RECEIVED}}
    assert counts() == (messages + 1, mails + 1)
    with session_scope() as session:
        stored = session.exec(select(ContactMessage).where(ContactMessage.name == name)).one()
    assert stored.email == "ada@example.com"


def test_without_smtp_the_server_only_stores_the_mail(client, api_server, server_db):
    client.post("/api/actions/contact.send", json=contact_payload())
    # The outbox worker is running and has found no SMTP settings (read once at start-up):
    # it claims nothing then, so what was stored stays untouched, waiting for a server that
    # has them. Without this line the check below would pass with no worker at all.
    eventually(lambda: NO_SMTP in api_server.log_path.read_text(errors="replace"))
    with session_scope() as session:
        row = session.exec(select(Outbox).order_by(col(Outbox.id).desc())).first()
    assert row is not None and (row.kind, row.status, row.attempts) == (
        "mail.contact",
        "pending",
        0,
    )


@pytest.mark.parametrize(("change", "fields"), CONTACT_RULES)
def test_bad_fields_answer_400_with_the_same_messages(client, server_db, change, fields):
    before = counts()
    response = client.post("/api/actions/contact.send", json=contact_payload(**change))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert counts() == before


def test_plain_html_form_posts_without_javascript(client, api_server, server_db):
    before = counts()
    response = client.post(
        "/api/actions/contact.send",
        data=contact_payload(name="No Script"),
        headers={"Accept": "text/html", "Referer": api_server.base_url + "/contact"},
    )
    assert response.status_code == 200
    assert "Thanks! Your message has been received." in response.text
    assert f"href='{api_server.base_url}/contact'" in response.text
    assert counts() == (before[0] + 1, before[1] + 1)


def test_plain_html_form_lists_field_errors(client, server_db):
    before = counts()
    response = client.post(
        "/api/actions/contact.send",
        data=contact_payload(email="nope", message="short"),
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert "Message must be at least 10 characters." in response.text
    assert counts() == before


def test_body_over_64_kib_is_refused(client, server_db):
    before = counts()
    response = client.post(
        "/api/actions/contact.send", json=contact_payload(message="x" * (65 * 1024))
    )
    assert response.status_code == 413
    assert counts() == before
