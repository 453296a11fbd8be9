"""Read pages over plain HTTP (no JavaScript): their content and head in the first response,
404s, ETag/304 and cache headers, what drops a cached page, and what never enters one."""

from __future__ import annotations

import gzip
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select

from db.core.engine import session_scope
from db.models import Author, PostSlug, Subscriber
from tests.api.test_newsletter_http import fresh_email, link_tokens
from tests.factories import comment_payload, guestbook_payload, make_post, make_user, sign_in
from tests.server import AppServer

PUBLIC = re.compile(r"^public, max-age=0, s-maxage=\d+, stale-while-revalidate=\d+$")


@pytest.fixture
def site(site_server: AppServer):
    with httpx.Client(base_url=site_server.base_url, timeout=20) as client:
        yield client


def visible(html: str) -> str:
    """The page's text as a reader without JavaScript sees it: no scripts, styles or tags."""
    html = re.sub(r"<(script|style|noscript)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, "the page has no <title>"
    return found.group(1)


@pytest.mark.parametrize(
    ("path", "heading", "texts"),
    [
        ("/", "Atoll", ["Latest posts", "Hello, Atoll", "Why Atoll keeps its data in libSQL"]),
        ("/blog", "Atoll · Blog", ["Hello, Atoll", "Islands of interactivity on a static page"]),
        (
            "/blog/hello-atoll",
            "Hello, Atoll · Atoll",
            [
                "Hello, Atoll",
                "Lena Varga",
                "a like button, a star rating",
                "Comments",
                "Congratulations on the launch!",
                "Margaret Hamilton",
                "No ratings yet",
            ],
        ),
        ("/guestbook", "Atoll · Guestbook", ["Signatures"]),
    ],
)
def test_a_read_page_arrives_with_its_content_and_title(site, path, heading, texts):
    response = site.get(path)
    assert response.status_code == 200
    assert title(response.text) == heading
    shown = visible(response.text)
    for text in texts:
        assert text in shown, f"{text!r} is not in the HTML of {path}"
    assert "Loading" not in shown
    assert "<noscript" not in response.text


def test_the_post_page_shows_its_like_count_and_comment_form(site):
    html = site.get("/blog/hello-atoll").text
    assert re.search(r'class="[^"]*like-count[^"]*">\d+<', html)
    assert 'action="/api/actions/comments.create"' in html
    assert 'action="/api/actions/likes.toggle"' in html
    assert 'action="/api/actions/ratings.rate"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/blog/no-such-post",
        "/blog/" + "x" * 3000,
        "/blog/..%2F..%2Fetc%2Fpasswd",
        "/blog/%00",
        "/blog/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/no/such/page",
        "/blog/category/no-such-term",
        "/blog/author/no-such-author",
    ],
)
def test_unknown_pages_answer_404_with_the_not_found_page(site, path):
    response = site.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Not found" in title(response.text)
    assert "<script>alert(1)</script>" not in response.text


def test_a_renamed_posts_old_slug_answers_301_to_the_new_one(site, site_db):
    new = f"renamed-{uuid.uuid4().hex[:6]}"
    old = f"{new}-old"
    post = make_post(new, title="Moved along", published_at=datetime(2001, 1, 1, tzinfo=UTC))
    assert post.id is not None
    with session_scope(write=True) as session:
        session.add(PostSlug(slug=old, post_id=post.id))

    moved = site.get(f"/blog/{old}", headers={"Accept": "text/html"})

    assert moved.status_code == 301
    assert moved.headers["location"] == f"/blog/{new}"
    assert PUBLIC.match(moved.headers["cache-control"])
    landed = site.get(f"/blog/{old}", follow_redirects=True)
    assert landed.status_code == 200
    assert "Moved along" in title(landed.text)
    assert site.get(f"/blog/{old}x").status_code == 404  # only the recorded slug moves


def test_an_unchanged_page_answers_304_to_its_etag(site):
    first = site.get("/blog/hello-atoll")
    etag = first.headers["etag"]
    assert PUBLIC.match(first.headers["cache-control"])
    again = site.get("/blog/hello-atoll", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert site.get("/blog/hello-atoll", headers={"If-None-Match": '"other"'}).status_code == 200


def test_pages_are_gzipped_for_clients_that_accept_it(site):
    raw = site.get("/guestbook", headers={"Accept-Encoding": "identity"})
    zipped = httpx.get(str(site.base_url) + "/guestbook", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == raw.text  # httpx decodes it
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_a_new_guestbook_entry_changes_the_guestbook_page_at_once(site, site_db):
    before = site.get("/guestbook")
    author = f"Reader {uuid.uuid4().hex[:6]}"
    added = site.post("/api/actions/guestbook.add", json=guestbook_payload(author=author))
    assert added.status_code == 200, added.text
    after = site.get("/guestbook")
    assert after.headers["etag"] != before.headers["etag"]
    assert author in visible(after.text)


def test_a_second_page_arrives_rendered_as_the_second_page(site, site_db):
    tag = uuid.uuid4().hex[:6]
    authors = [f"Pager {tag} {n:02d}" for n in range(11)]  # more than a page (10)
    for author in authors:
        added = site.post(
            "/api/actions/guestbook.add",
            json=guestbook_payload(author=author, content=f"Signing {author}"),
        )
        assert added.status_code == 200, added.text

    first, second = (
        visible(site.get("/guestbook").text),
        visible(site.get("/guestbook?page=2").text),
    )

    assert authors[-1] in first and authors[-1] not in second  # newest first
    assert authors[0] in second and authors[0] not in first


def test_a_new_comment_changes_the_post_page_at_once(site, site_db):
    slug = f"cached-{uuid.uuid4().hex[:8]}"
    make_post(slug, published_at=datetime(2001, 1, 1, tzinfo=UTC))
    before = site.get(f"/blog/{slug}")
    text = f"Fresh thought {uuid.uuid4().hex[:6]}"
    created = site.post(
        "/api/actions/comments.create", json=comment_payload(post_slug=slug, content=text)
    )
    assert created.status_code == 200, created.text
    after = site.get(f"/blog/{slug}")
    assert after.headers["etag"] != before.headers["etag"]
    assert text in visible(after.text)


def test_a_signed_in_visitor_gets_a_private_page_and_never_anothers(site, site_server, site_db):
    name = f"Member {uuid.uuid4().hex[:6]}"
    token = sign_in(make_user(f"{uuid.uuid4().hex[:8]}@example.com", display_name=name))
    with httpx.Client(
        base_url=site_server.base_url, timeout=20, cookies={"atoll_session": token}
    ) as member:
        mine = member.get("/blog/hello-atoll")
    assert mine.headers["cache-control"] == "private, no-store"
    anonymous = site.get("/blog/hello-atoll")
    assert PUBLIC.match(anonymous.headers["cache-control"])
    assert name not in anonymous.text
    assert "atoll_session" not in anonymous.text


def test_members_only_text_never_reaches_an_anonymous_response(site, site_server, site_db):
    slug = f"members-{uuid.uuid4().hex[:8]}"
    secret = f"Only for members {uuid.uuid4().hex[:8]}"
    make_post(
        slug,
        members_only=True,
        content_html=f"<p>{secret}</p>",
        excerpt_html=secret,
        published_at=datetime(2001, 1, 1, tzinfo=UTC),
    )
    token = sign_in(make_user(f"{uuid.uuid4().hex[:8]}@example.com"))
    with httpx.Client(
        base_url=site_server.base_url, timeout=20, cookies={"atoll_session": token}
    ) as member:
        said = f"Members talking {uuid.uuid4().hex[:6]}"
        assert (
            member.post(
                "/api/actions/comments.create", json=comment_payload(post_slug=slug, content=said)
            ).status_code
            == 200
        )
        theirs = member.get(f"/blog/{slug}")
    assert secret in theirs.text and said in theirs.text
    assert theirs.headers["cache-control"] == "private, no-store"
    for path in (f"/blog/{slug}", "/", "/blog", "/rss.xml", "/sitemap.xml"):
        response = site.get(path)
        assert secret not in response.text, path
        assert said not in response.text, path
    locked = site.get(f"/blog/{slug}").text
    assert 'action="/api/actions/comments.create"' not in locked
    # One sign-in panel stands in for the content, the like button, rating and comments.
    assert "Sign in to read This post is for members of Atoll." in visible(locked)
    assert "like-button" not in locked and 'id="comments"' not in locked


def test_the_confirm_and_unsubscribe_links_work_without_javascript(site, site_db):
    email = fresh_email()
    assert site.post("/api/actions/newsletter.subscribe", json={"email": email}).status_code == 200
    confirm, unsubscribe = link_tokens(email)
    confirmed = site.get(f"/newsletter/confirm/{confirm}")
    assert confirmed.status_code == 200
    assert confirmed.headers["cache-control"] == "private, no-store"
    assert "subscribed" in visible(confirmed.text).lower()
    assert status_of(email) == "active"
    left = site.get(f"/newsletter/unsubscribe/{unsubscribe}")
    assert left.status_code == 200
    assert status_of(email) == "unsubscribed"


def status_of(email: str) -> str:
    from db.core.engine import session_scope

    with session_scope() as session:
        return session.exec(select(Subscriber.status).where(Subscriber.email == email)).one()


def head(html: str) -> dict[str, str]:
    """The head's tags by name/property/rel (first wins, as link previews read them)."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<(?:meta|link)\b[^>]*>", html):
        attrs = dict(re.findall(r'([\w:-]+)="([^"]*)"', tag))
        key = (
            attrs.get("property")
            or attrs.get("name")
            or (f"rel={attrs['rel']}" if "rel" in attrs else "")
        )
        value = attrs.get("content") or attrs.get("href") or ""
        if key and key not in found:
            found[key] = value
    return found


def test_a_post_has_a_full_head_for_search_and_link_previews(site, site_server):
    html = site.get("/blog/hello-atoll").text
    tags = head(html)
    site_url = site_server.base_url
    assert '<html lang="en"' in html
    assert tags["description"] == "Why this blog is mostly static pages with a few small islands."
    assert "<" not in tags["description"]
    assert tags["rel=canonical"] == f"{site_url}/blog/hello-atoll"
    assert tags["og:title"] == "Hello, Atoll · Atoll"
    assert tags["og:type"] == "article"
    assert tags["og:url"] == f"{site_url}/blog/hello-atoll"
    assert tags["og:image"].startswith(("http://", "https://"))
    assert tags["twitter:card"] == "summary_large_image"
    assert site.get(tags["og:image"].removeprefix(site_url)).status_code == 200
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld, "no JSON-LD"
    data = json.loads(ld.group(1))
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Hello, Atoll"
    assert data["author"] == {
        "@type": "Person",
        "name": "Lena Varga",
        "url": f"{site_url}/blog/author/lena-varga",
    }
    assert 'href="/blog/author/lena-varga"' in html  # the byline links the author's page
    assert data["datePublished"].startswith("2025-03-03")


def test_the_site_has_a_favicon(site):
    icon = site.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.content[:4] == b"\x00\x00\x01\x00"


def test_a_locked_posts_head_says_nothing_of_its_text(site, site_db):
    slug = f"members-{uuid.uuid4().hex[:8]}"
    secret = f"Members' excerpt {uuid.uuid4().hex[:8]}"
    make_post(
        slug,
        members_only=True,
        excerpt_html=f"<p>{secret}</p>",
        published_at=datetime(2001, 1, 1, tzinfo=UTC),
    )
    html = site.get(f"/blog/{slug}").text
    assert secret not in html
    assert "application/ld+json" not in html
    assert head(html)["description"] == "A post for members of Atoll."


def test_hashed_assets_may_be_kept_for_good(site):
    html = site.get("/").text
    asset = re.search(r'(/assets/[^"]+\.js)"', html)
    assert asset, "no hashed script in the page"
    response = site.get(asset.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_members_page_arrives_complete_for_a_signed_in_member(site, site_server, site_db):
    slug = f"members-list-{uuid.uuid4().hex[:8]}"
    make_post(
        slug,
        title=f"For members {slug}",
        members_only=True,
        published_at=datetime(2001, 1, 1, tzinfo=UTC),
    )
    token = sign_in(make_user(f"{uuid.uuid4().hex[:8]}@example.com"))
    with httpx.Client(
        base_url=site_server.base_url, timeout=20, cookies={"atoll_session": token}
    ) as member:
        page = member.get("/members")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert f"For members {slug}" in visible(page.text)
    assert f"For members {slug}" not in site.get("/members").text


def test_the_members_page_sends_a_signed_out_visitor_to_sign_in(site):
    response = site.get("/members")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/members"


# --------------------------------------------------------------------------- authors, media


def make_author(slug: str, name: str, **fields: Any) -> int:
    with session_scope(write=True) as session:
        author = Author(slug=slug, name=name, **fields)
        session.add(author)
        session.flush()
        assert author.id is not None
        return author.id


def test_an_author_page_arrives_with_the_author_and_their_posts(site, site_server, site_db):
    slug = f"author-{uuid.uuid4().hex[:8]}"
    bio = "Writes about <script>alert(1)</script> engines & looms."  # text, as the sync keeps it
    author_id = make_author(
        slug,
        "Ada Lovelace",
        description=bio,
        avatar_url="https://a.test/96.png",
        avatar_urls={"48": "https://a.test/48.png", "96": "https://a.test/96.png"},
    )
    post = f"by-{slug}"
    make_post(post, title="Notes on the engine", author_id=author_id)
    make_post(f"{post}-draft", title="Unfinished", author_id=author_id, status="draft")

    response = site.get(f"/blog/author/{slug}")

    assert response.status_code == 200
    assert PUBLIC.match(response.headers["cache-control"])
    html = response.text
    assert title(html) == "Atoll · Ada Lovelace"
    shown = visible(html)
    assert "Ada Lovelace" in shown and "Notes on the engine" in shown
    assert "Unfinished" not in shown
    assert "Writes about &lt;script&gt;alert(1)&lt;/script&gt; engines &amp; looms." in html
    assert "<script>alert(1)" not in html
    assert re.search(r'<img[^>]*src="https://a.test/96.png"[^>]*width="96"', html)
    tags = head(html)
    assert tags["rel=canonical"] == f"{site_server.base_url}/blog/author/{slug}"
    assert tags["description"] == bio.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert ld, "no JSON-LD"
    assert json.loads(ld.group(1))["mainEntity"]["name"] == "Ada Lovelace"
    # Its posts link back to it.
    assert f'href="/blog/author/{slug}"' in site.get(f"/blog/{post}").text


def test_the_featured_image_has_its_size_and_srcset_and_the_hero_loads_first(site, site_db):
    slug = f"pictured-{uuid.uuid4().hex[:8]}"
    srcset = "https://a.test/reef-300x169.png 300w, https://a.test/reef.png 640w"
    make_post(
        slug,
        featured_image_url="https://a.test/reef.png",
        featured_image_alt="A reef at low tide",
        featured_image_width=640,
        featured_image_height=360,
        featured_image_srcset=srcset,
        published_at=datetime(2001, 1, 1, tzinfo=UTC),
    )

    html = site.get(f"/blog/{slug}").text

    found = re.search(r'<img[^>]*class="[^"]*post-featured-image[^"]*"[^>]*>', html)
    assert found, "no featured image"
    # Attribute names are case-blind in HTML (React writes ``srcSet``, ``fetchPriority``).
    attrs = {k.lower(): v for k, v in re.findall(r'([\w-]+)="([^"]*)"', found.group(0))}
    assert {k: attrs.get(k) for k in ("src", "alt", "width", "height", "srcset")} == {
        "src": "https://a.test/reef.png",
        "alt": "A reef at low tide",
        "width": "640",
        "height": "360",
        "srcset": srcset,
    }
    assert attrs["sizes"] == "(max-width: 880px) 100vw, 880px"
    assert (attrs["loading"], attrs["fetchpriority"]) == ("eager", "high")
