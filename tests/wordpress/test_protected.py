"""Password-protected posts against the real WordPress: listed with a lock, content never
stored or publicly served, the right password shows it (plain form and in Chromium), a
wrong one is a field error."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import Post
from db.protected import POSTPASS_COOKIE, WRONG_PASSWORD
from tests.chromium import wait_until_live
from tests.server import AppServer
from tests.waiting import eventually

pytestmark = pytest.mark.server

PASSWORD = "reef tide 42"


def stored(wp_id: int) -> Post | None:
    with session_scope() as session:
        return session.exec(select(Post).where(Post.wp_id == wp_id)).first()


@pytest.fixture
def protected_post(app_db, wp_post: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A published post with a password, synced by its webhook; ``marker`` is in its text."""
    marker = f"lagoon-secret-{uuid.uuid4().hex[:10]}"
    made = wp_post(
        title=f"Locked {marker[-10:]}",
        content=f"<p>Only with the password: {marker}</p><script>window.__x = 1</script>",
        excerpt=f"Excerpt {marker}",
        password=PASSWORD,
    )
    row = eventually(lambda: stored(made["id"]), timeout=30)
    return {"wp_id": made["id"], "slug": row.slug, "marker": marker, "title": row.title}


def _database_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite+libsql:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_protected_post_is_listed_with_a_lock_and_its_text_is_never_stored(
    protected_post, app: httpx.Client, synced_app: AppServer
):
    row = stored(protected_post["wp_id"])
    assert row is not None and row.protected is True and row.status == "publish"
    assert (row.content_html, row.excerpt_html) == ("", "")
    # Not in any column, table, index or the WAL: the sync authenticates as an admin, and
    # WordPress's text must still never reach the file.
    assert protected_post["marker"].encode() not in _database_bytes(synced_app.database_url)

    def listed() -> str | None:
        html = app.get("/blog").text
        return html if protected_post["title"] in html else None

    html = eventually(listed, timeout=30)
    card = html[html.index(protected_post["title"]) :][:3000]
    assert "post-lock" in card and protected_post["marker"] not in html


def test_the_public_page_is_a_password_form_without_the_text(protected_post, app: httpx.Client):
    response = app.get(f"/blog/{protected_post['slug']}")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    assert protected_post["marker"] not in response.text
    assert 'id="posts-unlock"' in response.text and 'action="/api/posts/unlock"' in response.text
    assert 'id="like-button' not in response.text and "comment-form" not in response.text
    rss = app.get("/rss.xml").text
    assert protected_post["marker"] not in rss


def _unlock(app: httpx.Client, base: str, slug: str, password: str, **headers: str):
    return app.post(
        "/api/posts/unlock",
        data={"post_slug": slug, "password": password},
        headers={"Origin": base, **headers},
    )


def test_the_right_password_without_javascript_shows_the_text_to_that_visitor_alone(
    protected_post, app: httpx.Client, synced_app: AppServer
):
    base, slug = synced_app.base_url, protected_post["slug"]
    answered = _unlock(app, base, slug, PASSWORD, Accept="text/html")
    assert answered.status_code == 303
    assert urlsplit(answered.headers["location"]).path == f"/blog/{slug}"
    set_cookie = answered.headers["set-cookie"]
    assert set_cookie.startswith(f"{POSTPASS_COOKIE}=") and "HttpOnly" in set_cookie
    assert PASSWORD not in set_cookie and PASSWORD.replace(" ", "+") not in set_cookie
    assert "private" in answered.headers["cache-control"]

    page = app.get(f"/blog/{slug}")  # the client keeps the cookie, as a browser does
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert protected_post["marker"] in page.text
    assert "window.__x" not in page.text  # sanitized like every synced post
    assert 'id="posts-unlock"' not in page.text
    # The shared page is still the form: nothing of that visitor's page was cached.
    with httpx.Client(base_url=base) as stranger:
        public = stranger.get(f"/blog/{slug}")
    assert public.headers["cache-control"].startswith("public")
    assert protected_post["marker"] not in public.text
    row = stored(protected_post["wp_id"])
    assert row is not None and row.content_html == ""  # shown, never written


def test_a_wrong_password_is_a_field_error_and_sets_nothing(
    protected_post, app: httpx.Client, synced_app: AppServer
):
    base, slug = synced_app.base_url, protected_post["slug"]
    answered = _unlock(app, base, slug, "not it", Accept="application/json")
    assert answered.status_code == 400
    assert answered.json()["error"]["fields"] == {"password": [WRONG_PASSWORD]}
    assert "set-cookie" not in answered.headers
    plain = _unlock(app, base, slug, "still not it", Accept="text/html")
    assert plain.status_code == 400
    assert "<strong>Password</strong>: " + WRONG_PASSWORD in plain.text
    # A cookie sealed elsewhere (or forged) opens nothing.
    with httpx.Client(base_url=base, cookies={POSTPASS_COOKIE: "AAAA" * 20}) as forger:
        forged = forger.get(f"/blog/{slug}")
    assert forged.status_code == 200 and protected_post["marker"] not in forged.text


def test_likes_are_refused_on_a_protected_post(protected_post, app: httpx.Client, synced_app):
    liked = app.post(
        "/api/actions/likes.toggle",
        json={"post_slug": protected_post["slug"], "liked": True},
        headers={"Origin": synced_app.base_url},
    )
    assert liked.status_code == 404


@pytest.mark.browser
def test_in_chromium_a_wrong_password_shows_under_the_field_and_the_right_one_opens_it(
    protected_post, page: Page, synced_app: AppServer
):
    page.goto(f"{synced_app.base_url}/blog/{protected_post['slug']}")
    wait_until_live(page)
    field = page.locator("#posts-unlock-password")
    field.fill("wrong guess")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#posts-unlock-password-error")).to_have_text(WRONG_PASSWORD)
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#protected-content")).to_contain_text(protected_post["marker"])
    expect(page.locator("#posts-unlock")).to_have_count(0)
    assert page.evaluate("window.__x") is None
    # HttpOnly: the page's scripts can't read the remembered password.
    assert POSTPASS_COOKIE not in page.evaluate("document.cookie")
    page.reload()
    wait_until_live(page)  # the live page, re-loaded over the websocket, stays unlocked
    expect(page.locator("#protected-content")).to_contain_text(protected_post["marker"])
