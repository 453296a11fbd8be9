"""Another connection holds the write lock longer than the busy timeout.

Writers wait ``DATABASE_BUSY_TIMEOUT_MS`` for the lock, then answer SERVICE_UNAVAILABLE
with the one fixed message, over HTTP (503) and over the websocket (a toast); reads go on
(WAL), nothing half-written is left, and the same writes succeed once the lock is gone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import func, select

from db.core import errors
from db.core.engine import session_scope
from db.models import Comment, GuestbookEntry, Like, LikeCount
from db.visitors import COOKIE_NAME, new_visitor_id
from tests.chromium import browser_context, wait_until_live
from tests.factories import comment_payload, guestbook_payload, rating_payload
from tests.server import HEALTH_HEADERS, AppServer, prepare_database, use_database
from tests.sql import write_lock

BUSY_TIMEOUT_MS = 300
SLUG = "hello-atoll"
BUSY = {"error": {"code": "SERVICE_UNAVAILABLE", "message": errors.DATABASE_BUSY, "fields": {}}}

WRITES = [
    ("likes.toggle", {"post_slug": SLUG, "liked": True}),
    ("comments.create", comment_payload(post_slug=SLUG, content="Written while the lock was held")),
    ("guestbook.add", guestbook_payload(content="Signed while the lock was held")),
    ("ratings.rate", rating_payload(post_slug=SLUG)),
]


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The full app (frontend too) with a short busy timeout."""
    root = tmp_path_factory.mktemp("busy")
    server = AppServer.start(
        prepare_database(root / "atoll.db"),
        root / "server.log",
        env={"DATABASE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS)},
    )
    yield server
    server.stop()


@pytest.fixture
def busy_db(busy_server: AppServer) -> Iterator[str]:
    with use_database(busy_server.database_url) as url:
        yield url


def stored_likes() -> int:
    with session_scope() as session:
        return session.exec(select(LikeCount.likes).where(LikeCount.post_slug == SLUG)).first() or 0


def rows() -> tuple[int, int, int]:
    with session_scope() as session:
        return (
            session.exec(select(func.count()).select_from(Like)).one(),
            session.exec(select(func.count()).select_from(Comment)).one(),
            session.exec(select(func.count()).select_from(GuestbookEntry)).one(),
        )


@pytest.mark.parametrize(("name", "payload"), WRITES, ids=[name for name, _ in WRITES])
def test_a_held_write_lock_answers_503_with_the_busy_message_then_recovers(
    busy_server: AppServer, busy_db: str, name: str, payload: dict
):
    with httpx.Client(
        base_url=busy_server.base_url, timeout=15, cookies={COOKIE_NAME: new_visitor_id()}
    ) as client:
        before = rows()
        with write_lock(busy_db):
            started = time.monotonic()
            response = client.post(f"/api/actions/{name}", json=payload)
            waited = time.monotonic() - started
            assert response.status_code == 503
            assert response.json() == BUSY
            assert BUSY_TIMEOUT_MS / 1000 * 0.9 <= waited < 5  # it waited its turn, then gave up
            # Readers are not blocked by a writer (WAL); the site still shows pages and health.
            assert client.get("/api/comments", params={"post": SLUG}).status_code == 200
            assert (
                client.get("/health", headers=HEALTH_HEADERS).json()["database"]["reachable"]
                is True
            )
        assert rows() == before  # nothing half-written
        again = client.post(f"/api/actions/{name}", json=payload)
        assert again.status_code == 200, again.text
    assert "Traceback" not in Path(busy_server.log_path).read_text()


def test_a_plain_form_post_gets_the_busy_message_as_a_page(busy_server: AppServer, busy_db: str):
    with write_lock(busy_db):
        response = httpx.post(
            f"{busy_server.base_url}/api/actions/likes.toggle",
            data={"post_slug": SLUG, "liked": "true"},
            headers={"Accept": "text/html"},
            cookies={COOKIE_NAME: new_visitor_id()},
            timeout=15,
        )
    assert response.status_code == 503
    assert f"<p id='outcome' role='alert'>{errors.DATABASE_BUSY}</p>" in response.text
    assert "Traceback" not in response.text


def test_a_click_while_the_lock_is_held_shows_the_busy_message_then_works(
    browser: Browser, busy_server: AppServer, busy_db: str
):
    with browser_context(browser, busy_server.base_url) as context:
        page = context.new_page()
        page.goto(f"/blog/{SLUG}")
        wait_until_live(page)  # a click before this would post the plain form instead
        before = str(stored_likes())
        expect(page.locator(".like-count")).to_have_text(before)  # the island has loaded
        with write_lock(busy_db):
            page.locator(".like-button").click()
            expect(page.get_by_text(errors.DATABASE_BUSY)).to_be_visible()
            expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "false")
            expect(page.locator(".like-count")).to_have_text(before)
        page.locator(".like-button").click()
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".like-count")).to_have_text(str(int(before) + 1))
