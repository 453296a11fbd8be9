"""Security headers on every response, and the websocket closed to other origins.

One ASGI middleware around the whole backend (pages, assets, the API, ``/_event``), the
way Django's ``SecurityMiddleware`` sits around every view:

- ``Content-Security-Policy``: scripts only from this origin, plus the inline scripts the
  page itself carries (React Router's hydration data), allowed by their SHA-256 — computed
  from each HTML response as it is sent, so an injected script, whose hash isn't listed,
  never runs. ``'unsafe-eval'`` stays for now: Reflex runs the scripts a server event sends
  (``rx.call_script``, used for form resets and focus) through ``eval`` in the browser.
  ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY``): no other site can frame a page;
  ``frame-src`` names only the video players a post may embed (YouTube, Vimeo: see
  :data:`db.wordpress.transform.EMBED_PROVIDERS`), and media loads from the site or WordPress.
- ``X-Content-Type-Options``, ``Referrer-Policy``, ``Permissions-Policy``,
  ``Cross-Origin-Opener-Policy``; ``Strict-Transport-Security`` when the request came over
  https (directly or as ``X-Forwarded-Proto`` says); ``Server: atoll`` instead of the
  web server's own banner (its name and version help nobody but an attacker).
- A request for ``/_event`` (Reflex's websocket) from a page on another origin is refused
  before Engine.IO sees it, so a page elsewhere can't act as a signed-in visitor.

CORS itself is Reflex's middleware, limited to :func:`db.core.config.configured_origins` by
``rxconfig.py``.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import re
from pathlib import Path

import reflex as rx

from app.api.guard import origin_allowed
from app.asgi import ASGIApp, Message, Receive, Scope, Send
from db.core import config
from db.core.settings import settings
from db.wordpress.transform import embed_origins

HSTS = "max-age=63072000; includeSubDomains"
MAX_HTML_BYTES = 4 * 1024 * 1024
"""HTML larger than this is sent without hashing its inline scripts (none of Atoll's is)."""

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S | re.I)

FIXED_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # granian adds "server: granian" unless the app names a server itself: name none of it.
    (b"server", b"atoll"),
)
DROPPED = {b"server", b"x-powered-by"}


@functools.lru_cache(maxsize=1)
def _other_sources() -> tuple[str, str]:
    """Origins besides ``'self'`` the pages use: the backend when it is served apart (dev
    mode, ``reflex export``) for fetches, the websocket and form posts; WordPress for images,
    video and audio."""
    api = config.origin_of(rx.config.get_config().api_url or "")
    connect = f"{api} {api.replace('http', 'ws', 1)}" if api else ""
    images = config.origin_of(settings().wordpress_url or "")
    return connect, images


def policy(script_hashes: list[str]) -> str:
    """The Content-Security-Policy for a response whose inline scripts hash to these."""
    connect, images = _other_sources()
    api = connect.split(" ")[0] if connect else ""
    scripts = " ".join(["'self'", "'unsafe-eval'", *(f"'sha256-{h}'" for h in script_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {images}".rstrip(),
            f"media-src 'self' {images}".rstrip(),
            f"frame-src {' '.join(embed_origins())}",
            "font-src 'self' data:",
            f"connect-src 'self' {connect}".rstrip(),
            f"form-action 'self' {api}".rstrip(),
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


@functools.lru_cache(maxsize=64)
def _script_hashes(body: bytes, encoding: bytes) -> tuple[str, ...]:
    """SHA-256 of each inline script in an HTML body (served gzipped when precompressed)."""
    html = gzip.decompress(body) if encoding == b"gzip" else body
    return tuple(
        base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        for match in _INLINE_SCRIPT.finditer(html)
    )


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _is_https(scope: Scope) -> bool:
    proto = _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower()
    return scope.get("scheme") in ("https", "wss") or proto == "https"


def _cross_origin_event(scope: Scope) -> bool:
    """A browser page on another origin asking for Reflex's ``/_event`` endpoint."""
    if not scope.get("path", "").startswith("/_event"):
        return False
    origin = _header(scope, b"origin")
    if not origin:
        return False
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    return not origin_allowed(
        origin,
        scheme=scheme,
        host=_header(scope, b"host"),
        forwarded_proto=_header(scope, b"x-forwarded-proto"),
    )


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = (
        b'{"error":{"code":"FORBIDDEN",'
        b'"message":"Cross-origin requests are not allowed.","fields":{}}}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *FIXED_HEADERS,
                (b"content-security-policy", policy([]).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """The middleware: wraps the backend ASGI app (``rx.App(api_transformer=…)``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if _cross_origin_event(scope):
            await _refuse(scope, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _Sender(send, https=_is_https(scope)))


class _Sender:
    """Adds the headers to the response start; holds an HTML body until its scripts are hashed."""

    def __init__(self, send: Send, *, https: bool) -> None:
        self.send = send
        self.https = https
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    def _headers(self, message: Message, hashes: list[str]) -> None:
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in DROPPED]
        headers += FIXED_HEADERS
        if message.get("status") != 304:
            # A 304's headers replace the cached response's: the policy with the page's
            # script hashes must stay, so a revalidation sends none.
            headers.append((b"content-security-policy", policy(hashes).encode()))
        if self.https:
            headers.append((b"strict-transport-security", HSTS.encode()))
        message["headers"] = headers

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if content_type.startswith(b"text/html"):
                self.start = message  # sent with the whole body, once its scripts are known
                return
            self._headers(message, [])
            await self.send(message)
            return
        if self.start is not None and message["type"] == "http.response.pathsend":
            # A static file the server would send itself: its scripts must be hashed first.
            message = {"type": "http.response.body", "body": Path(message["path"]).read_bytes()}
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        self.size += len(self.chunks[-1])
        if message.get("more_body", False) and self.size <= MAX_HTML_BYTES:
            return
        body = b"".join(self.chunks)
        start, self.start, self.chunks = self.start, None, []
        encoding = dict(start.get("headers", [])).get(b"content-encoding", b"")
        hashes = list(_script_hashes(body, encoding)) if self.size <= MAX_HTML_BYTES else []
        self._headers(start, hashes)
        await self.send(start)
        await self.send({**message, "body": body})


def secure(app: ASGIApp) -> ASGIApp:
    """The ``api_transformer`` that puts :class:`SecurityHeaders` around the backend."""
    return SecurityHeaders(app)
