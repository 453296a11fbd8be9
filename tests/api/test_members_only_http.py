"""``GET /blog/<slug>`` for a members-only post: its no-JS comments are for signed-in visitors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.factories import comment_payload, make_post, make_user, sign_in

FORM = "action='/api/actions/comments.create'"
NOTICE = "Sign in</a> to read and join the discussion."
PRIVATE = "private, no-store"


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


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
    with httpx.Client(base_url=api_server.base_url, timeout=10,
                      cookies={"atoll_session": token}) as c:
        yield c


def comment_on(client: httpx.Client, slug: str, content: str) -> None:
    created = client.post("/api/actions/comments.create",
                          json=comment_payload(post_slug=slug, content=content))
    assert created.status_code == 200, created.text


def test_signed_out_visitors_get_neither_the_comments_nor_the_form(client, member, members_post):
    content = unique("Members talking")
    comment_on(member, members_post, content)

    response = client.get(f"/blog/{members_post}")
    assert response.status_code == 200
    assert content not in response.text
    assert FORM not in response.text
    assert "Comments (" not in response.text
    assert f"<a href='/login?next=/blog/{members_post}'>{NOTICE}" in response.text
    assert response.headers["cache-control"] == PRIVATE

    # A session cookie that is no longer signed in reads as signed out.
    ended = httpx.Client(base_url=str(client.base_url), timeout=10,
                         cookies={"atoll_session": "not-a-live-session"})
    with ended:
        stale = ended.get(f"/blog/{members_post}")
    assert stale.status_code == 200
    assert content not in stale.text and FORM not in stale.text and NOTICE in stale.text


def test_signed_in_members_get_the_comments_and_the_form(member, members_post):
    content = unique("Members talking")
    comment_on(member, members_post, content)

    response = member.get(f"/blog/{members_post}")
    assert response.status_code == 200
    assert content in response.text
    assert FORM in response.text
    assert f"<input type='hidden' name='post_slug' value='{members_post}'>" in response.text
    assert "Comments (1)" in response.text
    assert NOTICE not in response.text
    assert response.headers["cache-control"] == PRIVATE


def test_a_public_posts_page_still_shows_its_comments_to_everyone(client, server_db):
    slug = f"public-{uuid.uuid4().hex[:8]}"
    make_post(slug, published_at=datetime(2001, 1, 1, tzinfo=UTC))
    content = unique("Open talk")
    comment_on(client, slug, content)

    response = client.get(f"/blog/{slug}")
    assert response.status_code == 200
    assert content in response.text and FORM in response.text
    assert NOTICE not in response.text
    assert PRIVATE not in response.headers.get("cache-control", "")
