"""``kill -9`` in the middle of a burst of writes loses nothing that was acknowledged.

Every action commits before it answers, and SQLite's WAL survives a killed process (the
committed frames are in the file, the OS has them), so an HTTP 200 is a promise. Writes
that were in flight when the process died may or may not have committed, but either way
counters agree with the rows they count.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from db.core.engine import dispose_engines, get_engine, session_scope
from db.models import Comment, Like, LikeCount
from db.visitors import COOKIE_NAME, new_visitor_id
from tests.factories import comment_payload
from tests.server import AppServer, prepare_database, use_database
from tests.waiting import eventually

SLUG = "hello-atoll"
WRITERS = 4


class Burst:
    """Threads liking (each request a new visitor) and commenting until told to stop."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.stop = threading.Event()
        self.liked: list[str] = []  # visitors whose like was answered 200
        self.comments: list[int] = []  # ids of comments answered 200
        self.interrupted = 0  # requests in flight when the server died (never answered)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._like, daemon=True) for _ in range(WRITERS)]
        self.threads += [
            threading.Thread(target=self._comment, args=(n,), daemon=True) for n in range(WRITERS)
        ]

    def _post(self, client: httpx.Client, name: str, payload: dict) -> httpx.Response | None:
        try:
            return client.post(f"/api/actions/{name}", json=payload)
        except (httpx.RemoteProtocolError, httpx.ReadError):  # died while handling this one
            with self.lock:
                self.interrupted += 1
            return None
        except httpx.HTTPError:  # already dead: nothing listens any more
            self.stop.wait(0.05)  # pace the retries; ends at once when the burst is stopped
            return None

    def _like(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self.stop.is_set():
                visitor = new_visitor_id()
                client.cookies.set(COOKIE_NAME, visitor)
                response = self._post(client, "likes.toggle", {"post_slug": SLUG, "liked": True})
                if response is not None and response.status_code == 200:
                    with self.lock:
                        self.liked.append(visitor)

    def _comment(self, writer: int) -> None:
        n = 0
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self.stop.is_set():
                n += 1
                payload = comment_payload(post_slug=SLUG, content=f"Burst {writer}-{n}")
                response = self._post(client, "comments.create", payload)
                if response is not None and response.status_code == 200:
                    with self.lock:
                        self.comments.append(response.json()["data"]["comment"]["id"])

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.liked) + len(self.comments)


@pytest.fixture
def crash_db(tmp_path: Path) -> Iterator[str]:
    with use_database(prepare_database(tmp_path / "atoll.db")) as url:
        yield url


def test_kill_9_during_a_burst_keeps_every_acknowledged_write(crash_db: str, tmp_path: Path):
    server = AppServer.start(crash_db, tmp_path / "before.log", backend_only=True)
    burst = Burst(server.base_url)
    for thread in burst.threads:
        thread.start()
    eventually(lambda: burst.acknowledged() >= 150, timeout=60, every=0.02)
    os.killpg(server.process.pid, signal.SIGKILL)  # mid-burst: requests are in flight
    server.process.wait()
    # Each thread finishes the request it has in flight (it fails now the server is gone)
    # before it sees the stop: joining them is waiting for every interrupted request.
    burst.stop.set()
    for thread in burst.threads:
        thread.join(15)
        assert not thread.is_alive(), "a burst thread is stuck"
    assert burst.liked and burst.comments, "the burst never got going"
    assert burst.interrupted >= 1, "the kill did not land during the burst"

    restarted = AppServer.start(crash_db, tmp_path / "after.log", backend_only=True)
    try:
        with session_scope() as session:
            assert session.execute(text("PRAGMA integrity_check")).one()[0] == "ok"
            like_rows = set(
                session.exec(select(Like.visitor_id).where(Like.post_slug == SLUG)).all()
            )
            total = session.exec(select(LikeCount.likes).where(LikeCount.post_slug == SLUG)).one()
            comment_ids = set(
                session.exec(select(Comment.id).where(Comment.post_slug == SLUG)).all()
            )
            visible = session.exec(
                select(func.count())
                .select_from(Comment)
                .where(
                    Comment.post_slug == SLUG,
                    col(Comment.is_public).is_(True),
                    col(Comment.is_removed).is_(False),
                )
            ).one()
        assert set(burst.liked) <= like_rows, "an acknowledged like is missing"
        assert set(burst.comments) <= comment_ids, "an acknowledged comment is missing"
        assert total == len(like_rows)  # the counter equals the rows it counts

        with httpx.Client(base_url=restarted.base_url, timeout=10) as client:
            listing = client.get("/api/comments", params={"post": SLUG}).json()
            assert listing["total"] == visible
            client.cookies.set(COOKIE_NAME, new_visitor_id())
            again = client.post(
                "/api/actions/likes.toggle", json={"post_slug": SLUG, "liked": True}
            )
        assert again.status_code == 200
        assert again.json()["data"]["likes"] == total + 1
    finally:
        restarted.stop()
    dispose_engines()
    with get_engine().connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM likes WHERE post_slug = :s"), {"s": SLUG}
        ).scalar()
        stored = conn.execute(
            text("SELECT likes FROM like_counts WHERE post_slug = :s"), {"s": SLUG}
        ).scalar()
    assert rows == stored == total + 1
