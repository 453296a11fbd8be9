"""``GET /rss.xml`` and ``GET /sitemap.xml``: the published posts for feed readers and crawlers.

Members-only posts are never in either: the reads behind them (:func:`db.posts.list_posts`,
:func:`db.posts.sitemap_posts`, :func:`db.posts.sitemap_terms`) leave them out.

Both are built from the cached post reads (:mod:`db.posts`), so a sync that changes a post
shows up here as soon as it invalidates the cache. Links are absolute, on ``SITE_URL``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from db import posts
from db.core import config
from db.core.cache import LISTS_TAG, posts_cache
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import PostPublic, TermPublic

FEED_SIZE = 20
FEED_TITLE = "Atoll"
FEED_DESCRIPTION = "Posts from the Atoll blog."
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=60"
TERM_PATHS = {"category": "category", "tag": "tag"}


def post_url(base: str, slug: str) -> str:
    return f"{base}/blog/{quote(slug)}"


def term_url(base: str, term: TermPublic) -> str:
    return f"{base}/blog/{TERM_PATHS[term.taxonomy]}/{quote(term.slug)}"


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


def render_sitemap(
    base: str, pages: list[str], entries: list[tuple[str, datetime]], terms: list[TermPublic]
) -> str:
    """A sitemaps.org ``urlset``: static pages, every public post, every term that lists one."""
    urls = [f"<url><loc>{escape(base + path)}</loc></url>" for path in pages]
    urls += [
        f"<url><loc>{escape(post_url(base, slug))}</loc>"
        f"<lastmod>{modified.strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod></url>"
        for slug, modified in entries
    ]
    urls += [f"<url><loc>{escape(term_url(base, term))}</loc></url>" for term in terms]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(urls)
        + "</urlset>\n"
    )


def _static_paths() -> list[str]:
    from app.routes import ROUTES  # the route table imports every page: load it lazily

    return [route.path for route in ROUTES if "[" not in route.path]


def _feed(session: Session) -> list[PostPublic]:
    items, _pages = posts.cached_posts(session, page=1, per_page=FEED_SIZE)
    return items


def _sitemap(session: Session) -> tuple[list[tuple[str, datetime]], list[TermPublic]]:
    return posts_cache.get(
        session,
        ("sitemap",),
        lambda s: (posts.sitemap_posts(s), posts.sitemap_terms(s)),
        tags=(LISTS_TAG,),
    )


def _read_feed() -> list[PostPublic]:
    with session_scope() as session:
        return _feed(session)


def _read_sitemap() -> tuple[list[tuple[str, datetime]], list[TermPublic]]:
    with session_scope() as session:
        return _sitemap(session)


async def rss(_request: Request) -> Response:
    items = await asyncio.to_thread(_read_feed)
    body = render_rss(config.site_url(), items, utcnow())
    return Response(
        body,
        media_type="application/rss+xml; charset=utf-8",
        headers={"Cache-Control": CACHE_CONTROL},
    )


async def sitemap(_request: Request) -> Response:
    entries, terms = await asyncio.to_thread(_read_sitemap)
    body = render_sitemap(config.site_url(), _static_paths(), entries, terms)
    return Response(
        body, media_type="application/xml; charset=utf-8", headers={"Cache-Control": CACHE_CONTROL}
    )
