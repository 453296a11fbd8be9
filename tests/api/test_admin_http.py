"""Admin actions and the subscriber CSV over HTTP: the session cookie and the role decide."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from db.core.engine import session_scope
from db.models import Comment, ContactMessage, GuestbookEntry, Outbox, Subscriber
from tests.factories import make_user, sign_in

SIGN_IN = {
    "error": {"code": "UNAUTHORIZED", "message": "Please sign in to continue.", "fields": {}}
}
ADMINS = {
    "error": {"code": "FORBIDDEN", "message": "Only administrators can do that.", "fields": {}}
}


def _client(base_url: str, token: str | None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, timeout=10, cookies={"atoll_session": token} if token else None
    )


@pytest.fixture
def browsers(api_server, server_db) -> Iterator[dict[str, httpx.Client]]:
    """One client per kind of caller: no cookie, a member's, an admin's."""
    tag = uuid.uuid4().hex[:8]
    member = sign_in(make_user(f"member-{tag}@example.com"))
    admin = sign_in(make_user(f"admin-{tag}@example.com", role="admin"))
    clients = {
        "anonymous": _client(api_server.base_url, None),
        "member": _client(api_server.base_url, member),
        "admin": _client(api_server.base_url, admin),
    }
    yield clients
    for c in clients.values():
        c.close()


def add(row: Any) -> int:
    with session_scope(write=True) as session:
        session.add(row)
        session.flush()
        return row.id


def payloads() -> dict[str, dict[str, Any]]:
    return {
        "admin.moderate_comment": {
            "id": add(Comment(post_slug="hello-atoll", author_name="Ada", content="Hi")),
            "is_public": False,
        },
        "admin.moderate_entry": {
            "id": add(GuestbookEntry(author="Ada", content="Hello")),
            "is_removed": True,
        },
        "admin.mark_message": {
            "id": add(ContactMessage(name="Ada", email="ada@example.com", message="Hello there!")),
            "is_read": True,
        },
        "admin.retry_outbox": {"id": add(Outbox(kind="mail.contact", payload={}, status="failed"))},
    }


@pytest.mark.parametrize(
    "name",
    ["admin.moderate_comment", "admin.moderate_entry", "admin.mark_message", "admin.retry_outbox"],
)
def test_admin_actions_over_http_need_an_admins_session(browsers, name):
    payload = payloads()[name]
    anonymous = browsers["anonymous"].post(f"/api/actions/{name}", json=payload)
    assert (anonymous.status_code, anonymous.json()) == (401, SIGN_IN)
    member = browsers["member"].post(f"/api/actions/{name}", json=payload)
    assert (member.status_code, member.json()) == (403, ADMINS)
    admin = browsers["admin"].post(f"/api/actions/{name}", json=payload)
    assert admin.status_code == 200, admin.text
    assert admin.json()["data"]["id"] == payload["id"]


def test_sync_now_over_http_needs_an_admins_session(browsers):
    assert browsers["anonymous"].post("/api/actions/admin.sync_now", json={}).json() == SIGN_IN
    assert browsers["member"].post("/api/actions/admin.sync_now", json={}).json() == ADMINS
    # The test server has no WORDPRESS_URL, so an admin gets the explanation, not a run.
    assert browsers["admin"].post("/api/actions/admin.sync_now", json={}).status_code == 409


def test_not_found_before_forbidden_over_http(browsers):
    payload = {"id": 987654321, "is_read": True}
    assert (
        browsers["anonymous"].post("/api/actions/admin.mark_message", json=payload).status_code
        == 401
    )
    member = browsers["member"].post("/api/actions/admin.mark_message", json=payload)
    assert (member.status_code, member.json()["error"]["message"]) == (404, "Message not found.")


def test_a_members_plain_form_gets_the_refusal_page(browsers):
    response = browsers["member"].post(
        "/api/actions/admin.mark_message",
        data={"id": "1", "is_read": "true"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 403
    assert "Only administrators can do that." in response.text


def test_subscriber_csv_only_for_admins(browsers):
    address = f"=sub-{uuid.uuid4().hex[:6]}@example.com"
    add(Subscriber(email=address, status="active"))
    anonymous = browsers["anonymous"].get("/api/admin/subscribers.csv")
    assert (anonymous.status_code, anonymous.json()) == (401, SIGN_IN)
    member = browsers["member"].get("/api/admin/subscribers.csv")
    assert (member.status_code, member.json()) == (403, ADMINS)
    assert address not in member.text
    admin = browsers["admin"].get("/api/admin/subscribers.csv", params={"status": "active"})
    assert admin.status_code == 200
    assert admin.headers["content-type"].startswith("text/csv")
    assert admin.headers["content-disposition"] == 'attachment; filename="subscribers.csv"'
    assert admin.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(admin.text)))
    assert rows[0] == ["email", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    assert ["'" + address, "active"] in [r[:2] for r in rows[1:]]


def test_subscriber_csv_status_is_checked_after_the_role(browsers):
    assert browsers["anonymous"].get("/api/admin/subscribers.csv?status=nope").status_code == 401
    assert browsers["member"].get("/api/admin/subscribers.csv?status=nope").status_code == 403
    bad = browsers["admin"].get("/api/admin/subscribers.csv?status=nope")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "status": ["Status must be one of: all, pending, active, unsubscribed."]
    }
