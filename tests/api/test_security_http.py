"""The security fixes against the real app in prod mode: headers on every kind of response,
CORS and the websocket closed to other origins, malformed and slow bodies answered 400,
sign-in limits per client behind a proxy, and one rate-limit budget per client address
whichever transport (HTTP or the websocket) it is spent on."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from sqlmodel import func, select

from bench.harness import SITE, Message, Socket, changes, socket_session, var
from db.core.actions import load_actions
from db.core.engine import session_scope
from db.models import GuestbookEntry
from tests.factories import PASSWORD, guestbook_payload, make_user
from tests.server import AppServer, serve, use_database

SECRET = "security-test-webhook-secret"
INVALID = "Please correct the highlighted fields."
RATE_LIMITED = "Too many requests. Please wait a moment and try again."
BAD_CREDENTIALS = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "The email or password is incorrect.",
        "fields": {},
    }
}
TOO_MANY_FAILURES = {
    "error": {
        "code": "TOO_MANY_REQUESTS",
        "message": "Too many failed sign-in attempts. Please try again later.",
        "fields": {},
    }
}
SIGN_IN_WINDOW = 15 * 60

FIXED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=63072000; includeSubDomains"


def port_of(server: AppServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


# --------------------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The full prod server (built pages, assets, API and websocket on one port), whose
    SITE_URL is its own origin, with the sync webhook configured."""
    yield from serve(
        tmp_path_factory, "security-site", site=True, env={"WORDPRESS_WEBHOOK_SECRET": SECRET}
    )


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A backend behind one trusted proxy: the client is the last X-Forwarded-For address."""
    yield from serve(
        tmp_path_factory,
        "security-proxied",
        backend_only=True,
        env={"REFLEX_TRUSTED_PROXY_HOPS": "1", "ATOLL_RATE_LIMIT": "off"},
    )


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A backend allowing 5 requests per client and action a minute."""
    yield from serve(
        tmp_path_factory, "security-limited", backend_only=True, env={"ATOLL_RATE_LIMIT": "5/60"}
    )


@pytest.fixture
def http(site: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=15) as client:
        yield client


# --------------------------------------------------------------------------- 1. headers

INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
IDENTITY = {"Accept-Encoding": "identity"}


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def inline_script_sources(html: bytes) -> list[str]:
    """The CSP source (``'sha256-…'``) of every inline ``<script>`` body in ``html``."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for attrs, body in INLINE_SCRIPT.findall(html)
        if not re.search(rb"\ssrc\s*=", attrs)
    ]


def hashed_asset(client: httpx.Client) -> str:
    """A content-hashed JS file the home page loads (``<script src>``, a modulepreload, or
    an ``import("…")`` of the boot script, which loads the modules after the first paint)."""
    html = client.get("/", headers=IDENTITY).text
    found = re.findall(r'<script[^>]*\ssrc="(/[^"]+\.js)"', html)
    found += re.findall(r'import\("(/assets/[^"]+\.js)"\)', html)
    found += re.findall(r'<link[^>]*rel="modulepreload"[^>]*href="(/[^"]+\.js)"', html)
    found += re.findall(r'<link[^>]*href="(/[^"]+\.js)"[^>]*rel="modulepreload"', html)
    assert found, f"the home page loads no JS file:\n{html[:2000]}"
    return found[0]


def fetch(client: httpx.Client, kind: str, headers: dict[str, str]) -> httpx.Response:
    """One response of each kind the backend gives."""
    if kind == "page":
        return client.get("/", headers=headers)
    if kind == "asset":
        return client.get(hashed_asset(client), headers=headers)
    if kind == "api":
        return client.get("/api/comments", params={"post": "hello-atoll"}, headers=headers)
    if kind == "error":
        return client.post("/api/actions/no.such_action", json={}, headers=headers)
    assert kind == "health"
    return client.get("/health", headers=headers)


EXPECTED_STATUS = {"page": 200, "asset": 200, "api": 200, "error": 404, "health": 200}


@pytest.mark.parametrize("kind", list(EXPECTED_STATUS))
def test_every_kind_of_response_carries_the_security_headers(http, kind):
    response = fetch(http, kind, {})
    assert response.status_code == EXPECTED_STATUS[kind], response.text[:500]
    assert {name: response.headers.get(name) for name in FIXED_HEADERS} == FIXED_HEADERS
    directives = csp_directives(response)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    # Frames: only the video players a post may embed (db/wordpress/transform.py).
    assert directives["frame-src"] == [
        "https://www.youtube.com",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
    ]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("kind", list(EXPECTED_STATUS))
def test_no_response_names_the_server_software(http, kind):
    """granian would add ``server: granian``; the app names itself instead, revealing nothing."""
    response = fetch(http, kind, {})
    assert response.headers.get_list("server") == ["atoll"]


@pytest.mark.parametrize("kind", list(EXPECTED_STATUS))
def test_hsts_only_when_the_request_came_over_https(http, kind):
    response = fetch(http, kind, {"X-Forwarded-Proto": "https"})
    assert response.status_code == EXPECTED_STATUS[kind]
    assert response.headers["strict-transport-security"] == HSTS


def test_the_error_response_is_the_json_error_shape(http):
    response = fetch(http, "error", {})
    assert response.json() == {
        "error": {"code": "NOT_FOUND", "message": "No such action.", "fields": {}}
    }


def test_a_hashed_asset_is_javascript(http):
    response = fetch(http, "asset", IDENTITY)
    assert response.headers["content-type"].split(";")[0] in (
        "text/javascript",
        "application/javascript",
    )


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_every_inline_script_of_the_page_is_allowed_by_its_hash(http, encoding):
    response = http.get("/", headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    if encoding == "gzip":
        assert response.headers["content-encoding"] == "gzip"  # the precompressed file
    else:
        assert "content-encoding" not in response.headers
    sources = inline_script_sources(response.content)  # httpx has decompressed it
    assert sources, "the page has no inline script: the hash check proves nothing"
    script_src = csp_directives(response)["script-src"]
    assert script_src[0] == "'self'"
    assert [s for s in sources if s not in script_src] == []
    assert "'unsafe-inline'" not in script_src


def test_a_revalidated_page_keeps_the_cached_policy(http):
    first = http.get("/", headers=IDENTITY)
    etag = first.headers.get("etag")
    assert etag, f"the page has no ETag: {dict(first.headers)}"
    again = http.get("/", headers=IDENTITY | {"If-None-Match": etag})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
    assert again.headers["x-content-type-options"] == "nosniff"


# --------------------------------------------------------------------------- 2. CORS


def foreign_origins(site: AppServer) -> list[str]:
    other = port_of(site) + 1
    return ["http://evil.example", f"http://127.0.0.1:{other}"]


@pytest.fixture(scope="module")
def admin_cookie(site: AppServer) -> str:
    """An admin's session cookie, from a real sign-in over HTTP."""
    address = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    with use_database(site.database_url):
        make_user(address, role="admin")
    response = httpx.post(
        site.base_url + "/api/auth/login", json={"email": address, "password": PASSWORD}, timeout=15
    )
    assert response.status_code == 200, response.text
    return response.cookies["atoll_session"]


@pytest.fixture
def admin(site: AppServer, admin_cookie: str) -> Iterator[httpx.Client]:
    """A signed-in admin's browser."""
    with httpx.Client(
        base_url=site.base_url, timeout=15, cookies={"atoll_session": admin_cookie}
    ) as client:
        yield client


@pytest.mark.parametrize("foreign", [0, 1], ids=["other-site", "other-port"])
def test_another_origin_cannot_read_an_admins_csv(site, admin, foreign):
    origin = foreign_origins(site)[foreign]
    response = admin.get("/api/admin/subscribers.csv", headers={"Origin": origin})
    assert (
        response.status_code == 200
    )  # the server answers; the browser must not let the page read it
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("foreign", [0, 1], ids=["other-site", "other-port"])
def test_another_origins_preflight_is_refused(site, http, foreign):
    response = http.options(
        "/api/actions/likes.toggle",
        headers={"Origin": foreign_origins(site)[foreign], "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_the_sites_own_origin_is_allowed(site, http, admin):
    origin = site.base_url  # SITE_URL
    preflight = http.options(
        "/api/actions/likes.toggle",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-credentials"] == "true"
    read = admin.get("/api/admin/subscribers.csv", headers={"Origin": origin})
    assert read.status_code == 200
    assert read.headers["access-control-allow-origin"] == origin


# --------------------------------------------------------------------------- 3. the websocket


async def handshake(base_url: str, origin: str | None) -> tuple[int, str]:
    """Open Reflex's websocket with ``origin``.

    Returns (101, the first Engine.IO packet), or (status, "") when it is refused.
    """
    url = (
        base_url.replace("http", "ws", 1)
        + f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
    )
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin) as ws:
                first = await ws.receive(timeout=15)
                return 101, str(first.data)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status, ""


def test_the_websocket_refuses_another_port_of_this_host(site):
    other = f"http://127.0.0.1:{port_of(site) + 1}"
    assert asyncio.run(handshake(site.base_url, other)) == (403, "")


def test_the_websocket_refuses_another_site(site):
    assert asyncio.run(handshake(site.base_url, "http://evil.example")) == (403, "")


def test_the_websocket_accepts_the_sites_own_origin(site):
    status, first = asyncio.run(handshake(site.base_url, site.base_url))
    assert status == 101
    assert first.startswith("0{"), first  # Engine.IO's open packet


def test_the_event_endpoints_polling_transport_refuses_another_origin(site, http):
    response = http.get(
        "/_event/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "FORBIDDEN",
            "message": "Cross-origin requests are not allowed.",
            "fields": {},
        }
    }
    assert response.headers["x-frame-options"] == "DENY"


# --------------------------------------------------------------------------- 4. malformed bodies

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
TOO_DEEP = "The body is nested too deeply."
NOT_UTF8 = "The body is not valid UTF-8."
NOT_OBJECT = "Expected an object of fields."
NOT_JSON = "The body is not valid JSON."

# (id, body, content type, the message for a POST endpoint, the message for the webhook)
MALFORMED: list[tuple[str, bytes, str, str, str]] = [
    ("deep-lists", ("[" * 3000 + "]" * 3000).encode(), JSON_TYPE, TOO_DEEP, TOO_DEEP),
    ("deep-unterminated", ('{"a": ' + "[" * 5000).encode(), JSON_TYPE, TOO_DEEP, TOO_DEEP),
    ("not-utf8", b'{"author": "\xff\xfe"}', JSON_TYPE, NOT_UTF8, NOT_UTF8),
    (
        "duplicate-json-key",
        b'{"author": "a", "author": "b"}',
        JSON_TYPE,
        "The field 'author' appears more than once.",
        "The field 'author' appears more than once.",
    ),
    ("json-list", b"[1,2]", JSON_TYPE, NOT_OBJECT, NOT_OBJECT),
    ("json-string", b'"hello"', JSON_TYPE, NOT_OBJECT, NOT_OBJECT),
    (
        "duplicate-form-key",
        b"website=x&website=",
        FORM_TYPE,
        "The field 'website' appears more than once.",
        NOT_JSON,
    ),
]
POST_ENDPOINTS = [f"/api/actions/{name}" for name in sorted(load_actions())] + [
    "/api/auth/signup",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/logout-everywhere",
    "/api/posts/unlock",
]


def bad_request(message: str) -> dict[str, Any]:
    return {"error": {"code": "BAD_REQUEST", "message": INVALID, "fields": {"__root__": [message]}}}


def assert_no_traceback(server: AppServer) -> None:
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 200 :][:3000]


@pytest.mark.parametrize(
    ("body", "content_type", "message"), [m[1:4] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_a_malformed_body_is_a_400_on_every_post_endpoint(
    site, http, path, body, content_type, message
):
    response = http.post(path, content=body, headers={"Content-Type": content_type})
    assert (response.status_code, response.json()) == (400, bad_request(message))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert_no_traceback(site)


@pytest.mark.parametrize(
    ("body", "message"), [(m[1], m[4]) for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_correctly_signed_malformed_webhook_is_a_400(site, http, body, message):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = http.post(
        "/api/sync",
        content=body,
        headers={"Content-Type": JSON_TYPE, "X-Atoll-Signature": signature},
    )
    assert (response.status_code, response.json()) == (400, bad_request(message))
    assert_no_traceback(site)


# --------------------------------------------------------------------------- 5. a slow body


def read_http_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_a_body_shorter_than_its_content_length_is_answered_400_when_its_time_is_up(site):
    partial = b'{"author":'  # 10 of the 100 bytes announced
    head = (
        f"POST /api/actions/guestbook.add HTTP/1.1\r\nHost: 127.0.0.1:{port_of(site)}\r\n"
        f"Content-Type: {JSON_TYPE}\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port_of(site)), timeout=7) as sock:
        started = time.monotonic()
        sock.sendall(head + partial)
        status, headers, body = read_http_response(sock)  # socket.timeout past 7 s
        elapsed = time.monotonic() - started
    assert (status, json.loads(body)) == (
        400,
        bad_request("The request body did not arrive in time."),
    )
    assert headers["content-type"] == JSON_TYPE
    assert 4.5 <= elapsed < 7, elapsed  # the 5 s body timeout answered, not something else


# --------------------------------------------------------------------- 6. sign-in limits per client


def sign_in(server: AppServer, email: str, password: str, client: str) -> httpx.Response:
    return httpx.post(
        server.base_url + "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": client},
        timeout=15,
    )


def assert_locked_out(response: httpx.Response, since: float) -> None:
    assert (response.status_code, response.json()) == (429, TOO_MANY_FAILURES)
    waited = time.monotonic() - since
    assert SIGN_IN_WINDOW - waited - 2 <= int(response.headers["retry-after"]) <= SIGN_IN_WINDOW


def test_twenty_failures_from_one_client_stop_its_sign_ins_but_no_one_elses(proxied):
    member = f"member-{uuid.uuid4().hex[:8]}@example.com"
    with use_database(proxied.database_url):
        user_id = make_user(member)
    started = time.monotonic()
    for i in range(20):  # 4 against the member (under its 5), 16 against unknown addresses
        email = member if i % 5 == 0 else f"nobody-{uuid.uuid4().hex[:8]}@example.com"
        failed = sign_in(proxied, email, f"wrong-password-{i}", "203.0.113.7")
        assert (failed.status_code, failed.json()) == (401, BAD_CREDENTIALS), i
    assert_locked_out(sign_in(proxied, member, PASSWORD, "203.0.113.7"), started)
    assert_locked_out(
        sign_in(proxied, f"other-{uuid.uuid4().hex[:8]}@example.com", "x", "203.0.113.7"), started
    )

    elsewhere = sign_in(proxied, member, PASSWORD, "198.51.100.9")
    assert elsewhere.status_code == 200, elsewhere.text
    assert elsewhere.json()["data"]["user"]["id"] == user_id
    assert elsewhere.cookies["atoll_session"]


def test_five_wrong_passwords_lock_only_that_account_from_that_client(proxied):
    member = f"member-{uuid.uuid4().hex[:8]}@example.com"
    with use_database(proxied.database_url):
        user_id = make_user(member)
    started = time.monotonic()
    for i in range(5):
        failed = sign_in(proxied, member, f"wrong-password-{i}", "203.0.113.8")
        assert (failed.status_code, failed.json()) == (401, BAD_CREDENTIALS), i
    assert_locked_out(sign_in(proxied, member, PASSWORD, "203.0.113.8"), started)

    other_account = sign_in(
        proxied, f"nobody-{uuid.uuid4().hex[:8]}@example.com", "wrong", "203.0.113.8"
    )
    assert (other_account.status_code, other_account.json()) == (401, BAD_CREDENTIALS)
    owner = sign_in(proxied, member, PASSWORD, "198.51.100.10")
    assert owner.status_code == 200, owner.text
    assert owner.json()["data"]["user"]["id"] == user_id


# ------------------------------------------------------------------------ 7. one budget per address

GUESTBOOK = f"{SITE}.state___guestbook____guestbook_state"
THANKS = "Thanks for signing the guestbook!"


def guestbook_loaded(message: Message) -> bool:
    return changes(message, GUESTBOOK).get(var("loaded")) is True


def submission_answered(message: Message) -> bool:
    """The handler's last answer: a toast (thanks, or the error) among its events."""
    events = json.dumps(message.get("events") or [])
    return THANKS in events or RATE_LIMITED in events


async def sign_from_tabs(base_url: str, tag: str, tabs: int, rounds: int) -> list[str]:
    """``tabs`` websocket tabs without a cookie, each sending ``rounds`` guestbook entries in
    turn; what each submission answered ("thanks" or "limited"), in order."""
    outcomes: list[str] = []
    async with socket_session() as session:
        sockets = [
            await Socket.open(session, base_url, path="/guestbook", expect=guestbook_loaded)
            for _ in range(tabs)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*(s.first for s in sockets if s.first)), 30)
            for round_ in range(rounds):
                for n, tab in enumerate(sockets):
                    form = guestbook_payload(content=f"{tag} from tab {n}, round {round_}")
                    await tab.request(
                        f"{GUESTBOOK}.submit_entry", {"form_data": form}, submission_answered
                    )
                    events = json.dumps((tab.last or {}).get("events"))
                    outcomes.append("thanks" if THANKS in events else "limited")
        finally:
            await asyncio.gather(*(s.close() for s in sockets))
    return outcomes


def entries_tagged(server: AppServer, tag: str) -> int:
    with use_database(server.database_url), session_scope() as session:
        query = (
            select(func.count())
            .select_from(GuestbookEntry)
            .where(GuestbookEntry.content.startswith(tag))
        )
        return session.exec(query).one()


def test_websocket_tabs_without_a_cookie_share_their_addresss_budget_with_http(limited):
    tag = f"ws-{uuid.uuid4().hex[:8]}"
    outcomes = asyncio.run(sign_from_tabs(limited.base_url, tag, tabs=3, rounds=3))
    assert outcomes == ["thanks"] * 5 + ["limited"] * 4
    assert entries_tagged(limited, tag) == 5

    response = httpx.post(
        limited.base_url + "/api/actions/guestbook.add",
        json=guestbook_payload(content=f"{tag} over http"),
        timeout=15,
    )
    assert (response.status_code, response.json()) == (
        429,
        {"error": {"code": "TOO_MANY_REQUESTS", "message": RATE_LIMITED, "fields": {}}},
    )
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert entries_tagged(limited, tag) == 5
