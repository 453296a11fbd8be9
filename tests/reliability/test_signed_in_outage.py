"""Signed-in requests while the database is down or busy: one error shape, never a bare 500.

Working out who a session cookie belongs to reads the database (and, once an hour, slides
the session's expiry, a write). When the database can't answer, that lookup fails like an
action does: ``503 {"error": {"code": "SERVICE_UNAVAILABLE", …}}`` over HTTP (the action
endpoint and the admin CSV alike), and over the websocket the form shows the message and
is no longer pending. Two outages: a libSQL server that stopped (nothing can be read), and
another program holding the write lock of a local file (reads go on, writes wait and fail)
while the session is due its hourly slide (skipped: the session is still valid).
"""

from __future__ import annotations

import asyncio
import html
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from bench.harness import COMMENT_EDIT, COMMENTS, SLUG, Message, Socket, changes, var
from db.accounts import SESSION_COOKIE
from db.core import errors
from db.core.engine import dispose_engines, session_scope
from db.core.tokens import token_hash
from db.core.types import utcnow
from db.models import AccountSession
from tests.factories import comment_payload, make_user, sign_in
from tests.libsql_server import LibsqlServer
from tests.server import AppServer, prepare_database, push_and_seed, use_database
from tests.sql import write_lock

BUSY_TIMEOUT_MS = 300
UNREACHABLE = {
    "error": {"code": "SERVICE_UNAVAILABLE", "message": errors.DATABASE_UNREACHABLE, "fields": {}}
}
BUSY = {"error": {"code": "SERVICE_UNAVAILABLE", "message": errors.DATABASE_BUSY, "fields": {}}}
SUBMIT = f"{COMMENTS}.submit_comment"
PROBE = f"{COMMENT_EDIT}.toggle_edit"
REPLY_TIMEOUT = 15.0
MEMBER = "Outage Member"


# --------------------------------------------------------------------------- a stopped server


@pytest.fixture(scope="module")
def sqld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibsqlServer]:
    """A libSQL server, schema pushed and seeded through the real CLI."""
    server = LibsqlServer.start(tmp_path_factory.mktemp("sqld"))
    push_and_seed(server.env())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote_app(sqld: LibsqlServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    log = tmp_path_factory.mktemp("remote-app") / "server.log"
    server = AppServer.start(sqld.url, log, backend_only=True, env=sqld.env())
    yield server
    server.stop()


@contextmanager
def on_server(sqld: LibsqlServer) -> Iterator[None]:
    """This process's engine on ``sqld`` (its URL and token) for a block."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in sqld.env().items():
            env.setenv(name, value)
        dispose_engines()
        try:
            yield
        finally:
            dispose_engines()


@contextmanager
def stopped(sqld: LibsqlServer) -> Iterator[None]:
    """The server down for a block, then back on the same port and data."""
    sqld.stop()
    try:
        yield
    finally:
        sqld.restart()


def signed_in(sqld: LibsqlServer, *, role: str = "member") -> dict[str, str]:
    """The cookie of a fresh account's live session on ``sqld``."""
    with on_server(sqld):
        email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
        user = make_user(email, role=role, display_name=MEMBER)
        return {SESSION_COOKIE: sign_in(user)}


def test_a_signed_in_action_while_the_server_is_down_answers_503_json(
    remote_app: AppServer, sqld: LibsqlServer
):
    cookies = signed_in(sqld)
    payload = comment_payload(post_slug=SLUG, content="Posted while the server was down")
    with httpx.Client(base_url=remote_app.base_url, timeout=15, cookies=cookies) as client:
        with stopped(sqld):
            down = client.post("/api/actions/comments.create", json=payload)
            assert (down.status_code, down.json()) == (503, UNREACHABLE)
            page = client.post(
                "/api/actions/comments.create", data=payload, headers={"Accept": "text/html"}
            )
            assert page.status_code == 503
            shown = html.escape(errors.DATABASE_UNREACHABLE)
            assert f"<p id='outcome' role='alert'>{shown}</p>" in page.text
        again = client.post("/api/actions/comments.create", json=payload)
        assert again.status_code == 200, again.text
        assert again.json()["data"]["comment"]["author_name"] == MEMBER  # as the account
    assert "Traceback" not in Path(remote_app.log_path).read_text()


def test_the_admin_csv_while_the_server_is_down_answers_503_json(
    remote_app: AppServer, sqld: LibsqlServer
):
    cookies = signed_in(sqld, role="admin")
    with httpx.Client(base_url=remote_app.base_url, timeout=15, cookies=cookies) as client:
        with stopped(sqld):
            down = client.get("/api/admin/subscribers.csv")
            assert (down.status_code, down.json()) == (503, UNREACHABLE)
        again = client.get("/api/admin/subscribers.csv")
        assert again.status_code == 200
        assert again.text.splitlines()[0] == "email,status,created_at,confirmed_at,unsubscribed_at"
    assert "Traceback" not in Path(remote_app.log_path).read_text()


# --------------------------------------------------------------------------- over the websocket


async def _settle(sock: Socket) -> None:
    """Wait until the tab's page load (and what it chained) has been answered: a tab's events
    run in order, so two harmless events in turn are answered after everything before them."""
    for probe in ("settle-1", "settle-2"):

        def answered(message: Message, probe: str = probe) -> bool:
            return changes(message, COMMENT_EDIT).get(var("editing")) == probe

        await sock.request(PROBE, {"comment_id": probe}, answered, timeout=REPLY_TIMEOUT)


def run_apart(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` on an event loop of its own thread (Playwright's sync API may hold
    this thread's loop when browser tests share the process)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _submit(base_url: str, cookies: dict[str, str], outage: Any) -> dict[str, Any]:
    """Open a signed-in tab on the post, start ``outage``, post a comment: the comment form's
    vars as the answer that shows an error sets them."""
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as session:
        sock = await Socket.open(session, base_url, path=f"/blog/{SLUG}")
        try:
            await _settle(sock)
            with outage:

                def shows_error(message: Message) -> bool:
                    return bool(changes(message, COMMENTS).get(var("form_error")))

                payload = {"form_data": comment_payload(post_slug=SLUG, content="In an outage")}
                await sock.request(SUBMIT, payload, shows_error, timeout=REPLY_TIMEOUT)
        finally:
            await sock.close()
    assert sock.last is not None
    delta = changes(sock.last, COMMENTS)
    return {
        "pending": delta.get(var("pending")),
        "form_error": delta.get(var("form_error")),
        "field_errors": delta.get(var("field_errors"), {}),
    }


def test_a_signed_in_comment_over_the_websocket_while_the_server_is_down_shows_the_error(
    remote_app: AppServer, sqld: LibsqlServer
):
    cookies = signed_in(sqld)
    form = run_apart(_submit(remote_app.base_url, cookies, stopped(sqld)))
    assert form == {
        "pending": False,
        "form_error": errors.DATABASE_UNREACHABLE,
        "field_errors": {},
    }
    assert "Traceback" not in Path(remote_app.log_path).read_text()


# --------------------------------------------------------------------------- a held write lock


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The backend on a local file with a short busy timeout."""
    root = tmp_path_factory.mktemp("busy-signed-in")
    server = AppServer.start(
        prepare_database(root / "atoll.db"),
        root / "server.log",
        backend_only=True,
        env={"DATABASE_BUSY_TIMEOUT_MS": str(BUSY_TIMEOUT_MS)},
    )
    yield server
    server.stop()


def due_a_slide(database_url: str, *, role: str = "member") -> dict[str, str]:
    """A live session last seen two hours ago: looking it up slides its expiry (a write)."""
    with use_database(database_url):
        token = sign_in(make_user(f"busy-{uuid.uuid4().hex[:8]}@example.com", role=role))
        with session_scope(write=True) as session:
            session.execute(
                update(AccountSession)
                .where(col(AccountSession.token_hash) == token_hash(token))
                .values(last_seen_at=utcnow() - timedelta(hours=2))
            )
    return {SESSION_COOKIE: token}


def test_a_signed_in_action_while_the_lock_is_held_answers_503_json(busy_app: AppServer):
    cookies = due_a_slide(busy_app.database_url)
    payload = comment_payload(post_slug=SLUG, content="Posted while the lock was held")
    with httpx.Client(base_url=busy_app.base_url, timeout=15, cookies=cookies) as client:
        with write_lock(busy_app.database_url):
            busy = client.post("/api/actions/comments.create", json=payload)
            assert (busy.status_code, busy.json()) == (503, BUSY)
        again = client.post("/api/actions/comments.create", json=payload)
        assert again.status_code == 200, again.text
    assert "Traceback" not in Path(busy_app.log_path).read_text()


def test_the_admin_csv_while_the_lock_is_held_is_still_served(busy_app: AppServer):
    """Reads go on while another program writes: the session is known, the CSV is read."""
    cookies = due_a_slide(busy_app.database_url, role="admin")
    with (
        httpx.Client(base_url=busy_app.base_url, timeout=15, cookies=cookies) as client,
        write_lock(busy_app.database_url),
    ):
        response = client.get("/api/admin/subscribers.csv")
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[0] == "email,status,created_at,confirmed_at,unsubscribed_at"
    assert "Traceback" not in Path(busy_app.log_path).read_text()


def test_a_signed_in_comment_over_the_websocket_while_the_lock_is_held_shows_the_error(
    busy_app: AppServer,
):
    cookies = due_a_slide(busy_app.database_url)
    form = run_apart(_submit(busy_app.base_url, cookies, write_lock(busy_app.database_url)))
    assert form == {"pending": False, "form_error": errors.DATABASE_BUSY, "field_errors": {}}
    assert "Traceback" not in Path(busy_app.log_path).read_text()
