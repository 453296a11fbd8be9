"""``POST /api/actions/{name}`` against the running app: every path and its exact body."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import GuestbookEntry
from tests.db.test_guestbook import GUESTBOOK_RULES
from tests.factories import PASSWORD, guestbook_payload, make_user
from tests.server import HEALTH_HEADERS

INVALID = "Please correct the highlighted fields."


def entries() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(GuestbookEntry)).one()


def test_valid_json_is_stored_and_answered_with_data(client, server_db):
    before = entries()
    response = client.post("/api/actions/guestbook.add", json=guestbook_payload(author="Grace"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data"}
    assert body["data"]["author"] == "Grace"
    assert entries() == before + 1


@pytest.mark.parametrize(("change", "fields"), GUESTBOOK_RULES)
def test_bad_fields_answer_400_with_the_same_messages(client, server_db, change, fields):
    before = entries()
    response = client.post("/api/actions/guestbook.add", json=guestbook_payload(**change))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert entries() == before


def test_cross_origin_post_is_forbidden_and_stores_nothing(client, server_db):
    before = entries()
    for headers in (
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "null"},
    ):
        response = client.post(
            "/api/actions/guestbook.add", json=guestbook_payload(), headers=headers
        )
        assert response.status_code == 403
        assert response.json() == {
            "error": {
                "code": "FORBIDDEN",
                "message": "Cross-origin requests are not allowed.",
                "fields": {},
            }
        }
    assert entries() == before


def test_same_origin_post_is_allowed(client, api_server):
    response = client.post(
        "/api/actions/guestbook.add",
        json=guestbook_payload(),
        headers={"Origin": api_server.base_url},
    )
    assert response.status_code == 200


def test_body_over_64_kib_is_refused(client, server_db):
    before = entries()
    response = client.post(
        "/api/actions/guestbook.add", json=guestbook_payload(content="x" * (65 * 1024))
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "PAYLOAD_TOO_LARGE",
            "message": "The request body is too large.",
            "fields": {},
        }
    }
    assert entries() == before


def test_chunked_body_over_64_kib_is_refused_without_content_length(client):
    def chunks():
        for _ in range(70):
            yield b"x" * 1024

    response = client.post(
        "/api/actions/guestbook.add", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_unknown_action_is_not_found(client):
    response = client.post("/api/actions/nope.nothing", json={})
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "NOT_FOUND", "message": "No such action.", "fields": {}}
    }


def test_malformed_json_is_a_bad_request(client):
    response = client.post(
        "/api/actions/guestbook.add",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": INVALID,
            "fields": {"__root__": ["The body is not valid JSON."]},
        }
    }


def test_rate_limit_answers_429_with_retry_after(limited_server):
    with httpx.Client(base_url=limited_server.base_url, timeout=10) as c:
        codes = [
            c.post("/api/actions/guestbook.add", json=guestbook_payload()).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        response = c.post("/api/actions/guestbook.add", json=guestbook_payload())
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert response.json() == {
            "error": {
                "code": "TOO_MANY_REQUESTS",
                "message": "Too many requests. Please wait a moment and try again.",
                "fields": {},
            }
        }
        # The limit is per action: another action from the same client still goes through.
        other = c.post(
            "/api/actions/likes.toggle", json={"post_slug": "hello-atoll", "liked": True}
        )
        assert other.status_code == 200


def test_plain_html_form_gets_a_page_listing_field_errors(client, server_db):
    before = entries()
    response = client.post(
        "/api/actions/guestbook.add",
        data={"author": "A", "content": "", "website": ""},
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    # each message under the field's label, as the form shows it, never the raw key
    assert (
        "<ul class='field-errors'>"
        "<li><strong>Name</strong>: Name must be at least 2 characters.</li>"
        "<li><strong>Message</strong>: Message is required.</li></ul>"
    ) in response.text
    assert "<strong>author" not in response.text
    assert "id='back'" in response.text
    assert entries() == before


def test_plain_html_form_says_an_empty_required_field_is_required(client, server_db):
    response = client.post(
        "/api/actions/comments.create",
        data={"post_slug": "hello-atoll", "author": "  ", "content": "Hi", "website": ""},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert (
        "<ul class='field-errors'><li><strong>Name</strong>: Name is required.</li></ul>"
    ) in response.text


def test_plain_html_form_success_page_links_back(client, api_server, server_db):
    before = entries()
    response = client.post(
        "/api/actions/guestbook.add",
        data={"author": "No Script", "content": "Hello without JS", "website": ""},
        headers={"Accept": "text/html", "Referer": api_server.base_url + "/guestbook/"},
    )
    assert response.status_code == 200
    assert "Saved. Thank you!" in response.text
    assert f"href='{api_server.base_url}/guestbook/'" in response.text
    assert entries() == before + 1


def test_likes_over_http_use_the_visitor_cookie(api_server):
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:
        first = c.post(
            "/api/actions/likes.toggle", json={"post_slug": "hello-atoll", "liked": True}
        )
        assert first.status_code == 200
        assert "atoll_visitor" in first.cookies
        start = first.json()["data"]["likes"]
        again = c.post(
            "/api/actions/likes.toggle", json={"post_slug": "hello-atoll", "liked": True}
        )
        assert again.json() == {"data": {"post_slug": "hello-atoll", "likes": start, "liked": True}}
        assert "set-cookie" not in again.headers  # the cookie is kept, not reissued
        off = c.post(
            "/api/actions/likes.toggle", data={"post_slug": "hello-atoll", "liked": "false"}
        )
        assert off.json() == {
            "data": {"post_slug": "hello-atoll", "likes": start - 1, "liked": False}
        }


def test_health_reports_database_reachability(client):
    response = client.get("/health", headers=HEALTH_HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True


def test_health_shows_only_liveness_without_the_token(client):
    public = client.get("/health")
    assert public.status_code == 200
    assert public.json() == {"status": "ok"}
    wrong = client.get("/health", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.json() == {"status": "ok"}


def test_health_shows_its_detail_to_a_signed_in_admin(client, server_db):
    make_user("boss@example.com", role="admin")
    with httpx.Client(base_url=str(client.base_url), timeout=10) as admin:
        assert (
            admin.post(
                "/api/auth/login", json={"email": "boss@example.com", "password": PASSWORD}
            ).status_code
            == 200
        )
        assert admin.get("/health").json()["database"]["reachable"] is True
