"""Failures outside actions take the one error path, :func:`db.core.actions.shown_error`
(no server needed).

- A server-rendered page whose data can't be read: a signed-in visitor's page is rendered
  for them alone, and rendering it asks who they are; while the database can't answer,
  the page is a 503 with the fixed message (a small page for a browser, JSON otherwise),
  never a bare 500 and never stored by a shared cache.
- An event handler that fails (a page load that can't check the session, say): the toast
  says what ``shown_error`` says, never the exception's own text.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.requests import Request

from app import runtime
from app.api import pages
from app.asgi import Receive, Scope, Send
from app.routes import ROUTES, Route
from db.core import errors
from db.core.errors import ActionError, ErrorCode

POST = next(route for route in ROUTES if route.path == "/blog/[slug]")


async def _untouched(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("the request went on to Reflex")


Get = Callable[..., httpx.Response]


@pytest.fixture
def database_busy_while_rendering(monkeypatch: pytest.MonkeyPatch) -> Get:
    """The rendered-pages layer with a server build whose render meets a locked database."""

    async def serve(request: Request, route: Route) -> Any:
        assert route is POST
        raise OperationalError("SELECT …", {}, Exception("database is locked"))

    monkeypatch.setattr(pages, "has_server_build", lambda: True)
    monkeypatch.setattr(pages, "_route_of", lambda scope: POST)
    monkeypatch.setattr(pages, "serve", serve)
    transport = httpx.ASGITransport(app=pages.RenderedPages(_untouched))  # raises what escapes

    def get(path: str, headers: dict[str, str]) -> httpx.Response:
        async def fetch() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://atoll") as client:
                return await client.get(path, headers=headers)

        return asyncio.run(fetch())

    return get


def test_a_browser_gets_the_503_page(database_busy_while_rendering: Get):
    response = database_busy_while_rendering(
        "/blog/hello-atoll", headers={"Accept": "text/html", "Cookie": "atoll_session=x"}
    )
    assert response.status_code == 503
    assert response.headers["cache-control"] == pages.PRIVATE
    shown = html.escape(errors.DATABASE_BUSY)
    assert f"<p id='outcome' role='alert'>{shown}</p>" in response.text
    assert "locked" not in response.text  # the driver's words never reach the visitor


def test_a_script_gets_the_503_json(database_busy_while_rendering: Get):
    response = database_busy_while_rendering(
        "/blog/hello-atoll", headers={"Accept": "application/json"}
    )
    assert response.status_code == 503
    assert response.headers["cache-control"] == pages.PRIVATE
    assert response.json() == {
        "error": {"code": "SERVICE_UNAVAILABLE", "message": errors.DATABASE_BUSY, "fields": {}}
    }


@pytest.mark.parametrize(
    ("exception", "shown"),
    [
        (
            ActionError(ErrorCode.SERVICE_UNAVAILABLE, errors.DATABASE_UNREACHABLE),
            errors.DATABASE_UNREACHABLE,
        ),
        (OperationalError("SELECT …", {}, Exception("database is locked")), errors.DATABASE_BUSY),
        (RuntimeError("secret detail"), errors.UNEXPECTED),
    ],
    ids=["action-error", "busy-database", "unexpected"],
)
def test_a_failed_event_handler_shows_what_shown_error_shows(
    monkeypatch: pytest.MonkeyPatch, exception: Exception, shown: str
):
    monkeypatch.setattr(runtime.rx.toast, "error", lambda message, **_: ("toast", message))
    assert runtime.backend_exception_handler(exception) == ("toast", shown)
