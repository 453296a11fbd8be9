"""Editor previews: the signed link's checks and what is fetched (WordPress's REST answers
stood in by an httpx transport; tests/wordpress/test_preview.py uses the real one)."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

import httpx
import pytest

from db.core.errors import ActionError
from db.wordpress.client import WordPressClient, WordPressSettings
from db.wordpress.preview import (
    EXPIRED,
    INVALID,
    NOT_SET_UP,
    check_link,
    fetch_preview,
    preview_path,
    sign,
)

SECRET = "preview-secret"
NOW = 1_800_000_000


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORDPRESS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ATOLL_PREVIEW_SECONDS", "600")


def refusal(*args: str, now: float = NOW) -> tuple[int, str]:
    with pytest.raises(ActionError) as refused:
        check_link(*args, now=now)
    return refused.value.code.status, refused.value.message


def test_the_plugin_s_signature_is_hmac_sha256_of_id_and_time():
    # The same value PHP computes: hash_hmac('sha256', 'atoll-preview:12:1800000000', $secret)
    expected = hmac.new(SECRET.encode(), b"atoll-preview:12:1800000000", "sha256").hexdigest()
    assert sign(SECRET, 12, NOW) == expected
    assert preview_path(SECRET, 12, NOW) == f"/preview/12?issued={NOW}&sig={sign(SECRET, 12, NOW)}"


def test_a_signed_link_opens_its_post_until_it_expires():
    sig = sign(SECRET, 12, NOW)
    assert check_link("12", str(NOW), sig, now=NOW + 600) == 12
    assert check_link("12", str(NOW), sig.upper(), now=NOW) == 12
    assert refusal("12", str(NOW), sig, now=NOW + 601) == (410, EXPIRED)


@pytest.mark.parametrize(
    ("wp_id", "issued", "sig"),
    [
        ("13", str(NOW), sign(SECRET, 12, NOW)),  # another post
        ("12", str(NOW + 1), sign(SECRET, 12, NOW)),  # a later time
        ("12", str(NOW), sign("another secret", 12, NOW)),
        ("12", str(NOW), ""),
        ("12", "", sign(SECRET, 12, NOW)),
        ("12", "-5", "x"),
        ("１２", str(NOW), sign(SECRET, 12, NOW)),  # non-ASCII digits
        ("12", str(NOW), "zz" * 32),
        ("9" * 40, str(NOW), "00"),
        ("abc", str(NOW), "00"),
    ],
)
def test_anything_wordpress_did_not_sign_is_forbidden(wp_id: str, issued: str, sig: str):
    assert refusal(wp_id, issued, sig) == (403, INVALID)


def test_a_link_from_the_future_is_forbidden():
    later = NOW + 3600
    assert refusal("12", str(later), sign(SECRET, 12, later)) == (403, INVALID)
    assert check_link("12", str(NOW + 60), sign(SECRET, 12, NOW + 60), now=NOW) == 12  # skew


def test_without_a_secret_previews_are_not_set_up(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WORDPRESS_WEBHOOK_SECRET")
    assert refusal("12", str(NOW), "00") == (503, NOT_SET_UP)


def _draft(**changes: Any) -> dict[str, Any]:
    return {
        "id": 12,
        "slug": "",
        "status": "draft",
        "date_gmt": None,
        "modified_gmt": "2026-11-22T10:00:00",
        "title": {"rendered": "Draft &amp; title", "raw": "Draft & title"},
        "content": {"rendered": "<p>Draft</p><script>x()</script>", "protected": False},
        "excerpt": {"rendered": "", "protected": False},
    } | changes


def _client(post: dict[str, Any] | None, autosaves: list[dict[str, Any]]) -> WordPressClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Basic ")
        assert request.url.params["context"] == "edit"
        if request.url.path.endswith("/autosaves"):
            return httpx.Response(200, json=autosaves)
        if post is None:
            return httpx.Response(404, json={"code": "rest_post_invalid_id"})
        return httpx.Response(200, content=json.dumps(post).encode())

    settings = WordPressSettings("http://wordpress.invalid", "admin", "app password")
    return WordPressClient(settings, transport=httpx.MockTransport(answer), retries=0)


def test_a_draft_is_fetched_with_the_application_password_and_sanitized():
    item = fetch_preview(12, _client(_draft(), []))
    assert item.post.title == "Draft & title"
    assert item.post.content_html == "<p>Draft</p>"
    assert item.post.status == "draft"


def test_a_newer_autosave_wins_over_the_post_an_older_one_does_not():
    newer = {
        "modified_gmt": "2026-11-22T10:05:00",
        "title": {"rendered": "Autosaved"},
        "content": {"rendered": "<p>Autosaved text</p>"},
        "excerpt": {"rendered": ""},
    }
    older = newer | {"modified_gmt": "2026-11-22T09:00:00", "title": {"rendered": "Old"}}
    post = _draft(status="publish", slug="live")
    assert fetch_preview(12, _client(post, [older, newer])).post.title == "Autosaved"
    assert fetch_preview(12, _client(post, [older])).post.title == "Draft & title"
    same_second = newer | {"modified_gmt": post["modified_gmt"], "title": {"rendered": "Tie"}}
    assert fetch_preview(12, _client(post, [same_second])).post.title == "Tie"


def test_a_protected_draft_shows_its_editor_the_text():
    post = _draft(content={"rendered": "<p>Shh</p>", "protected": True})
    assert fetch_preview(12, _client(post, [])).post.content_html == "<p>Shh</p>"


def test_a_deleted_post_is_not_found_and_no_credentials_is_not_set_up():
    with pytest.raises(ActionError) as missing:
        fetch_preview(12, _client(None, []))
    assert missing.value.code.status == 404
    anonymous = WordPressClient(WordPressSettings("http://wordpress.invalid"))
    with pytest.raises(ActionError) as unset:
        fetch_preview(12, anonymous)
    assert unset.value.code.status == 503


def test_wordpress_down_is_unavailable_not_an_error():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    settings = WordPressSettings("http://wordpress.invalid", "admin", "pw")
    client = WordPressClient(settings, transport=httpx.MockTransport(down), retries=0)
    with pytest.raises(ActionError) as down_error:
        fetch_preview(12, client)
    assert down_error.value.code.status == 503


def test_time_is_what_the_link_is_checked_against():
    issued = int(time.time()) - 10
    assert check_link("5", str(issued), sign(SECRET, 5, issued)) == 5
