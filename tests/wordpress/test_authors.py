"""Authors, featured media and sticky posts, from the real WordPress to the served pages.

An author's bio and avatars, the featured image's sizes and the ``sticky`` flag come from
the REST API the sync reads; the webhook the plugin sends on each change makes them show.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from db.core.engine import session_scope
from db.posts import list_posts_by_author
from tests.waiting import eventually

pytestmark = pytest.mark.server


def card_slugs(html: str) -> list[str]:
    """The posts a list page shows, in its order (each card's title links to its post)."""
    links = re.findall(r"<a\b[^>]*post-card-link[^>]*>", html)
    return [m.group(1) for link in links if (m := re.search(r'href="/blog/([^"]+)"', link))]


def attributes(tag: str) -> dict[str, str]:
    """A start tag's attributes, names lower-cased (React writes ``srcSet``; HTML: any case)."""
    return {k.lower(): v for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}


@pytest.fixture
def lena(wp_admin: httpx.Client) -> Iterator[dict[str, Any]]:
    """The seeded author Lena, given a bio with markup for one test (then none again)."""
    found = wp_admin.get("/users", params={"slug": "lena", "context": "edit"})
    found.raise_for_status()
    user = found.json()[0]
    bio = f"Lena writes about <strong>reefs</strong> &amp; tides ({uuid.uuid4().hex[:6]})."
    wp_admin.post(f"/users/{user['id']}", json={"description": bio}).raise_for_status()
    yield user | {"bio": bio}
    wp_admin.post(f"/users/{user['id']}", json={"description": ""}).raise_for_status()


def test_an_author_page_a_responsive_image_and_a_sticky_post_follow_wordpress(
    app: httpx.Client,
    wp_admin: httpx.Client,
    wp_post: Callable[..., dict[str, Any]],
    lena: dict[str, Any],
    app_db: str,
):
    seeded = wp_admin.get("/posts", params={"slug": "hello-from-wordpress"}).json()[0]
    slug = f"lagoon-notes-{uuid.uuid4().hex[:8]}"
    created = wp_post(
        title="Lagoon notes",
        slug=slug,
        author=lena["id"],
        featured_media=seeded["featured_media"],
        content="<p>Notes from the lagoon.</p>",
        date_gmt="2001-01-01T09:00:00",  # older than every other post: first only when stuck
    )

    # The post page: the hero image with its real size and the same picture's other sizes.
    html = eventually(lambda: (r := app.get(f"/blog/{slug}")).status_code == 200 and r.text)
    hero = re.search(r'<img[^>]*class="[^"]*post-featured-image[^"]*"[^>]*>', html)
    assert hero, "no featured image"
    image = attributes(hero.group(0))
    source = image["src"].removesuffix(".png")
    # WordPress numbers a re-uploaded file (atoll-lagoon-2.png) when the dev site is reseeded.
    assert re.search(r"/atoll-lagoon(-\d+)?\.png$", image["src"]), image["src"]
    assert (image["width"], image["height"], image["alt"]) == (
        "640",
        "360",
        "A turquoise lagoon inside a ring of coral",
    )
    # The cropped 150x150 thumbnail is another picture: only the 300x169 size joins it.
    assert image["srcset"] == f"{source}-300x169.png 300w, {source}.png 640w"
    assert (image["loading"], image["fetchpriority"]) == ("eager", "high")
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld, "no JSON-LD"
    author = json.loads(ld.group(1))["author"]
    assert (author["@type"], author["name"]) == ("Person", "Lena Varga")
    assert author["url"].endswith("/blog/author/lena")
    assert 'href="/blog/author/lena"' in html

    # Her page: the bio as text (the markup WordPress kept is not ours to render), her posts.
    page = app.get("/blog/author/lena")
    assert page.status_code == 200
    assert lena["bio"].replace("<strong>", "").replace("</strong>", "") in page.text
    assert "<strong>reefs" not in page.text
    assert card_slugs(page.text)[:2] == ["hostile-markup", "hello-from-wordpress"]
    with session_scope() as session:  # her last page (clamped) ends with her oldest post
        _author, last = list_posts_by_author(session, "lena", page=1_000_000)
    assert last.items[-1].slug == slug
    assert re.search(r"<img[^>]*gravatar\.com/avatar/[^\"]*s=96", page.text)
    assert app.get("/blog/author/nobody-at-all").status_code == 404

    # Stuck in WordPress: first on the home page and the blog; unstuck: back in date order.
    assert slug not in card_slugs(app.get("/").text)
    wp_admin.post(f"/posts/{created['id']}", json={"sticky": True}).raise_for_status()
    for path in ("/", "/blog"):
        eventually(lambda path=path: card_slugs(app.get(path).text)[:1] == [slug])
    wp_admin.post(f"/posts/{created['id']}", json={"sticky": False}).raise_for_status()
    eventually(lambda: slug not in card_slugs(app.get("/").text))
