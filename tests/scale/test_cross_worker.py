"""Tabs on different workers: likes stay exact, updates travel live, a moved tab keeps its state.

Every test puts its tabs' websockets on chosen backends (``tab_on``) and proves where they
landed from Reflex's socket records in Redis, so "on different workers" is a checked fact.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, Page, WebSocket, expect
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import Comment
from tests.cluster import Cluster
from tests.factories import comment_payload
from tests.scale.conftest import likes_in_db, new_post, tab_on


def count(page: Page):
    return page.locator(".like-count")


def hydrated(payload: str | bytes) -> bool:
    """Whether a websocket frame is the delta that ends a (re)hydration: ``is_hydrated`` set
    true once the full state was sent and the page's on_load handlers ran."""
    return isinstance(payload, str) and '"is_hydrated_rx_state_":true' in payload


class Rehydration:
    """Watches the sockets ``page`` opens from now on for the end of a (re)hydration.

    ``data-live`` cannot tell a reconnect: it stays true across it, and the page keeps
    showing the old state until the new one arrives.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[WebSocket] = []
        self.done = False
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        # Runs as the socket opens, before any of its frames is dispatched: none is missed.
        self.sockets.append(socket)
        socket.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        self.done = self.done or hydrated(payload)

    def wait(self, timeout: float = 30) -> None:
        """Until a socket opened since ``__init__`` delivered it (a socket that closes
        before that is followed by the one the page retries with)."""
        deadline = time.monotonic() + timeout
        while not self.done:
            left_ms = (deadline - time.monotonic()) * 1000
            assert left_ms > 0, f"no rehydration within {timeout}s on {len(self.sockets)} socket(s)"
            try:
                if not self.sockets or self.sockets[-1].is_closed():
                    self.page.wait_for_event("websocket", timeout=left_ms)
                else:
                    self.sockets[-1].wait_for_event(
                        "framereceived", predicate=hydrated, timeout=left_ms
                    )
            except PlaywrightError:  # closed before it hydrated, or out of time: check again
                continue
        self.page.remove_listener("websocket", self._opened)


def reconnect_and_resync(sever: Callable[[], None], *pages: Page) -> None:
    """Call ``sever`` (which drops the pages' sockets); return once the socket each page
    opens again has delivered the whole state and run the page's on_load handlers."""
    rehydrations = [Rehydration(page) for page in pages]
    sever()
    for rehydration in rehydrations:
        rehydration.wait()


def test_tabs_on_two_workers_see_each_others_likes_live(
    browser: Browser, cluster: Cluster, cluster_db: str
):
    slug = new_post()
    with (
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as first,
        tab_on(browser, cluster, cluster.b, f"/blog/{slug}") as second,
    ):
        assert cluster.worker_of(first) != cluster.worker_of(second)
        expect(count(first)).to_have_text("0")
        expect(count(second)).to_have_text("0")

        first.locator(".like-button").click()  # handled by a, pushed to b's tab
        expect(count(first)).to_have_text("1")
        expect(count(second)).to_have_text("1")
        expect(second.locator(".like-button")).to_have_attribute("aria-pressed", "false")

        second.locator(".like-button").click()  # handled by b, pushed to a's tab
        expect(count(second)).to_have_text("2")
        expect(count(first)).to_have_text("2")

        first.locator(".like-button").click()  # unlike on a
        expect(count(first)).to_have_text("1")
        expect(count(second)).to_have_text("1")
    assert likes_in_db(slug) == (1, 1)


def test_rapid_toggles_on_both_workers_end_with_the_total_equal_to_the_rows(
    browser: Browser, cluster: Cluster, cluster_db: str
):
    slug = new_post()
    with (
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as first,
        tab_on(browser, cluster, cluster.b, f"/blog/{slug}") as second,
    ):
        assert cluster.worker_of(first) != cluster.worker_of(second)
        for _ in range(7):  # odd: each tab ends liked
            first.locator(".like-button").click()
            second.locator(".like-button").click()
        expect(first.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(second.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        expect(count(first)).to_have_text("2")
        expect(count(second)).to_have_text("2")
    assert likes_in_db(slug) == (2, 2)


def test_a_comment_posted_on_one_worker_appears_live_on_the_other(
    browser: Browser, cluster: Cluster, cluster_db: str
):
    slug = new_post()
    text = f"Written on worker b {uuid.uuid4().hex[:6]}"
    with (
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as reader,
        tab_on(browser, cluster, cluster.b, f"/blog/{slug}") as writer,
    ):
        assert cluster.worker_of(reader) != cluster.worker_of(writer)
        expect(reader.locator("#comments-empty")).to_be_visible()
        writer.fill("#comment-form-author", "Grace Hopper")
        writer.fill("#comment-form-content", text)
        writer.get_by_role("button", name="Post comment").click()
        expect(writer.locator(".comment-content", has_text=text)).to_be_visible()
        expect(reader.locator(".comment-content", has_text=text)).to_be_visible()  # no reload
        expect(reader.locator(".comments-total")).to_have_text("1 comment")
    with session_scope() as session:
        assert (
            session.exec(
                select(func.count()).select_from(Comment).where(Comment.post_slug == slug)
            ).one()
            == 1
        )


def test_a_tab_that_reconnects_to_the_other_worker_keeps_its_state(
    browser: Browser, cluster: Cluster, cluster_db: str
):
    """State that only the backend holds survives the move: the page of comments shown and
    whether this tab liked the post (the next click must unlike, not like again)."""
    slug = new_post()
    with httpx.Client(base_url=cluster.a.base_url, timeout=10) as client:
        for n in range(23):  # two pages of comments (20 per page)
            response = client.post(
                "/api/actions/comments.create",
                json=comment_payload(post_slug=slug, content=f"Comment number {n}"),
            )
            assert response.status_code == 200
    with (
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as page,
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as watcher,
    ):
        on_a = cluster.worker_of(page)
        page.locator(".comments-next").click()
        expect(page.locator(".comments-page")).to_have_text("Page 2 of 2")
        expect(page.locator(".comment-content").first).to_have_text("Comment number 20")
        page.locator(".like-button").click()
        expect(count(page)).to_have_text("1")
        expect(count(watcher)).to_have_text("1")

        cluster.route_events_to(cluster.b)
        # Both tabs lose their socket and reconnect, now to b.
        reconnect_and_resync(cluster.proxy.sever, page, watcher)
        on_b = cluster.worker_of(page, not_=on_a)
        assert cluster.worker_of(watcher, not_=on_a) == on_b

        # The reconnect re-sent the whole state from b: still page 2, still liked.
        expect(page.locator(".comments-page")).to_have_text("Page 2 of 2")
        expect(page.locator(".comment-content").first).to_have_text("Comment number 20")
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "true")
        page.locator(".like-button").click()  # b knows this tab liked: this unlikes
        expect(page.locator(".like-button")).to_have_attribute("aria-pressed", "false")
        expect(count(page)).to_have_text("0")
        expect(count(watcher)).to_have_text("0")  # and live updates still reach the moved tabs
    assert likes_in_db(slug) == (0, 0)
