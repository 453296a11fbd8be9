"""``GET /rss.xml`` and the sitemap: the published posts for feed readers and crawlers.

Members-only posts are never in either: the reads behind them (:func:`db.posts.list_posts`,
:func:`db.posts.sitemap_posts`, :func:`db.posts.sitemap_terms`) leave them out. The sitemap
lists the public read pages of the route table (:attr:`app.routes.Route.in_sitemap`: not
``/admin``, ``/account``, ``/login`` or ``/signup``), every public post and every category,
tag and author (``/blog/author/<slug>``) that lists one, and every synced WordPress page,
custom item and custom type's list (:mod:`db.content`), each with its ``lastmod``. Past
``ATOLL_SITEMAP_LIMIT`` URLs (the protocol's 50 000) ``/sitemap.xml`` is a sitemap index of
``/sitemap-1.xml``, ``/sitemap-2.xml``, ….

Both are built from the cached post reads (:mod:`db.posts`), so a sync that changes a post
shows up here as soon as it invalidates the cache. The sitemap's documents are rendered
once and kept in the same cache under the same tag (thousands of posts make a megabyte of
XML): a request is answered from memory, with a strong ETag (``304`` when it matches) and
gzip. Links are absolute, on ``SITE_URL``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from reflex_base.constants import Env
from reflex_base.environment import environment
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from app.api.pages import etag_matches
from db import content, posts
from db.core import config
from db.core.cache import LISTS_TAG, posts_cache
from db.core.engine import session_scope
from db.core.settings import settings
from db.core.types import utcnow
from db.models import PostPublic, TermPublic

log = logging.getLogger("atoll.feeds")

FEED_SIZE = 20
FEED_TITLE = "Atoll"
FEED_DESCRIPTION = "Posts from the Atoll blog."
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=60"
TERM_PATHS = {"category": "category", "tag": "tag"}
XML = "application/xml; charset=utf-8"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def post_url(base: str, slug: str) -> str:
    return f"{base}/blog/{quote(slug)}"


def term_url(base: str, term: TermPublic) -> str:
    return f"{base}/blog/{TERM_PATHS[term.taxonomy]}/{quote(term.slug)}"


def author_url(base: str, slug: str) -> str:
    return f"{base}/blog/author/{quote(slug)}"


def part_url(base: str, number: int) -> str:
    return f"{base}/sitemap-{number}.xml"


def render_rss(base: str, items: list[PostPublic], built: datetime) -> str:
    """An RSS 2.0 document; excerpts are already sanitized HTML, escaped once more as text."""
    entries = "".join(
        "<item>"
        f"<title>{escape(p.title)}</title>"
        f"<link>{escape(post_url(base, p.slug))}</link>"
        f'<guid isPermaLink="true">{escape(post_url(base, p.slug))}</guid>'
        f"<pubDate>{format_datetime(p.published_at, usegmt=True)}</pubDate>"
        + (f"<dc:creator>{escape(p.author_name)}</dc:creator>" if p.author_name else "")
        + f"<description>{escape(p.excerpt_html)}</description>"
        "</item>"
        for p in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(FEED_TITLE)}</title><link>{escape(base)}/blog</link>"
        f"<description>{escape(FEED_DESCRIPTION)}</description><language>en</language>"
        f'<atom:link href="{escape(base)}/rss.xml" rel="self" type="application/rss+xml"/>'
        f"<lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>"
        f"{entries}</channel></rss>\n"
    )


# --------------------------------------------------------------------------- sitemap

SitemapUrl = tuple[str, datetime | None]
"""An absolute URL and when what it shows last changed (``None``: not known)."""


def _lastmod(modified: datetime | None) -> str:
    return f"<lastmod>{modified.strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod>" if modified else ""


def render_urlset(urls: list[SitemapUrl]) -> str:
    """A sitemaps.org ``urlset``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">'
        + "".join(f"<url><loc>{escape(url)}</loc>{_lastmod(m)}</url>" for url, m in urls)
        + "</urlset>\n"
    )


def render_index(base: str, parts: list[list[SitemapUrl]]) -> str:
    """A sitemaps.org ``sitemapindex`` of ``parts`` (each at :func:`part_url`), each with the
    last change among its URLs."""
    entries = "".join(
        f"<sitemap><loc>{escape(part_url(base, number))}</loc>"
        + _lastmod(max((m for _url, m in part if m is not None), default=None))
        + "</sitemap>"
        for number, part in enumerate(parts, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">'
        f"{entries}</sitemapindex>\n"
    )


def sitemap_urls(
    base: str,
    entries: list[tuple[str, datetime]],
    terms: list[tuple[TermPublic, datetime]],
    authors: list[tuple[str, datetime]],
    content: Sequence[tuple[str, datetime]] = (),
) -> list[SitemapUrl]:
    """Every URL of the sitemap: the public read pages, every public post, every term and
    every author that lists one, then every WordPress page, custom item and custom type's
    list (``content``: paths from the root, :func:`db.content.sitemap_content`). A page
    that lists posts (its cache tags name the post lists) last changed with the newest
    post; the others' ``lastmod`` is not known."""
    from app.routes import ROUTES  # the route table imports every page: load it lazily

    newest = max((modified for _slug, modified in entries), default=None)
    urls: list[SitemapUrl] = [
        (base + route.path, newest if LISTS_TAG in route.cache_tags else None)
        for route in ROUTES
        if route.in_sitemap
    ]
    urls += [(post_url(base, slug), modified) for slug, modified in entries]
    urls += [(term_url(base, term), modified) for term, modified in terms]
    urls += [(author_url(base, slug), modified) for slug, modified in authors]
    urls += [(base + path, modified) for path, modified in content]
    return urls


@dataclass(frozen=True)
class Document:
    """One XML document, ready to send: its bytes, gzipped bytes and strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, text: str) -> Document:
        body = text.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body, gzip.compress(body, 6), etag)


@dataclass(frozen=True)
class Sitemap:
    """``/sitemap.xml`` and, past the limit, the parts it indexes (``parts[0]`` is
    ``/sitemap-1.xml``); no parts when one ``urlset`` holds every URL."""

    root: Document
    parts: tuple[Document, ...] = ()


def build_sitemap(urls: list[SitemapUrl], base: str, limit: int) -> Sitemap:
    """The documents for ``urls``: one ``urlset``, or an index of urlsets of ``limit`` each."""
    if len(urls) <= limit:
        return Sitemap(Document.of(render_urlset(urls)))
    parts = [urls[start : start + limit] for start in range(0, len(urls), limit)]
    return Sitemap(
        Document.of(render_index(base, parts)),
        tuple(Document.of(render_urlset(part)) for part in parts),
    )


def _load_sitemap(session: Session, base: str, limit: int) -> Sitemap:
    urls = sitemap_urls(
        base,
        posts.sitemap_posts(session),
        posts.sitemap_terms(session),
        posts.sitemap_authors(session),
        content.sitemap_content(session),
    )
    return build_sitemap(urls, base, limit)


def _read_sitemap() -> Sitemap:
    base, limit = config.site_url(), settings().sitemap_limit
    with session_scope() as session:
        return posts_cache.get(
            session,
            ("sitemap", base, limit),
            lambda s: _load_sitemap(s, base, limit),
            tags=(LISTS_TAG,),
        )


def _send(request: Request, document: Document) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": document.etag, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match", ""), document.etag):
        return Response(status_code=304, headers=headers)
    body = document.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = document.gzipped, "gzip"
    return Response(body, media_type=XML, headers=headers)


async def sitemap(request: Request) -> Response:
    """``GET /sitemap.xml``: every public URL, or the index of the parts past the limit."""
    return _send(request, (await asyncio.to_thread(_read_sitemap)).root)


async def sitemap_part(request: Request) -> Response:
    """``GET /sitemap-<n>.xml``: the n-th part of a split sitemap (404 when there is none)."""
    parts = (await asyncio.to_thread(_read_sitemap)).parts
    number: int = request.path_params["number"]
    if not 1 <= number <= len(parts):
        return Response("Not found.", status_code=404, media_type="text/plain")
    return _send(request, parts[number - 1])


# --------------------------------------------------------------------------- RSS


def _read_feed() -> list[PostPublic]:
    with session_scope() as session:
        # Newest first: a feed reader wants what is new, not what the blog pins on top.
        return posts.cached_posts(session, page=1, per_page=FEED_SIZE, sticky_first=False).items


async def rss(_request: Request) -> Response:
    items = await asyncio.to_thread(_read_feed)
    body = render_rss(config.site_url(), items, utcnow())
    return Response(
        body,
        media_type="application/rss+xml; charset=utf-8",
        headers={"Cache-Control": CACHE_CONTROL},
    )


async def warn_without_site_url() -> None:
    """Lifespan task: say at start when a production server has no ``SITE_URL``.

    Feeds, the sitemap, canonical links and emails would all point at the default
    ``http://localhost:3000``, which nothing else reveals until a crawler or a reader follows
    one. Development runs there, so it stays quiet.
    """
    current = settings()
    if environment.REFLEX_ENV_MODE.get() == Env.PROD and "site_url" not in current.model_fields_set:
        log.warning(
            "SITE_URL is not set: feeds, the sitemap and emails link to %s", current.site_url
        )
