"""``/rss.xml`` and ``/sitemap.xml`` on the running app with the seeded posts."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from tests.factories import make_post
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
    assert not any("[" in (loc or "") for loc in locs)  # dynamic routes are not pages
    post = next(
        u
        for u in urls
        if u.findtext("s:loc", namespaces=SITEMAP_NS, default="").endswith("/blog/hello-atoll")
    )
    assert post.findtext("s:lastmod", namespaces=SITEMAP_NS) == "2025-03-03T09:00:00Z"
