"""Blog reads: lists by category and tag, a post's terms, the sitemap, through the cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, delete, select

from db.core.cache import post_tag, posts_cache
from db.core.engine import session_scope
from db.core.pagination import Page
from db.members import list_member_posts
from db.models import Post, PostTerm
from db.posts import (
    cached_author_posts,
    cached_post,
    cached_post_page,
    cached_posts,
    cached_term_posts,
    get_post,
    list_posts,
    list_posts_by_author,
    list_posts_by_term,
    post_terms,
    sitemap_authors,
    sitemap_posts,
    sitemap_terms,
)
from db.wordpress.sync import apply_post
from db.wordpress.transform import transform
from tests.factories import make_post, make_user, user_ctx, wordpress_post

SLUGS = ("hello-from-wordpress", "tips-and-tricks", "islands-in-wordpress", "hostile-markup")


@pytest.fixture
def blog(database):
    """The four saved WordPress posts, synced."""
    posts_cache.clear()
    with session_scope(write=True) as session:
        for slug in SLUGS:
            apply_post(session=session, item=transform(wordpress_post(slug)))
    yield
    posts_cache.clear()


def slugs(posts) -> list[str]:
    return [p.slug for p in posts]


def test_a_category_lists_its_published_posts_newest_first(blog):
    with session_scope() as session:
        term, listing = list_posts_by_term(session, "category", "engineering")
    assert term is not None and term.name == "Engineering"
    assert (listing.page, listing.pages, listing.total) == (1, 1, 3)
    assert slugs(listing.items) == ["hostile-markup", "islands-in-wordpress", "tips-and-tricks"]
    assert [p.content_html for p in listing.items] == ["", "", ""]  # lists carry excerpts only


def test_a_tag_pages_its_posts(blog):
    with session_scope() as session:
        term, first = list_posts_by_term(session, "tag", "libsql", per_page=1)
        _, second = list_posts_by_term(session, "tag", "libsql", page=2, per_page=1)
        _, past_the_end = list_posts_by_term(session, "tag", "libsql", page=9, per_page=1)
    assert term is not None and term.name == "libSQL"
    assert (first.page, first.pages, first.total) == (1, 2, 2)
    assert slugs(first.items) + slugs(second.items) == [
        "islands-in-wordpress",
        "hello-from-wordpress",
    ]
    assert past_the_end == second  # clamped to the last page, like every list


def test_an_unknown_term_is_none_and_a_category_slug_is_not_a_tag(blog):
    with session_scope() as session:
        assert list_posts_by_term(session, "tag", "engineering") == (
            None,
            Page(items=[], page=1, pages=1, total=0),
        )
        assert list_posts_by_term(session, "category", "nope")[0] is None


def test_unpublished_posts_are_left_out_of_term_lists(blog):
    with session_scope(write=True) as session:
        apply_post(
            session=session,
            item=transform(
                wordpress_post(
                    "tips-and-tricks", status="draft", modified_gmt="2030-01-01T00:00:00"
                )
            ),
        )
    with session_scope() as session:
        _, listing = list_posts_by_term(session, "category", "engineering")
    assert slugs(listing.items) == ["hostile-markup", "islands-in-wordpress"]


def test_a_post_s_terms_come_categories_first(blog):
    with session_scope() as session:
        terms = post_terms(session, "islands-in-wordpress")
    assert [(t.taxonomy, t.name) for t in terms] == [
        ("category", "Engineering"),
        ("category", "News & Notes"),
        ("tag", "Reflex & Python"),
        ("tag", "libSQL"),
    ]


def test_the_sitemap_lists_published_posts_and_used_terms(blog):
    make_post("draft-only", status="draft")
    with session_scope() as session:
        entries = sitemap_posts(session)
        terms = sitemap_terms(session)
    assert [slug for slug, _ in entries] == [
        "hostile-markup",
        "islands-in-wordpress",
        "tips-and-tricks",
        "hello-from-wordpress",
    ]
    assert all(modified.tzinfo is not None for _, modified in entries)
    # Each term with the last change among the posts it lists: its page's lastmod.
    last_hostile = datetime(2025, 4, 6, 10, 0, tzinfo=UTC)
    last_islands = datetime(2025, 4, 5, 5, 15, tzinfo=UTC)
    assert [(t.taxonomy, t.slug, modified) for t, modified in terms] == [
        ("category", "engineering", last_hostile),
        ("category", "news-notes", last_islands),
        ("tag", "libsql", last_islands),
        ("tag", "reflex", last_islands),
        ("tag", "wordpress", last_hostile),
    ]


def test_cached_reads_answer_like_the_plain_ones_and_skip_not_found(blog):
    with session_scope() as session:
        listing = cached_posts(session)
        term, tagged = cached_term_posts(session, "tag", "wordpress")
        assert listing == list_posts(session)
        assert cached_post(session, "no-such-post") is None
    assert (listing.pages, listing.total, len(listing.items)) == (1, 4, 4)
    assert term is not None and slugs(tagged.items) == ["hostile-markup", "hello-from-wordpress"]

    make_post("no-such-post")  # written behind the cache's back: a miss was not cached
    with session_scope() as session:
        assert cached_post(session, "no-such-post") is not None


def test_a_post_page_is_the_post_and_its_terms_cached_under_the_post_s_tag(blog):
    with session_scope() as session:
        post, terms = cached_post_page(session, "islands-in-wordpress")
        assert cached_post_page(session, "no-such-post") == (None, [])
    assert post is not None and post.slug == "islands-in-wordpress"
    assert terms == post_terms_now("islands-in-wordpress") and len(terms) == 4

    with session_scope(write=True) as session:  # behind the cache's back: still cached
        session.exec(delete(PostTerm).where(col(PostTerm.post_id) == post.id))
    with session_scope() as session:
        assert len(cached_post_page(session, "islands-in-wordpress")[1]) == 4
    posts_cache.invalidate(post_tag("islands-in-wordpress"))  # what the sync does on a change
    with session_scope() as session:
        assert cached_post_page(session, "islands-in-wordpress")[1] == []


def post_terms_now(slug: str):
    with session_scope() as session:
        return post_terms(session, slug)


def make_members_only(*slugs: str) -> None:
    """Mark synced posts members-only (an editor's choice in Atoll, not WordPress's)."""
    with session_scope(write=True) as session:
        for post in session.exec(select(Post).where(col(Post.slug).in_(slugs))).all():
            post.members_only = True
            session.add(post)


def test_public_lists_feeds_and_the_sitemap_leave_members_only_posts_out(blog):
    # Tag "reflex" is on these two posts only: once they are members-only, no public list has it.
    make_members_only("tips-and-tricks", "islands-in-wordpress")
    public = ["hostile-markup", "hello-from-wordpress"]
    member = user_ctx(make_user())
    with session_scope() as session:
        listing = list_posts(session)
        first = list_posts(session, per_page=1)
        cached = cached_posts(session).items
        term, engineering = list_posts_by_term(session, "category", "engineering")
        reflex, tagged = list_posts_by_term(session, "tag", "reflex")
        entries = sitemap_posts(session)
        terms = sitemap_terms(session)
        locked = get_post(session, "tips-and-tricks")
        members = list_member_posts(session, member)
    assert (slugs(listing.items), listing.pages, listing.total) == (public, 1, 2)
    # Totals count public posts only.
    assert (slugs(first.items), first.pages, first.total) == (["hostile-markup"], 2, 2)
    assert slugs(cached) == public
    assert term is not None and slugs(engineering.items) == ["hostile-markup"]
    assert reflex is not None and tagged == Page(items=[], page=1, pages=1, total=0)
    assert [slug for slug, _ in entries] == public
    assert {(t.taxonomy, t.slug) for t, _modified in terms} == {
        ("category", "engineering"),
        ("category", "news-notes"),
        ("tag", "libsql"),
        ("tag", "wordpress"),
    }
    # The post page still answers (with a sign-in notice), and /members lists them.
    assert locked is not None and locked.members_only and locked.content_html == ""
    assert slugs(members.items) == ["islands-in-wordpress", "tips-and-tricks"]


# --------------------------------------------------------------------------- authors, sticky


def make_sticky(*slugs: str) -> None:
    with session_scope(write=True) as session:
        for post in session.exec(select(Post).where(col(Post.slug).in_(slugs))).all():
            post.sticky = True
            session.add(post)


def test_sticky_posts_come_first_on_the_blog_then_newest_first(blog):
    make_sticky("tips-and-tricks", "hello-from-wordpress")
    with session_scope() as session:
        listing = list_posts(session)
        second = list_posts(session, page=2, per_page=2)
        feed = list_posts(session, sticky_first=False)
        _term, engineering = list_posts_by_term(session, "category", "engineering")
    assert slugs(listing.items) == [
        "tips-and-tricks",
        "hello-from-wordpress",
        "hostile-markup",
        "islands-in-wordpress",
    ]
    assert slugs(second.items) == ["hostile-markup", "islands-in-wordpress"]
    # The feed and the archives are in date order, as WordPress's are.
    assert slugs(feed.items) == [
        "hostile-markup",
        "islands-in-wordpress",
        "tips-and-tricks",
        "hello-from-wordpress",
    ]
    assert slugs(engineering.items) == ["hostile-markup", "islands-in-wordpress", "tips-and-tricks"]


def test_an_author_page_is_the_author_and_their_public_posts_newest_first(blog):
    with session_scope() as session:
        author, listing = list_posts_by_author(session, "lena")
        first = list_posts_by_author(session, "lena", per_page=1)[1]
    assert author is not None
    assert (author.slug, author.name, author.description) == (
        "lena",
        "Lena Varga",
        "Lena writes about reefs & lagoons.",
    )
    assert sorted(author.avatar_urls) == ["24", "48", "96"]
    assert author.avatar_url is not None and "s=96" in author.avatar_url
    assert slugs(listing.items) == ["hostile-markup", "hello-from-wordpress"]
    assert {p.author_slug for p in listing.items} == {"lena"}
    assert (slugs(first.items), first.pages, first.total) == (["hostile-markup"], 2, 2)


def test_an_unknown_author_or_one_without_public_posts_has_no_page(blog):
    make_members_only("hostile-markup", "hello-from-wordpress")  # all of Lena's
    with session_scope() as session:
        assert list_posts_by_author(session, "nobody") == (None, Page.empty())
        assert list_posts_by_author(session, "lena") == (None, Page.empty())
        assert cached_author_posts(session, "lena") == (None, Page.empty())
        author, listing = cached_author_posts(session, "tomas")
        authors = sitemap_authors(session)
    assert author is not None and author.name == "Tomás Rivera" and author.description == ""
    assert slugs(listing.items) == ["islands-in-wordpress", "tips-and-tricks"]
    # Only authors with a public post are in the sitemap, dated by their newest change.
    assert authors == [("tomas", datetime(2025, 4, 5, 5, 15, tzinfo=UTC))]


def test_a_post_names_its_author_s_slug(blog):
    with session_scope() as session:
        post = get_post(session, "tips-and-tricks")
    assert post is not None and (post.author_name, post.author_slug) == ("Tomás Rivera", "tomas")
