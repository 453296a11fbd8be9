"""A page on another origin, opened by a signed-in admin, in Chromium: it can't read the
admin's responses, open the websocket as them, or frame their pages (:mod:`app.security`,
``cors_allowed_origins`` in ``rxconfig.py``).

"Elsewhere" is another port of the same host: the browser counts it as the same *site*, so
the admin's ``SameSite=Lax`` cookie goes along with its requests, and only the origin
checks stand between it and the admin's data. Each refusal has a control from the site's
own page, so a check that could never succeed fails the test instead of passing it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page

from db.accounts import SESSION_COOKIE
from db.admin import CSV_COLUMNS
from tests.chromium import csp_violations
from tests.factories import make_user, sign_in
from tests.server import AppServer

CSV_PATH = "/api/admin/subscribers.csv"
ELSEWHERE_HTML = "<!doctype html><title>Elsewhere</title><h1>A page on another origin</h1>\n"

# Each probe starts one attempt in the page and leaves what happened in ``window.outcome``,
# which :func:`outcome` waits for.
READ = """url => {
  window.outcome = undefined;
  fetch(url, {credentials: "include"}).then(
    async response => { window.outcome = {status: response.status, body: await response.text()}; },
    error => { window.outcome = {error: error.name}; });
}"""
CONNECT = """url => {
  window.outcome = undefined;
  const socket = new WebSocket(url);
  socket.onopen = () => { window.outcome = "open"; socket.close(); };
  socket.onclose = event => { window.outcome ??= `closed ${event.code}`; };
}"""
FRAME = """url => {
  const frame = document.createElement("iframe");
  frame.src = url;
  document.body.append(frame);
}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The origin (``http://127.0.0.1:<another port>``) of a static site serving one page."""
    root = tmp_path_factory.mktemp("elsewhere")
    (root / "index.html").write_text(ELSEWHERE_HTML)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def admin_page(page: Page, app_server: AppServer, app_db: str) -> Page:
    """``page`` with an admin's session cookie, as signing in would have set it."""
    token = sign_in(make_user(f"admin-{uuid.uuid4().hex[:8]}@example.com", role="admin"))
    page.context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "url": app_server.base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return page


def outcome(page: Page) -> Any:
    """What the probe last started in ``page`` ended with, once it has."""
    return page.wait_for_function("() => window.outcome").json_value()


def event_url(app_server: AppServer) -> str:
    return app_server.base_url.replace("http", "ws", 1) + "/_event/?EIO=4&transport=websocket"


# --------------------------------------------------------------------------- reading


def test_another_origin_cannot_read_the_admins_csv(
    admin_page: Page,
    app_server: AppServer,
    elsewhere: str,
):
    admin_page.goto(elsewhere)
    with admin_page.expect_console_message(lambda m: "CORS policy" in m.text) as refusal:
        admin_page.evaluate(READ, app_server.base_url + CSV_PATH)
    assert outcome(admin_page) == {"error": "TypeError"}
    # The server answered, but without granting this origin: not a network failure.
    assert "No 'Access-Control-Allow-Origin' header is present" in refusal.value.text


def test_the_sites_own_page_reads_the_csv(admin_page: Page):
    admin_page.goto("/")
    admin_page.evaluate(READ, CSV_PATH)
    result = outcome(admin_page)
    assert result["status"] == 200
    assert result["body"].splitlines()[0] == ",".join(CSV_COLUMNS)


# --------------------------------------------------------------------------- the websocket


def test_another_origin_cannot_open_the_websocket(
    admin_page: Page,
    app_server: AppServer,
    elsewhere: str,
):
    admin_page.goto(elsewhere)
    admin_page.evaluate(CONNECT, event_url(app_server))
    assert outcome(admin_page) == "closed 1006"  # refused during the handshake, never opened


def test_the_sites_own_page_opens_the_websocket(admin_page: Page, app_server: AppServer):
    admin_page.goto("/")
    admin_page.evaluate(CONNECT, event_url(app_server))
    assert outcome(admin_page) == "open"


# --------------------------------------------------------------------------- framing


def test_another_origin_cannot_frame_the_admin_page(
    admin_page: Page,
    app_server: AppServer,
    elsewhere: str,
):
    admin_page.goto(elsewhere)
    with admin_page.expect_console_message(lambda m: "frame-ancestors" in m.text) as message:
        admin_page.evaluate(FRAME, app_server.base_url + "/admin")
    assert f"Framing '{app_server.base_url}/'" in message.value.text  # Chromium names the origin
    assert "\"frame-ancestors 'none'\"" in message.value.text
    [framed] = admin_page.main_frame.child_frames
    framed.wait_for_load_state()
    assert framed.url == "chrome-error://chromewebdata/"  # Chromium's error page, not /admin
    # The one violation expected here, provoked on purpose; any other still fails the test.
    violations = csp_violations(admin_page.context)
    assert violations == [f"{elsewhere}/: {message.value.text}"]
    violations.clear()
