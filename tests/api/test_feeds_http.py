"""``/rss.xml`` and the sitemap on the running app: with the seeded posts, and split into an
index on a server of its own with a small ``ATOLL_SITEMAP_LIMIT``."""

from __future__ import annotations

import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import col, delete

from app.api.feeds import warn_without_site_url
from db.core.engine import session_scope
from db.models import Post
from tests.factories import make_post
from tests.server import AppServer, prepare_database, use_database
from tests.waiting import eventually

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
CACHE_TURNOVER = 150.0
"""Seconds for the server's post cache to show a new row at worst (60 fresh + 60 stale + slack)."""


def until(fetch: Callable[[], httpx.Response], ready: Callable[[str], bool]) -> str:
    """The body ``fetch`` answers once ``ready`` holds for it, polled up to a deadline."""

    def body() -> str | None:
        response = fetch()
        assert response.status_code == 200
        return response.text if ready(response.text) else None

    return eventually(body, timeout=CACHE_TURNOVER, every=0.25)


# First in the file, so it normally meets a cold cache: the server caches both documents and
# a sync (not this test's direct insert) is what invalidates them.
def test_members_only_posts_are_in_neither_the_rss_nor_the_sitemap(client, server_db):
    tag = uuid.uuid4().hex[:8]
    secret = make_post(f"members-{tag}", title=f"Members only {tag}", members_only=True)
    # A public post written after it: once the documents show this one, they were built
    # from a read that also saw the members-only post. Dated long ago: no seeded order moves.
    canary = make_post(
        f"public-{tag}", title=f"Public {tag}", published_at=datetime(2001, 1, 1, tzinfo=UTC)
    )

    rss = until(lambda: client.get("/rss.xml"), lambda body: canary.title in body)
    titles = [i.findtext("title") for i in ET.fromstring(rss).iter("item")]
    assert canary.title in titles
    assert secret.title not in rss and f"/blog/{secret.slug}" not in rss

    sitemap = until(
        lambda: client.get("/sitemap.xml"), lambda body: f"/blog/{canary.slug}<" in body
    )
    assert f"/blog/{secret.slug}<" not in sitemap and secret.title not in sitemap


def test_rss_lists_published_posts_newest_first(client):
    response = client.get("/rss.xml")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [i.findtext("title") for i in items][:3] == [
        "Why Atoll keeps its data in libSQL",
        "Islands of interactivity on a static page",
        "Hello, Atoll",
    ]
    first = items[0]
    assert first.findtext("link") == "http://localhost:3000/blog/why-libsql"
    assert first.findtext("pubDate") == "Wed, 12 Mar 2025 08:15:00 GMT"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Lena Varga"
    assert first.findtext("description", "").startswith("<p>One file on a laptop")


def test_the_sitemap_lists_pages_and_posts(client):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    urls = ET.fromstring(response.content).findall("s:url", SITEMAP_NS)
    locs = [u.findtext("s:loc", namespaces=SITEMAP_NS) for u in urls]
    assert "http://localhost:3000/" in locs and "http://localhost:3000/blog" in locs
    assert "http://localhost:3000/blog/hello-atoll" in locs
    # Every author of a public post has a page (the seed's two).
    assert [loc for loc in locs if loc and "/blog/author/" in loc] == [
        "http://localhost:3000/blog/author/lena-varga",
        "http://localhost:3000/blog/author/tomas-rivera",
    ]
    assert not any("[" in (loc or "") for loc in locs)  # dynamic routes are not pages
    post = next(
        u
        for u in urls
        if u.findtext("s:loc", namespaces=SITEMAP_NS, default="").endswith("/blog/hello-atoll")
    )
    assert post.findtext("s:lastmod", namespaces=SITEMAP_NS) == "2025-03-03T09:00:00Z"


SITE = "http://localhost:3000"  # SITE_URL is unset on these servers
PUBLIC_PAGES = [f"{SITE}/", f"{SITE}/blog", f"{SITE}/guestbook", f"{SITE}/contact"]
"""The route table's public read pages, in its order; /admin, /account, /login, /signup,
/members and the newsletter links are not."""


def url_entries(body: bytes) -> list[tuple[str, str | None]]:
    """Each ``<url>`` of a ``urlset`` as (loc, lastmod)."""
    root = ET.fromstring(body)
    assert root.tag == f"{{{SITEMAP_NS['s']}}}urlset"
    return [
        (u.findtext("s:loc", "", SITEMAP_NS), u.findtext("s:lastmod", None, SITEMAP_NS))
        for u in root.findall("s:url", SITEMAP_NS)
    ]


def test_the_sitemap_lists_public_read_pages_only_and_a_lastmod_for_every_post_and_term(client):
    entries = url_entries(client.get("/sitemap.xml").content)

    pages = [(loc, m) for loc, m in entries if "/blog/" not in loc]
    assert [loc for loc, _ in pages] == PUBLIC_PAGES
    content = [(loc, m) for loc, m in entries if "/blog/" in loc]
    assert content and all(m is not None for _, m in content), content
    # The pages that list posts changed with the newest post; the others carry no date.
    newest = max(m for _, m in content if m is not None)
    assert dict(pages) == {
        f"{SITE}/": newest,
        f"{SITE}/blog": newest,
        f"{SITE}/guestbook": None,
        f"{SITE}/contact": None,
    }


NO_SITE_URL = "SITE_URL is not set: feeds, the sitemap and emails link to http://localhost:3000"


def test_a_production_server_without_site_url_says_so_at_start(api_server):
    eventually(lambda: NO_SITE_URL in api_server.log_path.read_text(), timeout=30)


@pytest.mark.parametrize(
    ("environ", "warnings"),
    [
        ({"REFLEX_ENV_MODE": "prod"}, [NO_SITE_URL]),
        ({"REFLEX_ENV_MODE": "prod", "SITE_URL": "https://blog.example.org"}, []),
        ({"REFLEX_ENV_MODE": "dev"}, []),
    ],
    ids=["prod-unset", "prod-set", "dev"],
)
def test_only_production_without_site_url_is_warned(monkeypatch, caplog, environ, warnings):
    monkeypatch.delenv("SITE_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.WARNING, logger="atoll.feeds"):
        asyncio.run(warn_without_site_url())
    assert [r.getMessage() for r in caplog.records if r.name == "atoll.feeds"] == warnings


# --------------------------------------------------------------------------- split sitemap

LIMIT = 3
SPLIT_POSTS = {f"split-{n}": datetime(2024, 6, n, 12, 0, tzinfo=UTC) for n in range(1, 6)}
"""Five posts, each last modified on its own day, on a database with nothing else."""


@pytest.fixture(scope="module")
def split_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app with ``ATOLL_SITEMAP_LIMIT=3`` on a database holding just :data:`SPLIT_POSTS`:
    nine URLs with the four public pages, so three sitemaps. The posts are there before it
    starts, so its first sitemap, which it then caches, has them all."""
    root = tmp_path_factory.mktemp("sitemap")
    url = prepare_database(root / "atoll.db", seed=False)
    with use_database(url):
        for slug, modified in SPLIT_POSTS.items():
            make_post(slug, published_at=modified, modified_at=modified)
    server = AppServer.start(
        url, root / "server.log", backend_only=True, env={"ATOLL_SITEMAP_LIMIT": str(LIMIT)}
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def split(split_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=split_server.base_url, timeout=10) as client:
        yield client


def test_past_the_limit_the_sitemap_is_an_index_of_parts_listing_every_url_once(split):
    index = split.get("/sitemap.xml")
    assert index.status_code == 200
    root = ET.fromstring(index.content)
    assert root.tag == f"{{{SITEMAP_NS['s']}}}sitemapindex"
    sitemaps = root.findall("s:sitemap", SITEMAP_NS)
    assert [s.findtext("s:loc", "", SITEMAP_NS) for s in sitemaps] == [
        f"{SITE}/sitemap-1.xml",
        f"{SITE}/sitemap-2.xml",
        f"{SITE}/sitemap-3.xml",
    ]

    parts = [url_entries(split.get(f"/sitemap-{n}.xml").content) for n in (1, 2, 3)]
    assert [len(part) for part in parts] == [3, 3, 3]
    listed = [entry for part in parts for entry in part]
    newest = "2024-06-05T12:00:00Z"
    posts = [
        (f"{SITE}/blog/{slug}", f"{modified:%Y-%m-%dT%H:%M:%SZ}")
        for slug, modified in sorted(SPLIT_POSTS.items(), key=lambda item: item[1], reverse=True)
    ]
    assert listed == [
        (f"{SITE}/", newest),
        (f"{SITE}/blog", newest),
        (f"{SITE}/guestbook", None),
        (f"{SITE}/contact", None),
        *posts,
    ]
    # Each index entry's lastmod is the newest of its part's (the second holds split-5).
    assert [s.findtext("s:lastmod", None, SITEMAP_NS) for s in sitemaps] == [
        newest,
        newest,
        "2024-06-03T12:00:00Z",
    ]
    for missing in ("/sitemap-0.xml", "/sitemap-4.xml"):
        assert split.get(missing).status_code == 404


def test_the_sitemap_is_served_from_the_cache_until_a_sync_invalidates_it(split, split_server):
    first = split.get("/sitemap.xml")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["content-encoding"] == "gzip"  # httpx asks for it; the cache has it

    # A post written behind the cache's back (a sync would invalidate it): a rebuilt sitemap
    # would list ten URLs in four parts, the cached one still lists nine in three.
    with use_database(split_server.database_url):
        make_post("split-behind-the-cache")
    try:
        again = split.get("/sitemap.xml")
        assert (again.headers["etag"], again.content) == (etag, first.content)
        assert split.get("/sitemap-4.xml").status_code == 404
        assert "split-behind-the-cache" not in split.get("/sitemap-3.xml").text
        unchanged = split.get("/sitemap.xml", headers={"If-None-Match": etag})
        assert (unchanged.status_code, unchanged.content) == (304, b"")
    finally:
        with use_database(split_server.database_url), session_scope(write=True) as session:
            session.exec(delete(Post).where(col(Post.slug) == "split-behind-the-cache"))
