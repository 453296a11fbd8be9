"""state/posts.py: the home page, a post page and the blog's lists, as their pages show them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from db.core import config
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Author, PostTerm, Term
from db.posts import PER_PAGE
from state.posts import BlogState, HomeState, PostState
from tests.factories import make_post, make_user
from tests.state.conftest import Tab, drive

pytestmark = pytest.mark.anyio

SECRET = "<p>Only members read this.</p>"


def titles(state: HomeState | BlogState) -> list[str]:
    return [p["title"] for p in state.posts]


def make_posts(count: int) -> None:
    """``count`` public posts, ``Post 0`` the oldest."""
    start = utcnow() - timedelta(days=count)
    for n in range(count):
        make_post(f"post-{n}", title=f"Post {n}", published_at=start + timedelta(hours=n))


def file_under(post_slug: str, taxonomy: str, slug: str, name: str) -> None:
    post = make_post(post_slug)
    with session_scope(write=True) as session:
        term = Term(taxonomy=taxonomy, slug=slug, name=name)
        session.add(term)
        session.flush()
        assert term.id is not None and post.id is not None
        session.add(PostTerm(post_id=post.id, term_id=term.id))


async def open_post(tab: Tab, slug: str) -> PostState:
    tab.open("/blog/[slug]", slug=slug)
    state = await tab.state(PostState)
    await drive(state.load_post())
    return state


async def test_the_home_page_lists_the_newest_public_posts(tab: Tab):
    make_posts(PER_PAGE + 2)
    make_post("for-members", title="For members", members_only=True)
    make_post("a-draft", title="A draft", status="draft")
    state = await tab.state(HomeState)
    await drive(state.load_posts())
    assert titles(state) == [f"Post {n}" for n in range(PER_PAGE + 1, 1, -1)]
    assert (state.loaded, state.canonical) == (True, config.site_url() + "/")


async def test_a_post_page_shows_the_post_its_author_and_its_head(tab: Tab):
    with session_scope(write=True) as session:
        author = Author(slug="ada", name="Ada Lovelace")
        session.add(author)
        session.flush()
        author_id = author.id
    make_post(
        "engines",
        title="Engines",
        author_id=author_id,
        excerpt_html="<p>On engines &amp; music.</p>",
        content_html="<p>The whole text.</p>",
    )
    state = await open_post(tab, "engines")
    assert (state.found, state.locked, state.loaded) == (True, False, True)
    assert (state.post["title"], state.post["author"], state.title) == (
        "Engines",
        "Ada Lovelace",
        "Engines · Atoll",
    )
    assert state.content_html == "<p>The whole text.</p>"
    assert (state.description, state.og_type) == ("On engines & music.", "article")
    assert state.canonical == config.site_url() + "/blog/engines"
    ld = json.loads(state.json_ld)
    assert (ld["@type"], ld["headline"], ld["author"]["name"]) == (
        "BlogPosting",
        "Engines",
        "Ada Lovelace",
    )


@pytest.mark.parametrize("slug", ["no-such-post", "a-draft"])
async def test_a_missing_or_unpublished_post_is_not_found(tab: Tab, slug):
    make_post("a-draft", status="draft", content_html="<p>Not yet.</p>")
    state = await open_post(tab, slug)
    assert (state.found, state.title, state.post, state.content_html) == (
        False,
        "Atoll · Not found",
        {},
        "",
    )


async def test_a_members_only_post_shows_visitors_nothing_of_its_text(tab: Tab):
    make_post(
        "inner",
        title="Inner circle",
        members_only=True,
        content_html=SECRET,
        excerpt_html="<p>Members excerpt.</p>",
    )
    state = await open_post(tab, "inner")
    assert (state.found, state.locked, state.content_html) == (True, True, "")
    assert (state.post["title"], state.post["excerpt_html"]) == ("Inner circle", "")
    assert state.description == "A post for members of Atoll."
    assert state.json_ld == ""
    assert "Members excerpt" not in json.dumps(state.dict())  # nothing of it reaches the tab


async def test_a_member_reads_a_members_only_post(database: str):
    make_post("inner", members_only=True, content_html=SECRET)
    state = await open_post(Tab(user_id=make_user()), "inner")
    assert (state.locked, state.content_html) == (False, SECRET)


async def test_the_blog_is_paged_with_its_neighbours_in_the_head(tab: Tab):
    make_posts(PER_PAGE + 2)
    tab.open("/blog?page=2")
    state = await tab.state(BlogState)
    await drive(state.load_blog())
    assert titles(state) == ["Post 1", "Post 0"]
    assert (state.page, state.pages, state.heading, state.title) == (2, 2, "Blog", "Atoll · Blog")
    site = config.site_url()
    assert (state.canonical, state.prev_url, state.next_url) == (
        f"{site}/blog?page=2",
        f"{site}/blog",
        "",
    )


@pytest.mark.parametrize(("asked", "shown"), [("99", 2), ("abc", 1), ("0", 1)])
async def test_a_page_past_the_end_or_not_a_number_is_clamped(tab: Tab, asked, shown):
    make_posts(PER_PAGE + 2)
    tab.open(f"/blog?page={asked}")
    state = await tab.state(BlogState)
    await drive(state.load_blog())
    assert state.page == shown


async def test_a_category_page_lists_its_posts(tab: Tab):
    file_under("filed", "category", "islands", "Islands")
    make_post("elsewhere")
    tab.open("/blog/category/[slug]", slug="islands")
    state = await tab.state(BlogState)
    await drive(state.load_category())
    assert (state.found, state.heading, state.title) == (
        True,
        "Category: Islands",
        "Atoll · Category: Islands",
    )
    assert [p["slug"] for p in state.posts] == ["filed"]
    assert state.canonical == config.site_url() + "/blog/category/islands"
    post = await open_post(tab, "filed")
    assert post.terms == [
        {"name": "Islands", "href": "/blog/category/islands", "taxonomy": "category"}
    ]


async def test_an_unknown_tag_is_not_found(tab: Tab):
    make_post("untagged")
    tab.open("/blog/tag/[slug]", slug="nope")
    state = await tab.state(BlogState)
    await drive(state.load_tag())
    assert (state.found, state.title, state.posts) == (False, "Atoll · Not found", [])


def make_author(slug: str, name: str, **fields: Any) -> int:
    with session_scope(write=True) as session:
        author = Author(slug=slug, name=name, **fields)
        session.add(author)
        session.flush()
        assert author.id is not None
        return author.id


async def test_sticky_posts_lead_the_home_page_and_the_blog(tab: Tab):
    make_posts(3)
    make_post("pinned", title="Pinned", sticky=True, published_at=utcnow() - timedelta(days=30))
    home = await tab.state(HomeState)
    await drive(home.load_posts())
    tab.open("/blog")
    blog = await tab.state(BlogState)
    await drive(blog.load_blog())
    expected = ["Pinned", "Post 2", "Post 1", "Post 0"]
    assert (titles(home), titles(blog)) == (expected, expected)
    assert (home.posts[0]["sticky"], home.posts[1]["sticky"]) == ("sticky", "")


async def test_an_author_page_shows_the_author_their_posts_and_a_profile_head(tab: Tab):
    avatars = {"48": "https://a.test/48.png", "96": "https://a.test/96.png"}
    ada = make_author(
        "ada",
        "Ada Lovelace",
        description="Writes notes on engines.",
        avatar_url=avatars["96"],
        avatar_urls=avatars,
    )
    make_post("engines", title="Engines", author_id=ada)
    make_post("someone-elses")
    tab.open("/blog/author/[slug]", slug="ada")
    state = await tab.state(BlogState)
    await drive(state.load_author())
    assert (state.found, state.heading, state.title) == (
        True,
        "Ada Lovelace",
        "Atoll · Ada Lovelace",
    )
    assert state.author == {
        "name": "Ada Lovelace",
        "bio": "Writes notes on engines.",
        "avatar": "https://a.test/96.png",
        "avatar_srcset": "https://a.test/48.png 48w, https://a.test/96.png 96w",
    }
    assert titles(state) == ["Engines"]
    assert state.posts[0]["author_href"] == "/blog/author/ada"
    site = config.site_url()
    assert (state.canonical, state.description) == (
        f"{site}/blog/author/ada",
        "Writes notes on engines.",
    )
    assert json.loads(state.json_ld)["mainEntity"] == {
        "@type": "Person",
        "name": "Ada Lovelace",
        "url": f"{site}/blog/author/ada",
        "description": "Writes notes on engines.",
        "image": "https://a.test/96.png",
    }


@pytest.mark.parametrize("slug", ["nobody", "quiet"])
async def test_an_unknown_author_or_one_without_public_posts_is_not_found(tab: Tab, slug):
    quiet = make_author("quiet", "Quiet Writer")
    make_post("a-draft", status="draft", author_id=quiet)
    tab.open("/blog/author/[slug]", slug=slug)
    state = await tab.state(BlogState)
    await drive(state.load_author())
    assert (state.found, state.title, state.posts, state.author) == (
        False,
        "Atoll · Not found",
        [],
        {},
    )


async def test_a_post_names_its_author_s_page_and_its_image_s_size(tab: Tab):
    ada = make_author("ada", "Ada Lovelace")
    make_post(
        "engines",
        author_id=ada,
        featured_image_url="https://a.test/engine.png",
        featured_image_width=640,
        featured_image_height=360,
        featured_image_srcset="https://a.test/engine-300.png 300w, https://a.test/engine.png 640w",
    )
    state = await open_post(tab, "engines")
    assert {k: state.post[k] for k in ("author_href", "image_width", "image_height")} == {
        "author_href": "/blog/author/ada",
        "image_width": "640",
        "image_height": "360",
    }
    assert state.post["image_srcset"].endswith("engine.png 640w")
    assert json.loads(state.json_ld)["author"] == {
        "@type": "Person",
        "name": "Ada Lovelace",
        "url": config.site_url() + "/blog/author/ada",
    }
