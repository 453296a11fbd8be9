"""Password-protected posts: the remembered-password cookie and ``posts.unlock`` (WordPress
replaced by a stand-in; tests/wordpress/test_protected.py asks the real one)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from db import protected
from db.core.actions import run_action
from db.core.engine import session_scope
from db.core.errors import ActionError
from db.core.ratelimit import limiter
from db.posts import require_published
from db.protected import (
    POSTPASS_COOKIE,
    REMEMBERED,
    WRONG_PASSWORD,
    ask_wordpress,
    cookie_value,
    remember,
    seal,
    unseal,
)
from db.wordpress.client import WordPressError
from tests.factories import make_post, visitor_ctx

SECRET = "s3cret-for-tests"
PASSWORD = "  open sesame "  # spaces are part of a password


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORDPRESS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WORDPRESS_URL", "http://wordpress.invalid")


@pytest.fixture
def wordpress(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, str]]]:
    """WordPress as ``ask_wordpress`` sees it: post 42's password is :data:`PASSWORD`."""
    asked: list[tuple[int, str]] = []

    def ask(wp_id: int, password: str) -> str | None:
        asked.append((wp_id, password))
        return "<p>The secret</p>" if password == PASSWORD else None

    monkeypatch.setattr(protected, "ask_wordpress", ask)
    limiter.reset()
    yield asked
    limiter.reset()


def test_a_sealed_cookie_opens_only_under_the_same_secret(monkeypatch: pytest.MonkeyPatch):
    value = seal({42: PASSWORD})
    assert PASSWORD.strip() not in value and "sesame" not in value
    assert unseal(value) == {42: PASSWORD}
    monkeypatch.setenv("WORDPRESS_WEBHOOK_SECRET", "another secret")
    assert unseal(value) == {}


@pytest.mark.parametrize("value", ["", "garbage", "a" * 40, "!!!", None, "x" * 9000])
def test_a_forged_or_damaged_cookie_holds_nothing(value: str | None):
    assert unseal(value) == {}


def test_a_tampered_cookie_holds_nothing():
    value = seal({42: PASSWORD})
    flipped = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    assert unseal(flipped) == {}


def test_remember_keeps_the_newest_posts_first_and_at_most_a_few():
    value = None
    for wp_id in range(1, REMEMBERED + 3):
        value = remember(value, wp_id, f"pw{wp_id}")
    kept = unseal(value)
    assert list(kept) == list(range(REMEMBERED + 2, 2, -1))
    assert kept[REMEMBERED + 2] == f"pw{REMEMBERED + 2}"
    assert len(value or "") < 4000  # fits in a cookie even with long passwords
    assert len(remember(None, 1, "p" * 255)) < 4000 / REMEMBERED * 2


def test_the_cookie_is_read_from_a_cookie_header():
    value = seal({7: "pw"})
    assert cookie_value(f"atoll_visitor=abc; {POSTPASS_COOKIE}={value}") == value
    assert cookie_value("atoll_visitor=abc") is None
    assert cookie_value('bad"cookie') is None


def test_the_right_password_unlocks_and_is_sent_as_typed(database, wordpress):
    make_post("locked", wp_id=42, protected=True)
    result = run_action("posts.unlock", {"post_slug": "locked", "password": PASSWORD}, ctx())
    assert result.error is None
    assert result.data == {"post_slug": "locked", "wp_id": 42, "next": "/blog/locked"}
    assert wordpress == [(42, PASSWORD)]


def test_a_wrong_password_is_a_field_error(database, wordpress):
    make_post("locked", wp_id=42, protected=True)
    result = run_action("posts.unlock", {"post_slug": "locked", "password": "nope"}, ctx())
    assert result.error is not None and result.status == 400
    assert result.error.fields == {"password": [WRONG_PASSWORD]}


@pytest.mark.parametrize("slug", ["open-post", "no-such-post"])
def test_only_a_protected_post_can_be_unlocked(database, wordpress, slug: str):
    make_post("open-post", wp_id=43)
    result = run_action("posts.unlock", {"post_slug": slug, "password": "x"}, ctx())
    assert result.status == 404 and wordpress == []


def test_wrong_guesses_are_limited_per_post_and_client_before_asking(database, wordpress):
    make_post("locked", wp_id=42, protected=True)
    make_post("other", wp_id=44, protected=True)
    for _ in range(5):
        assert run_action("posts.unlock", {"post_slug": "locked", "password": "x"}, ctx()).status
    refused = run_action("posts.unlock", {"post_slug": "locked", "password": PASSWORD}, ctx())
    assert refused.status == 429 and refused.error and refused.error.retry_after
    assert len(wordpress) == 5  # the sixth never reached WordPress
    # Another client, or another post, still has its own budget.
    assert run_action(
        "posts.unlock", {"post_slug": "locked", "password": PASSWORD}, ctx("10.0.0.2")
    ).ok
    assert run_action("posts.unlock", {"post_slug": "other", "password": PASSWORD}, ctx()).ok


def test_without_a_secret_nothing_is_unlocked(database, wordpress, monkeypatch):
    monkeypatch.delenv("WORDPRESS_WEBHOOK_SECRET")
    make_post("locked", wp_id=42, protected=True)
    result = run_action("posts.unlock", {"post_slug": "locked", "password": PASSWORD}, ctx())
    assert result.status == 503 and wordpress == []


def test_likes_ratings_and_comments_are_never_taken_on_a_protected_post(database):
    make_post("locked", wp_id=42, protected=True)
    with session_scope() as session, pytest.raises(ActionError) as refused:
        require_published(session, "locked")
    assert refused.value.code.status == 404
    liked = run_action("likes.toggle", {"post_slug": "locked", "liked": True}, visitor_ctx())
    assert liked.status == 404


def ctx(ip: str = "10.0.0.1"):
    return visitor_ctx(client=f"ip:{ip}")


def _wordpress_answering(
    status: int, body: dict
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer), seen


def test_wordpress_is_asked_without_the_application_password(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORDPRESS_USER", "admin")
    monkeypatch.setenv("WORDPRESS_APP_PASSWORD", "app password")
    content = {"rendered": "<p>The secret</p><script>x()</script>", "protected": True}
    transport, seen = _wordpress_answering(200, {"id": 42, "content": content})
    assert ask_wordpress(42, PASSWORD, transport=transport) == "<p>The secret</p>"
    [request] = seen
    assert "authorization" not in request.headers
    assert request.method == "POST" and request.headers["x-http-method-override"] == "GET"
    assert str(request.url) == "http://wordpress.invalid/wp-json/wp/v2/posts/42"
    assert json.loads(request.content)["password"] == PASSWORD  # in the body, as typed


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (403, "rest_post_incorrect_password", None),
        (403, "rest_forbidden", LookupError),
        (404, "rest_post_invalid_id", LookupError),
        (410, "gone", LookupError),
        (500, "internal", WordPressError),
        (503, "busy", WordPressError),
    ],
)
def test_what_wordpress_answers_a_password(status: int, code: str, outcome: type | None):
    transport, seen = _wordpress_answering(status, {"code": code})
    if outcome is None:
        assert ask_wordpress(42, "nope", transport=transport) is None
    else:
        with pytest.raises(outcome):
            ask_wordpress(42, "nope", transport=transport)
    assert len(seen) == 1  # never retried: a visitor is waiting


def test_without_wordpress_s_address_nothing_is_asked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WORDPRESS_URL")
    with pytest.raises(WordPressError):
        ask_wordpress(42, PASSWORD)
