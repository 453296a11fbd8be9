"""Comments over HTTP against the running app: the action rules and ``GET /api/comments``."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import Comment
from tests.db.test_comments import COMMENT_RULES, PUBLIC_KEYS, rule_payload
from tests.factories import comment_payload, make_post, make_user, sign_in
from tests.server import AppServer
from tests.threads import at_once

POST = "hello-atoll"
INVALID = "Please correct the highlighted fields."
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


def unique(text: str = "HTTP comment") -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def post_comment(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = client.post(
        "/api/actions/comments.create",
        json=comment_payload(post_slug=POST, content=unique()) | changes,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def snapshot(comment_id: int) -> tuple[int, dict[str, Any]]:
    with session_scope() as session:
        total = session.exec(select(func.count()).select_from(Comment)).one()
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return total, comment.model_dump()


@pytest.mark.parametrize(("action", "change", "fields"), COMMENT_RULES)
def test_every_rule_answers_400_with_the_same_message(client, server_db, action, change, fields):
    mine = post_comment(client)
    cid = mine["comment"]["id"]
    before = snapshot(cid)
    payload = rule_payload(action, change, post_slug=POST, comment_id=cid, token=mine["edit_token"])
    response = client.post(f"/api/actions/{action}", json=payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert snapshot(cid) == before


def test_create_update_delete_round_trip(client, server_db):
    created = post_comment(client, author="Http Author", content="<b>First</b>")
    assert set(created) == {"comment", "edit_token", "edit_token_expires_at"}
    assert set(created["comment"]) == PUBLIC_KEYS
    assert created["comment"]["content"] == "<b>First</b>"
    cid, token = created["comment"]["id"], created["edit_token"]

    updated = client.post(
        "/api/actions/comments.update", json={"id": cid, "content": "Second", "edit_token": token}
    )
    assert updated.status_code == 200
    assert {k: updated.json()["data"][k] for k in ("id", "content", "edited")} == {
        "id": cid,
        "content": "Second",
        "edited": True,
    }

    deleted = client.post("/api/actions/comments.delete", json={"id": cid, "edit_token": token})
    assert deleted.json() == {"data": {"id": cid, "post_slug": POST}}
    with session_scope() as session:
        row = session.get(Comment, cid)
        assert row is not None and row.is_removed is True


def test_not_found_before_forbidden_over_http(client, server_db):
    mine = post_comment(client)
    cid = mine["comment"]["id"]
    for action in ("comments.update", "comments.delete"):
        missing = client.post(
            f"/api/actions/{action}",
            json={"id": cid + 10**9, "content": "x", "edit_token": "wrong"},
        )
        assert missing.status_code == 404
        assert missing.json() == {
            "error": {"code": "NOT_FOUND", "message": "Comment not found.", "fields": {}}
        }
        wrong = client.post(
            f"/api/actions/{action}", json={"id": cid, "content": "x", "edit_token": "wrong"}
        )
        assert wrong.status_code == 403
        assert wrong.json() == {
            "error": {
                "code": "FORBIDDEN",
                "message": "You can only change your own comments.",
                "fields": {},
            }
        }
    assert snapshot(cid)[1]["content"] == mine["comment"]["content"]


def test_create_on_an_unknown_post_is_not_found(client, server_db):
    content = unique()
    response = client.post(
        "/api/actions/comments.create",
        json=comment_payload(post_slug="no-such-post", content=content),
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    with session_scope() as session:
        assert session.exec(select(Comment).where(Comment.content == content)).first() is None


def test_concurrent_duplicate_posts_from_one_browser_store_one_row(api_server, server_db):
    content = unique("Double submit")
    with httpx.Client(base_url=api_server.base_url, timeout=20) as c:
        c.post(
            "/api/actions/likes.toggle", json={"post_slug": POST, "liked": False}
        )  # get a cookie
        assert "atoll_visitor" in c.cookies
        bodies: list[dict[str, Any]] = []

        def submit(_: int) -> None:
            bodies.append(
                c.post(
                    "/api/actions/comments.create",
                    json=comment_payload(post_slug=POST, content=content),
                ).json()
            )

        at_once(8, submit)
    assert len({b["data"]["comment"]["id"] for b in bodies}) == 1
    assert sum(1 for b in bodies if b["data"]["edit_token"]) == 1
    with session_scope() as session:
        assert (
            session.exec(
                select(func.count()).select_from(Comment).where(Comment.content == content)
            ).one()
            == 1
        )


def test_plain_html_form_posts_a_comment(client, api_server, server_db):
    content = unique("Posted without JavaScript")
    response = client.post(
        "/api/actions/comments.create",
        data={"post_slug": POST, "author": "No Script", "content": content, "website": ""},
        headers={"Accept": "text/html", "Referer": f"{api_server.base_url}/blog/{POST}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Saved. Thank you!" in response.text
    assert f"href='{api_server.base_url}/blog/{POST}'" in response.text
    with session_scope() as session:
        assert (
            session.exec(select(Comment).where(Comment.content == content)).one().author_name
            == "No Script"
        )


def test_get_comments_shape_headers_and_etag(client, server_db):
    mine = post_comment(client, content="<b>bold</b> for the API")
    response = client.get("/api/comments", params={"post": POST, "page": 1})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == CACHE_CONTROL
    body = response.json()
    assert set(body) == {"items", "page", "pages", "total"}
    assert body["page"] == 1
    assert body["total"] >= 1 and body["pages"] == -(-body["total"] // 20)
    assert 1 <= len(body["items"]) <= 20
    assert all(set(item) == PUBLIC_KEYS for item in body["items"])
    assert all(item["post_slug"] == POST for item in body["items"])
    created = [item["created_at"] for item in body["items"]]
    assert created == sorted(created)  # oldest first

    etag = response.headers["etag"]
    assert etag == '"' + hashlib.sha256(response.content).hexdigest() + '"'  # strong, body hash
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = client.get(
            "/api/comments", params={"post": POST, "page": 1}, headers={"If-None-Match": header}
        )
        assert cached.status_code == 304, header
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == CACHE_CONTROL
    stale = client.get(
        "/api/comments", params={"post": POST, "page": 1}, headers={"If-None-Match": '"stale"'}
    )
    assert stale.status_code == 200 and stale.content == response.content

    # Editing a comment changes its page's body, so the old ETag no longer matches.
    last = {"post": POST, "page": body["pages"]}  # where the new comment is
    before = client.get("/api/comments", params=last)
    assert mine["comment"]["id"] in [i["id"] for i in before.json()["items"]]
    client.post(
        "/api/actions/comments.update",
        json={
            "id": mine["comment"]["id"],
            "content": "changed for the ETag",
            "edit_token": mine["edit_token"],
        },
    )
    after = client.get(
        "/api/comments", params=last, headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["etag"] == '"' + hashlib.sha256(after.content).hexdigest() + '"'


def test_get_comments_never_shows_private_fields(client, server_db):
    mine = post_comment(client, content=unique("Private check"))
    with session_scope() as session:
        stored = session.get(Comment, mine["comment"]["id"])
        assert stored is not None
        secrets = [mine["edit_token"], stored.edit_token_hash, stored.visitor_id]
    assert all(secrets)
    pages = client.get("/api/comments", params={"post": POST}).json()["pages"]
    text = client.get("/api/comments", params={"post": POST, "page": pages}).text
    assert mine["comment"]["content"] in text
    for secret in secrets:
        assert secret not in text
    for key in ("edit_token", "visitor_id", "user_id", "email", "is_removed", "is_public"):
        assert f'"{key}"' not in text
    items = json.loads(text)["items"]
    assert all(set(item) == PUBLIC_KEYS for item in items)


def test_get_comments_hides_deleted_comments(client, server_db):
    mine = post_comment(client, content=unique("Soon gone"))
    client.post(
        "/api/actions/comments.delete",
        json={"id": mine["comment"]["id"], "edit_token": mine["edit_token"]},
    )
    pages = client.get("/api/comments", params={"post": POST}).json()["pages"]
    for page in range(1, pages + 1):
        items = client.get("/api/comments", params={"post": POST, "page": page}).json()["items"]
        assert mine["comment"]["id"] not in [i["id"] for i in items]


@pytest.mark.parametrize(
    "params", [{}, {"post": ""}, {"post": "no-such-post"}, {"post": "no-such-post", "page": 2}]
)
def test_get_comments_for_a_missing_or_unknown_post_is_404(client, params):
    response = client.get("/api/comments", params=params)
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    assert "etag" not in response.headers


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("abc", "Page must be a whole number."),
        ("1.5", "Page must be a whole number."),
        ("0", "Page must be between 1 and 1000000."),
        ("-2", "Page must be between 1 and 1000000."),
        ("1000001", "Page must be between 1 and 1000000."),
        ("", "Page must be a whole number."),
    ],
)
def test_get_comments_with_a_bad_page_is_400(client, page, message):
    response = client.get("/api/comments", params={"post": POST, "page": page})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": {"page": [message]}}
    }


def test_get_comments_rate_limit_answers_429(limited_server: AppServer):
    with httpx.Client(base_url=limited_server.base_url, timeout=10) as c:
        codes = [c.get("/api/comments", params={"post": POST}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        last = c.get("/api/comments", params={"post": POST})
        assert last.status_code == 429 and 1 <= int(last.headers["Retry-After"]) <= 60


# --------------------------------------------------------------------------- members-only posts

SIGN_IN = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "Sign in to read or comment on members-only posts.",
        "fields": {},
    }
}


@pytest.fixture
def members_post(server_db) -> str:
    """A fresh members-only post in the server's database (dated long ago: no list moves)."""
    slug = f"members-{uuid.uuid4().hex[:8]}"
    make_post(slug, members_only=True, published_at=datetime(2001, 1, 1, tzinfo=UTC))
    return slug


@pytest.fixture
def member(api_server, server_db) -> Iterator[httpx.Client]:
    """A client signed in as a fresh member account."""
    token = sign_in(make_user(f"member-{uuid.uuid4().hex[:8]}@example.com", display_name="Member"))
    with httpx.Client(
        base_url=api_server.base_url, timeout=10, cookies={"atoll_session": token}
    ) as c:
        yield c


def test_a_members_only_posts_comments_are_401_to_signed_out_callers(client, members_post):
    content = unique("Sneaking in")
    created = client.post(
        "/api/actions/comments.create",
        json=comment_payload(post_slug=members_post, content=content),
    )
    assert created.status_code == 401
    assert created.json() == SIGN_IN
    listed = client.get("/api/comments", params={"post": members_post})
    assert listed.status_code == 401
    assert listed.json() == SIGN_IN
    assert "etag" not in listed.headers and "public" not in listed.headers.get("cache-control", "")
    with session_scope() as session:
        assert (
            session.exec(
                select(func.count()).select_from(Comment).where(Comment.post_slug == members_post)
            ).one()
            == 0
        )


def test_members_read_and_write_them_and_the_answer_is_never_publicly_cached(
    client, member, members_post
):
    content = unique("For members")
    created = member.post(
        "/api/actions/comments.create",
        json=comment_payload(post_slug=members_post, content=content),
    )
    assert created.status_code == 200, created.text
    assert created.json()["data"]["comment"]["author_name"] == "Member"

    listed = member.get("/api/comments", params={"post": members_post})
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "private, no-store"
    assert [i["content"] for i in listed.json()["items"]] == [content]
    again = member.get(
        "/api/comments",
        params={"post": members_post},
        headers={"If-None-Match": listed.headers["etag"]},
    )
    assert again.status_code == 304 and again.headers["cache-control"] == "private, no-store"

    assert client.get("/api/comments", params={"post": members_post}).status_code == 401
    public = member.get("/api/comments", params={"post": POST})  # a public post: still cacheable
    assert public.status_code == 200 and public.headers["cache-control"] == CACHE_CONTROL
