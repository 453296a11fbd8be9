"""``/rss.xml`` and ``/sitemap.xml`` on the running app with the seeded posts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_rss_lists_published_posts_newest_first(client):
    response = client.get("/rss.xml")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [i.findtext("title") for i in items][:3] == [
        "Why Atoll keeps its data in libSQL", "Islands of interactivity on a static page",
        "Hello, Atoll"]
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
    post = next(u for u in urls if u.findtext("s:loc", namespaces=SITEMAP_NS, default="")
                .endswith("/blog/hello-atoll"))
    assert post.findtext("s:lastmod", namespaces=SITEMAP_NS) == "2025-03-03T09:00:00Z"
