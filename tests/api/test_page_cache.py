"""The rendered-page cache drops exactly the pages whose data changed (no server needed)."""

from __future__ import annotations

from app.api.pages import Page, PageCache
from db.core import cache


def page(tags: set[str]) -> Page:
    return Page.of(200, b"<html>page</html>", frozenset(tags))


def test_a_change_drops_the_pages_tagged_with_it_and_no_other():
    pages = PageCache()
    pages.store("/blog/a", page({"posts", "post:a"}), pages.generation)
    pages.store("/guestbook", page({"guestbook"}), pages.generation)
    pages.drop(frozenset({"post:a"}))
    assert set(pages.pages) == {"/guestbook"}


def test_a_page_rendered_before_a_change_is_not_stored_after_it():
    pages = PageCache()
    started = pages.generation
    pages.drop(frozenset({"guestbook"}))  # a new entry lands while the page renders
    pages.store("/guestbook", page({"guestbook"}), started)
    assert pages.pages == {}


def test_a_sync_that_invalidates_posts_drops_the_rendered_post_pages():
    from app.api.pages import pages

    pages.store("/blog/synced", page({"posts", "post:synced"}), pages.generation)
    cache.posts_cache.invalidate(cache.post_tag("synced"))
    assert "/blog/synced" not in pages.pages


def test_an_etag_is_the_bodys_and_changes_with_it():
    assert page(set()).etag == page({"x"}).etag
    assert Page.of(200, b"other", frozenset()).etag != page(set()).etag
