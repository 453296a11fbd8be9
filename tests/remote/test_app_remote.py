"""The running app (``reflex run --env prod``) with its data on a real libSQL server.

``DATABASE_URL=sqlite+libsql://host:port`` plus ``DATABASE_AUTH_TOKEN``, as on Turso: the
HTTP actions, the server-rendered post page, the feed and ``/health`` all go through it,
and losing the server is a clear 503 that heals when it comes back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db.core import errors
from tests.factories import guestbook_payload, make_post
from tests.libsql_server import LibsqlServer
from tests.server import HEALTH_HEADERS, AppServer
from tests.sql import sql_rows
from tests.threads import at_once

UNREACHABLE = {
    "error": {"code": "SERVICE_UNAVAILABLE", "message": errors.DATABASE_UNREACHABLE, "fields": {}}
}


@pytest.fixture(scope="module")
def remote_app(sqld: LibsqlServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    log = Path(tmp_path_factory.mktemp("remote-app")) / "server.log"
    token = sqld.env()["DATABASE_AUTH_TOKEN"]
    server = AppServer.start(sqld.url, log, backend_only=True, env={"DATABASE_AUTH_TOKEN": token})
    yield server
    server.stop()


@pytest.fixture
def client(remote_app: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=remote_app.base_url, timeout=15) as c:
        yield c


def test_health_reports_the_remote_database(client: httpx.Client):
    response = client.get("/health", headers=HEALTH_HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["schema"]["up_to_date"] is True


def test_concurrent_likes_over_http_keep_count_equal_to_rows(remote_app: AppServer, remote_db: str):
    slug = make_post(f"remote-{uuid.uuid4().hex[:8]}").slug
    answers: list[int] = []

    def visitor(_: int) -> None:
        with httpx.Client(base_url=remote_app.base_url, timeout=15) as own:  # a cookie jar each
            for liked in (True, False, True):
                response = own.post(
                    "/api/actions/likes.toggle", json={"post_slug": slug, "liked": liked}
                )
                assert response.status_code == 200, response.text
            answers.append(response.json()["data"]["likes"])

    at_once(12, visitor)
    assert max(answers) == 12
    assert sql_rows(f"SELECT likes FROM like_counts WHERE post_slug = '{slug}'") == [(12,)]
    assert sql_rows(f"SELECT count(*) FROM likes WHERE post_slug = '{slug}'") == [(12,)]


def test_pages_and_feeds_read_from_the_server(client: httpx.Client, remote_db: str):
    message = f"Signed through libSQL {uuid.uuid4().hex[:6]}"
    signed = client.post("/api/actions/guestbook.add", json=guestbook_payload(content=message))
    assert signed.status_code == 200, signed.text
    assert sql_rows(f"SELECT count(*) FROM guestbook_entries WHERE content = '{message}'") == [(1,)]

    title = sql_rows("SELECT title FROM posts WHERE slug = 'hello-atoll'")[0][0]
    page = client.get("/blog/hello-atoll")
    assert page.status_code == 200 and title in page.text
    assert title in client.get("/rss.xml").text


def test_losing_the_server_is_a_clear_503_until_it_returns(
    client: httpx.Client, sqld: LibsqlServer
):
    like = {"post_slug": "hello-atoll", "liked": True}
    assert client.post("/api/actions/likes.toggle", json=like).status_code == 200
    sqld.stop()
    try:
        down = client.post("/api/actions/likes.toggle", json=like)
        assert (down.status_code, down.json()) == (503, UNREACHABLE)
        health = client.get("/health", headers=HEALTH_HEADERS)
        assert health.status_code == 503
        assert health.json()["database"] == {"reachable": False}
    finally:
        sqld.restart()
    assert client.post("/api/actions/likes.toggle", json=like).status_code == 200
    assert client.get("/health", headers=HEALTH_HEADERS).status_code == 200


def test_two_backends_on_one_server_keep_count_equal_to_rows(
    remote_app: AppServer,
    sqld: LibsqlServer,
    remote_db: str,
    tmp_path: Path,
):
    """Two machines' worth of backends writing to one libSQL server at the same time."""
    second = AppServer.start(
        sqld.url,
        tmp_path / "second.log",
        backend_only=True,
        env={"DATABASE_AUTH_TOKEN": sqld.env()["DATABASE_AUTH_TOKEN"]},
    )
    try:
        slug = make_post(f"remote-{uuid.uuid4().hex[:8]}").slug
        statuses: list[int] = []

        def visitor(index: int) -> None:
            base = (remote_app, second)[index % 2].base_url
            with httpx.Client(base_url=base, timeout=30) as own:
                for liked in (True, False, True):
                    response = own.post(
                        "/api/actions/likes.toggle", json={"post_slug": slug, "liked": liked}
                    )
                    statuses.append(response.status_code)

        at_once(16, visitor)
    finally:
        second.stop()
    assert statuses == [200] * 48
    assert sql_rows(f"SELECT likes FROM like_counts WHERE post_slug = '{slug}'") == [(16,)]
    assert sql_rows(f"SELECT count(*) FROM likes WHERE post_slug = '{slug}'") == [(16,)]
