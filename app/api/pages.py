"""Read pages, server-rendered with their content and cached like static files.

``GET`` (and ``HEAD``) of a route the route table marks ``render="public"`` answers the
page rendered from its real state (:mod:`app.render`), from an in-process cache:

- fresh for ``ATOLL_PAGE_MAX_AGE`` seconds, then served stale for up to
  ``ATOLL_PAGE_STALE_SECONDS`` more while one background render refreshes it; dropped at
  once when what it shows changes (a sync, a comment, a guestbook entry: the
  :func:`db.core.cache.changed` tags). Like counts and rating summaries may lag by the fresh
  time; the live island corrects them when it connects.
- a strong ``ETag`` (the body's SHA-256) and ``304`` for a matching ``If-None-Match``;
  ``Cache-Control: public, max-age=0, s-maxage=N, stale-while-revalidate=M``, so a CDN or
  nginx can serve it too; gzip when the client accepts it.

A visitor with a session cookie or a protected post's remembered password
(:data:`PERSONAL_COOKIES`), and routes marked ``render="private"`` (pages that act on or
show one visitor's data: those also say ``X-Robots-Tag: noindex``), get a page rendered for
them alone, ``private, no-store``; a page state's ``http_status`` (:data:`STATUS_VAR`)
sets a refusal's status.
Unknown slugs answer the not-found page with status 404. Without a server build (the dev
server, or a backend-only process started before any production build) every request
goes on to Reflex untouched.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from app.api.actions import respond
from app.api.guard import client_ip
from app.asgi import ASGIApp, Receive, Scope, Send
from app.render.server import RenderUnavailable, build_dir, has_server_build, renderer
from app.render.snapshot import NOT_FOUND, route_of, route_params, snapshot
from app.routes import ROUTES, Route
from db.accounts import SESSION_COOKIE
from db.core import cache, config
from db.core.actions import ActionResult, shown_error
from db.protected import POSTPASS_COOKIE

log = logging.getLogger("atoll.pages")


MAX_ENTRIES = 512
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
PRIVATE = "private, no-store"
PERSONAL_COOKIES = (SESSION_COOKIE, POSTPASS_COOKIE)
"""A request carrying one of these (a session; a protected post's remembered password) gets
a page rendered for it alone: what it shows may be for that visitor only."""
STATUS_VAR = "http_status_rx_state_"
"""A page state's ``http_status`` var, when it holds a 4xx or 5xx, is the response's status
(an expired preview link's page answers 410, not 200)."""


@dataclass
class Page:
    """One rendered page, ready to send."""

    status: int
    body: bytes
    gzipped: bytes
    etag: str
    tags: frozenset[str]
    rendered_at: float = field(default_factory=time.monotonic)
    refreshing: bool = False
    location: str | None = None

    @classmethod
    def of(cls, status: int, body: bytes, tags: frozenset[str]) -> Page:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(status, body, gzip.compress(body, 6), etag, tags)

    @classmethod
    def redirect(cls, location: str) -> Page:
        """A load handler's ``rx.redirect``: the same place, before any page is sent."""
        return cls(303, b"", b"", "", frozenset(), location=location)

    @classmethod
    def moved(cls, location: str, tags: frozenset[str]) -> Page:
        """The page is at ``location`` now (a renamed post): permanent, and as public as
        the page was, until one of ``tags`` changes."""
        return cls(301, b"", b"", "", tags, location=location)


class PageCache:
    """Rendered public pages by path and query; dropped by tag, refreshed in the background."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.generation = 0

    def drop(self, tags: frozenset[str]) -> None:
        self.generation += 1
        for key in [k for k, page in self.pages.items() if page.tags & tags]:
            del self.pages[key]

    def store(self, key: str, page: Page, generation: int) -> None:
        if generation != self.generation:
            return  # changed while rendering: the page may show the old data
        self.pages[key] = page
        while len(self.pages) > MAX_ENTRIES:
            del self.pages[next(iter(self.pages))]


pages = PageCache()
cache.on_change(lambda tags: pages.drop(tags))

_ROUTES: dict[str, Route] = {route.path: route for route in ROUTES}


def _tags(route: Route, params: dict[str, str]) -> frozenset[str]:
    return frozenset(tag.format(**params) for tag in route.cache_tags)


async def _render(path: str, query: dict[str, str], route: Route, visitor: Request | None) -> Page:
    """Compute the page's state (for ``visitor`` alone when given), render it, and note
    what it depends on."""
    params = route_params(route.path, path) if route.path != NOT_FOUND else {}
    islands = route.islands(params) if route.islands else ()
    cookie = visitor.headers.get("cookie", "") if visitor else ""
    ip = client_ip(visitor) if visitor else ""
    shot = await snapshot(path, query, cookie=cookie, client_ip=ip, islands=islands)
    if shot.redirect is not None:
        return Page.redirect(shot.redirect)
    # The render server parses a URL: send the path percent-encoded, as a browser would.
    full = quote(path, safe=_PATH_SAFE) + ("?" + urlencode(sorted(query.items())) if query else "")
    rendered = await renderer.render(full, shot.state)
    status = rendered.status
    refused = [
        code
        for sub in shot.state.values()
        if isinstance(code := sub.get(STATUS_VAR), int) and 400 <= code < 600
    ]
    if refused:
        return Page.of(refused[0], rendered.html, _tags(route, params))
    # The not-found route (a path no other route claims) says itself whether it found a
    # WordPress page or custom item there (state.content.ContentState.found).
    if any(sub.get("found_rx_state_") is False for sub in shot.state.values()):
        status = 404
        if route.moved is not None and (location := await asyncio.to_thread(route.moved, params)):
            return Page.moved(location, _tags(route, params))
    return Page.of(status, rendered.html, _tags(route, params))


def _refresh(key: str, path: str, query: dict[str, str], route: Route) -> None:
    generation = pages.generation

    async def run() -> None:
        try:
            pages.store(key, await _render(path, query, route, None), generation)
        except Exception:
            log.exception("background render of %s failed; serving the stale page", path)
            if (page := pages.pages.get(key)) is not None:
                page.refreshing = False

    task = asyncio.get_running_loop().create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()


async def _public_page(key: str, path: str, query: dict[str, str], route: Route) -> Page:
    fresh, stale = config.page_cache_seconds()
    page = pages.pages.get(key)
    if page is not None:
        age = time.monotonic() - page.rendered_at
        if age < fresh:
            return page
        if age < fresh + stale:
            if not page.refreshing:
                page.refreshing = True
                _refresh(key, path, query, route)
            return page
    if (pending := _rendering.get(key)) is not None:
        return await asyncio.shield(pending)  # a burst of misses waits for one render
    generation = pages.generation
    pending = asyncio.get_running_loop().create_task(_render(path, query, route, None))
    _rendering[key] = pending
    try:
        page = await asyncio.shield(pending)
    finally:
        _rendering.pop(key, None)
    pages.store(key, page, generation)
    return page


_rendering: dict[str, asyncio.Task[Page]] = {}


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 ``If-None-Match``: a list of tags or ``*``, compared weakly (``W/`` ignored)."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",") if t.strip()]
    return "*" in tags or etag in tags


def _respond(request: Request, page: Page, cache_control: str) -> Response:
    if page.location is not None:
        moved = page.status == 301
        return Response(
            status_code=page.status,
            headers={
                "Location": page.location,
                "Cache-Control": cache_control if moved else PRIVATE,
            },
        )
    headers = {"Cache-Control": cache_control, "ETag": page.etag, "Vary": "Accept-Encoding"}
    if page.status == 200 and etag_matches(request.headers.get("if-none-match", ""), page.etag):
        return Response(status_code=304, headers=headers)
    body = page.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = page.gzipped, "gzip"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, status_code=page.status, headers=headers, media_type="text/html")


async def serve(request: Request, route: Route) -> Response:
    """The page for ``request``: from the cache when public, rendered alone when personal."""
    path = request.url.path.rstrip("/") or "/"
    query = dict(request.query_params)
    if route.render == "private" or any(name in request.cookies for name in PERSONAL_COOKIES):
        page = await _render(path, query, route, request)
        response = _respond(request, page, PRIVATE)
        if route.render == "private":  # one visitor's page (a preview, a link from a mail)
            response.headers["X-Robots-Tag"] = "noindex"
        return response
    key = path + "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    page = await _public_page(key, path, query, route)
    fresh, stale = config.page_cache_seconds()
    return _respond(
        request, page, f"public, max-age=0, s-maxage={fresh:g}, stale-while-revalidate={stale:g}"
    )


NOT_FOUND_PAGE = _ROUTES[NOT_FOUND]
"""A path no route matches and no file answers: a WordPress page or custom type there
(:mod:`state.content`), or the not-found page with status 404."""


def _route_of(scope: Scope) -> Route | None:
    """The server-rendered route a request is for: a ``render`` route of the table, or the
    not-found route (pages, custom types, else not found) for a page request
    (``Accept: text/html``) that matches nothing."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return None
    path = scope["path"]
    pattern = route_of(path)
    if pattern is not None:
        route = _ROUTES.get(pattern)
        return route if route is not None and route.render else None
    accept = dict(scope.get("headers", [])).get(b"accept", b"")
    if b"text/html" not in accept or _is_static_file(path):
        return None
    return NOT_FOUND_PAGE


def _is_static_file(path: str) -> bool:
    static = build_dir() / "client"
    relative = path.strip("/")
    return any((static / name).is_file() for name in (relative, f"{relative}.html") if name)


ASSETS = "/assets/"
IMMUTABLE = b"public, max-age=31536000, immutable"


def _immutable(send: Send) -> Send:
    """The build's assets are named by their content hash: a browser may keep them for good."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
            ]
            message["headers"] = [*headers, (b"cache-control", IMMUTABLE)]
        await send(message)

    return sending


class RenderedPages:
    """The ``api_transformer`` that answers rendered pages in front of Reflex's static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ASSETS):
            await self.app(scope, receive, _immutable(send))
            return
        route = _route_of(scope)
        if route is None or not has_server_build():
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await serve(request, route)
        except RenderUnavailable as exc:
            log.error("page %s not rendered (%s); serving the static page", scope["path"], exc)
            await self.app(scope, receive, send)
            return
        except Exception as exc:  # noqa: BLE001 - its data can't be read: the one error path
            # e.g. a signed-in visitor's page while the database can't say who they are: 503
            # as a small page (or JSON), never a bare 500, never stored by a cache.
            error = shown_error(exc, f"rendering page {scope['path']}")
            response = respond(request, ActionResult(error=error))
            response.headers["Cache-Control"] = PRIVATE
        await response(scope, receive, send)


def rendered_pages(app: ASGIApp) -> ASGIApp:
    return RenderedPages(app)
