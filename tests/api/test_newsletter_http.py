"""The newsletter actions over HTTP against the running backend (no SMTP configured there).

Without SMTP the confirmation email waits in the outbox, body and all, so these tests take
the link tokens from its payload — exactly what the email will carry.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import col, func, select

from db.core.engine import session_scope
from db.models import Outbox, Subscriber
from tests.db.test_newsletter import (
    CHECK_INBOX,
    CONFIRM_INVALID,
    CONFIRMED,
    SUBSCRIBE_RULES,
    TOKEN_RULES,
    UNSUBSCRIBE_INVALID,
    UNSUBSCRIBED,
)
from tests.factories import subscriber_payload

INVALID = "Please correct the highlighted fields."


def fresh_email() -> str:
    return f"reader-{uuid.uuid4().hex[:10]}@example.com"


def rows(email: str) -> list[Subscriber]:
    with session_scope() as session:
        return list(session.exec(select(Subscriber).where(Subscriber.email == email)).all())


def subscriber_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Subscriber)).one()


def link_tokens(email: str) -> tuple[str, str]:
    """The confirm and unsubscribe tokens in the newest queued confirmation to ``email``."""
    with session_scope() as session:
        mails = session.exec(select(Outbox).order_by(col(Outbox.id).desc())).all()
    text = next(m.payload["text"] for m in mails if m.payload.get("to") == email)
    confirm = re.search(r"/newsletter/confirm/(\S+)", text)
    unsubscribe = re.search(r"/newsletter/unsubscribe/(\S+)", text)
    assert confirm and unsubscribe
    return confirm.group(1), unsubscribe.group(1)


def test_subscribing_twice_gives_one_row_and_the_same_answer(client, server_db):
    email = fresh_email()
    first = client.post("/api/actions/newsletter.subscribe", json=subscriber_payload(email=email))
    second = client.post(
        "/api/actions/newsletter.subscribe", json=subscriber_payload(email=email.upper())
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == CHECK_INBOX
    assert [r.status for r in rows(email)] == ["pending"]


@pytest.mark.parametrize(("change", "fields"), SUBSCRIBE_RULES)
def test_bad_fields_answer_400_with_the_same_messages(client, server_db, change, fields):
    before = subscriber_count()
    response = client.post("/api/actions/newsletter.subscribe", json=subscriber_payload(**change))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert subscriber_count() == before


@pytest.mark.parametrize("name", ["newsletter.confirm", "newsletter.unsubscribe"])
@pytest.mark.parametrize(("payload", "fields"), TOKEN_RULES)
def test_token_rules_over_http(client, name, payload, fields):
    response = client.post(f"/api/actions/{name}", json=payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }


def test_confirm_and_unsubscribe_over_http(client, server_db):
    email = fresh_email()
    client.post("/api/actions/newsletter.subscribe", json=subscriber_payload(email=email))
    confirm_token, unsubscribe_token = link_tokens(email)
    response = client.post("/api/actions/newsletter.confirm", json={"token": confirm_token})
    assert (response.status_code, response.json()) == (200, CONFIRMED)
    assert [r.status for r in rows(email)] == ["active"]
    response = client.post("/api/actions/newsletter.unsubscribe", json={"token": unsubscribe_token})
    assert (response.status_code, response.json()) == (200, UNSUBSCRIBED)
    assert [r.status for r in rows(email)] == ["unsubscribed"]


def test_unknown_tokens_answer_404(client):
    response = client.post("/api/actions/newsletter.confirm", json={"token": "nope"})
    assert (response.status_code, response.json()) == (404, CONFIRM_INVALID)
    response = client.post("/api/actions/newsletter.unsubscribe", json={"token": "nope"})
    assert (response.status_code, response.json()) == (404, UNSUBSCRIBE_INVALID)


def test_plain_html_form_subscribes_without_javascript(client, api_server, server_db):
    email = fresh_email()
    response = client.post(
        "/api/actions/newsletter.subscribe",
        data={"email": email, "website": ""},
        headers={"Accept": "text/html", "Referer": api_server.base_url + "/"},
    )
    assert response.status_code == 200
    assert "Thanks! Check your inbox for a link to confirm your subscription." in response.text
    assert [r.status for r in rows(email)] == ["pending"]


def test_plain_html_form_shows_the_email_error(client, server_db):
    before = subscriber_count()
    response = client.post(
        "/api/actions/newsletter.subscribe",
        data={"email": "nope", "website": ""},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert subscriber_count() == before
