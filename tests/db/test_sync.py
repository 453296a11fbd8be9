"""The sync on a real libSQL file: upserts, out-of-order copies, removal, the worker, full sync.

WordPress is replaced here by :class:`StoredWordPress`, which answers with REST responses
saved from the real one; the contract tests in ``tests/wordpress`` run the same code
against a live WordPress.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from sqlmodel import col, func, select

from db import admin
from db.core.cache import posts_cache
from db.core.config import RateLimit
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Author, Post, PostSlug, PostTerm, SyncEvent, SyncEventCreate, Term
from db.posts import cached_post, cached_posts, renamed_to
from db.wordpress.client import POST_FIELDS, PostsPage, PostType, WordPressError, iter_pages
from db.wordpress.sync import (
    MARK_OVERLAP,
    SYNC,
    apply_post,
    enqueue_full_sync,
    enqueue_reconcile,
    full_sync,
    process_events,
    reconcile,
    record_event,
    sign,
    sync_post,
    verify_signature,
    webhook_rate_limit,
)
from db.wordpress.transform import transform
from tests.factories import make_post, make_user, user_ctx, wordpress_fixture, wordpress_post

SLUGS = ("hello-from-wordpress", "tips-and-tricks", "islands-in-wordpress", "hostile-markup")


class StoredWordPress:
    """Answers like :class:`db.wordpress.client.WordPressClient` from saved REST responses.

    ``posts`` maps id → item (any status); only published ones are listed. ``fail_on_page``
    makes that page raise, as a WordPress going down mid-sync would.
    """

    def __init__(self, items: list[dict[str, Any]], *, per_page: int = 2) -> None:
        self.posts = {item["id"]: item for item in items}
        self.per_page = per_page
        self.fail_on_page: int | None = None
        self.fail_get: Exception | None = None
        self.pages_read: list[int] = []
        self.changes_asked: list[datetime] = []
        self.fetched: list[int] = []  # ids asked for by get_posts
        self.shifted_out: set[int] = set()  # published, but skipped by the id list's paging

    def _published(self) -> list[dict[str, Any]]:
        return [p for _id, p in sorted(self.posts.items()) if p["status"] == "publish"]

    def list_page(self, page: int, *, per_page: int = 100) -> PostsPage:
        if page == self.fail_on_page:
            raise WordPressError("GET /posts failed after 5 attempts: ConnectError")
        self.pages_read.append(page)
        published = self._published()
        pages = max(1, -(-len(published) // self.per_page))
        chunk = published[(page - 1) * self.per_page : page * self.per_page]
        return PostsPage(copy.deepcopy(chunk), len(published), pages if chunk else 0)

    def published_versions(self) -> dict[int, datetime]:
        return {
            p["id"]: transform(p).post.modified_at
            for p in self._published()
            if p["id"] not in self.shifted_out
        }

    def changed_versions(self, since: datetime) -> dict[int, datetime]:
        """Like ``modified_after``: the published posts modified after ``since``."""
        self.changes_asked.append(since)
        return {i: m for i, m in self.published_versions().items() if m > since}

    def get_posts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        self.fetched += list(ids)
        return [copy.deepcopy(p) for p in self._published() if p["id"] in ids]

    def get_post(self, wp_id: int) -> dict[str, Any] | None:
        if self.fail_get is not None:
            raise self.fail_get
        item = self.posts.get(wp_id)
        return copy.deepcopy(item) if item and item["status"] == "publish" else None

    # Other post types: none here (tests/db/test_content.py has a WordPress with pages).
    def post_types(self) -> dict[str, PostType]:
        return {"post": PostType("post", "posts", "Posts")}

    def type_versions(self, rest_base: str, since: datetime | None = None) -> dict[int, datetime]:
        return {}

    def get_items(self, rest_base: str, ids: Sequence[int]) -> list[dict[str, Any]]:
        return []


def edited(saved: str, minutes: int, /, **changes: Any) -> dict[str, Any]:
    """The saved post ``saved`` as if edited ``minutes`` after it was saved."""
    original = wordpress_post(saved)
    modified = datetime.fromisoformat(original["modified_gmt"]) + timedelta(minutes=minutes)
    return wordpress_post(saved, modified_gmt=modified.strftime("%Y-%m-%dT%H:%M:%S"), **changes)


def apply(item: dict[str, Any]) -> str:
    with session_scope(write=True) as session:
        return apply_post(session=session, item=transform(item)).outcome


def snapshot() -> list[tuple[Any, ...]]:
    """Every synced row's values, to prove that something changed nothing."""
    with session_scope() as session:
        posts = session.exec(select(Post).order_by(col(Post.id))).all()
        return (
            [tuple(p.model_dump().values()) for p in posts]
            + [tuple(a.model_dump().values()) for a in session.exec(select(Author)).all()]
            + [tuple(t.model_dump().values()) for t in session.exec(select(Term)).all()]
            + [tuple(x.model_dump().values()) for x in session.exec(select(PostTerm)).all()]
        )


def stored(slug: str) -> Post | None:
    with session_scope() as session:
        return session.exec(select(Post).where(Post.slug == slug)).first()


def stored_title(slug: str) -> str | None:
    post = stored(slug)
    return post.title if post is not None else None


def term_slugs(slug: str) -> list[str]:
    with session_scope() as session:
        return sorted(
            session.exec(
                select(Term.slug)
                .join(PostTerm, col(PostTerm.term_id) == Term.id)
                .join(Post, col(Post.id) == PostTerm.post_id)
                .where(Post.slug == slug)
            ).all()
        )


def events() -> list[SyncEvent]:
    with session_scope() as session:
        return list(session.exec(select(SyncEvent).order_by(col(SyncEvent.id))).all())


def count(model: Any) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture(autouse=True)
def _fresh_cache():
    posts_cache.clear()
    yield
    posts_cache.clear()


# --------------------------------------------------------------------------- apply_post


def test_a_new_post_is_stored_with_its_author_terms_and_image(database):
    assert apply(wordpress_post("hello-from-wordpress")) == "created"

    post = stored("hello-from-wordpress")
    assert post is not None
    assert (post.wp_id, post.title, post.status) == (5, "Hello from WordPress", "publish")
    assert post.featured_image_url and post.featured_image_url.endswith("atoll-lagoon.png")
    assert post.published_at == datetime(2025, 4, 1, 8, tzinfo=UTC)
    assert post.synced_at is not None
    with session_scope() as session:
        author = session.get(Author, post.author_id)
    assert author is not None and (author.wp_id, author.name) == (2, "Lena Varga")
    assert term_slugs("hello-from-wordpress") == ["libsql", "news-notes", "wordpress"]


def test_a_replayed_copy_changes_nothing(database):
    apply(wordpress_post("islands-in-wordpress"))
    before = snapshot()

    assert apply(wordpress_post("islands-in-wordpress")) == "unchanged"
    assert snapshot() == before


def test_a_newer_copy_updates_the_post_and_replaces_its_terms(database):
    apply(wordpress_post("islands-in-wordpress"))
    newer = edited("islands-in-wordpress", 5, title="Islands &#038; reefs")
    newer["_embedded"]["wp:term"][1] = [
        t for t in newer["_embedded"]["wp:term"][1] if t["slug"] == "libsql"
    ]

    assert apply(newer) == "updated"

    assert stored_title("islands-in-wordpress") == "Islands & reefs"
    assert term_slugs("islands-in-wordpress") == ["engineering", "libsql", "news-notes"]
    assert count(Post) == 1


def test_a_second_edit_within_the_same_second_is_still_applied(database):
    # modified_gmt has one-second resolution; the later fetch differs, so it wins.
    apply(wordpress_post("tips-and-tricks"))

    assert apply(wordpress_post("tips-and-tricks", title="Same second, new title")) == "updated"

    assert stored_title("tips-and-tricks") == "Same second, new title"


def test_an_older_copy_arriving_late_changes_nothing(database):
    apply(edited("tips-and-tricks", 10, title="The newest title"))
    before = snapshot()

    assert apply(wordpress_post("tips-and-tricks")) == "unchanged"  # older modified_gmt

    assert snapshot() == before
    assert stored_title("tips-and-tricks") == "The newest title"


@pytest.mark.parametrize("status", ["trash", "draft", "private", "pending", "future"])
def test_a_post_that_stops_being_public_is_removed_with_its_term_links(database, status):
    apply(wordpress_post("hello-from-wordpress"))
    assert count(PostTerm) == 3

    assert apply(edited("hello-from-wordpress", 1, status=status)) == "removed"

    assert stored("hello-from-wordpress") is None
    assert count(PostTerm) == 0
    assert count(Term) == 3 and count(Author) == 1  # shared rows stay for other posts


def test_removing_a_post_that_is_not_stored_is_a_no_op(database):
    assert apply(wordpress_fixture("post-trashed")) == "absent"
    assert count(Post) == 0


def test_a_renamed_slug_taken_over_by_another_post_moves_the_old_row_aside(database):
    apply(wordpress_post("tips-and-tricks"))  # wp 6 holds "tips-and-tricks"
    takeover = edited("islands-in-wordpress", 1, slug="tips-and-tricks")

    assert apply(takeover) == "created"

    taken_over = stored("tips-and-tricks")
    assert taken_over is not None and taken_over.wp_id == 7
    with session_scope() as session:
        moved = session.exec(select(Post).where(Post.wp_id == 6)).one()
    assert moved.slug.startswith("tips-and-tricks--moved-")
    assert [(e.source, e.wp_post_id, e.status) for e in events()] == [("conflict", 6, "pending")]


def moved_to(slug: str) -> str | None:
    with session_scope() as session:
        return renamed_to(session, slug)


def test_a_renamed_post_keeps_its_old_slugs_pointing_at_the_new_one(database):
    apply(wordpress_post("tips-and-tricks"))
    assert apply(edited("tips-and-tricks", 1, slug="better-tips")) == "updated"
    assert apply(edited("tips-and-tricks", 2, slug="best-tips")) == "updated"

    assert stored("tips-and-tricks") is None
    assert moved_to("tips-and-tricks") == "best-tips"  # both old names lead to the current one
    assert moved_to("better-tips") == "best-tips"
    assert moved_to("best-tips") is None  # the live slug is a page, not a redirect
    assert moved_to("never-was") is None


def test_renaming_back_makes_the_old_slug_a_page_again(database):
    apply(wordpress_post("tips-and-tricks"))
    apply(edited("tips-and-tricks", 1, slug="better-tips"))
    apply(edited("tips-and-tricks", 2, slug="tips-and-tricks"))

    assert moved_to("tips-and-tricks") is None
    assert moved_to("better-tips") == "tips-and-tricks"


def test_an_old_slug_taken_by_another_post_is_that_posts_page(database):
    apply(wordpress_post("tips-and-tricks"))  # wp 6
    apply(edited("tips-and-tricks", 1, slug="better-tips"))
    apply(edited("islands-in-wordpress", 1, slug="tips-and-tricks"))  # wp 7 takes the old name

    assert moved_to("tips-and-tricks") is None
    taken = stored("tips-and-tricks")
    assert taken is not None and taken.wp_id == 7


def test_a_removed_post_leaves_no_redirect_behind(database):
    apply(wordpress_post("tips-and-tricks"))
    apply(edited("tips-and-tricks", 1, slug="better-tips"))
    apply(edited("tips-and-tricks", 2, slug="better-tips", status="draft"))

    assert moved_to("tips-and-tricks") is None
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(PostSlug)).one() == 0


def test_a_seeded_author_with_the_same_slug_is_adopted(database):
    with session_scope(write=True) as session:
        session.add(Author(slug="lena", name="Lena (seed)"))
    apply(wordpress_post("hello-from-wordpress"))

    with session_scope() as session:
        authors = session.exec(select(Author)).all()
    assert [(a.wp_id, a.slug, a.name) for a in authors] == [(2, "lena", "Lena Varga")]


def test_a_post_is_stored_with_its_image_size_srcset_and_its_author_s_bio(database):
    apply(wordpress_post("hello-from-wordpress"))

    post = stored("hello-from-wordpress")
    assert post is not None
    lagoon = "http://127.0.0.1:8081/wp-content/uploads/2026/11/atoll-lagoon"
    assert (post.featured_image_width, post.featured_image_height) == (640, 360)
    assert post.featured_image_srcset == f"{lagoon}-300x169.png 300w, {lagoon}.png 640w"
    assert post.sticky is False
    with session_scope() as session:
        author = session.get(Author, post.author_id)
    assert author is not None
    assert author.description == "Lena writes about reefs & lagoons."
    assert author.avatar_urls is not None and sorted(author.avatar_urls) == ["24", "48", "96"]


def test_sticking_a_post_is_applied_though_its_modified_date_stays(database):
    # WordPress keeps sticky posts in an option: (un)sticking one leaves modified_gmt alone.
    client = StoredWordPress([wordpress_post(slug) for slug in SLUGS])
    for wp_id in client.posts:
        sync_post(wp_id, client=client)
    with session_scope() as session:
        assert cached_posts(session).items[0].slug == "hostile-markup"  # the newest

    client.posts[6] = wordpress_post("tips-and-tricks", sticky=True)  # the oldest but one
    assert sync_post(6, client=client).outcome == "updated"

    assert stored_sticky("tips-and-tricks") is True
    with session_scope() as session:  # the sync dropped the cached lists
        assert [p.slug for p in cached_posts(session).items][:2] == [
            "tips-and-tricks",
            "hostile-markup",
        ]
    assert sync_post(6, client=client).outcome == "unchanged"  # a replay

    client.posts[6] = wordpress_post("tips-and-tricks", sticky=False)
    assert sync_post(6, client=client).outcome == "updated"
    assert stored_sticky("tips-and-tricks") is False


def stored_sticky(slug: str) -> bool | None:
    post = stored(slug)
    return post.sticky if post is not None else None


def test_a_new_bio_updates_the_author_and_counts_as_a_change_of_their_posts(database):
    apply(wordpress_post("hello-from-wordpress"))
    apply(wordpress_post("hostile-markup"))
    renamed = wordpress_post("hostile-markup")
    renamed["_embedded"]["author"][0]["description"] = "Now on the <em>outer</em> reef."

    # Same modified_gmt (a profile edit touches no post), but the byline's author changed.
    assert apply(renamed) == "updated"

    with session_scope() as session:
        authors = session.exec(select(Author)).all()
    assert [(a.slug, a.description) for a in authors] == [("lena", "Now on the outer reef.")]
    assert apply(renamed) == "unchanged"


def test_a_sync_invalidates_the_cached_page_of_the_post(database):
    client = StoredWordPress([wordpress_post("hostile-markup")])
    sync_post(8, client=client)
    with session_scope() as session:
        post = cached_post(session, "hostile-markup")
        assert post is not None and post.title == "Hostile markup is neutralised"

    client.posts[8] = edited("hostile-markup", 3, title="Defanged")
    assert sync_post(8, client=client).outcome == "updated"

    with session_scope() as session:
        post = cached_post(session, "hostile-markup")
        assert post is not None and post.title == "Defanged"


# --------------------------------------------------------------------------- webhook & worker


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (None, False),
        ("", False),
        ("sha256=", False),
        ("sha1=" + "0" * 40, False),
        ("sha256=" + "0" * 64, False),
        ("SIGN", True),
        ("SIGN ", True),
    ],
)
def test_signature_verification(header, ok):
    body = b'{"post_id": 5, "post_type": "post", "action": "update"}'
    if header and header.startswith("SIGN"):
        header = sign("s3cret", body) + header[4:]
    assert verify_signature("s3cret", body, header) is ok
    assert verify_signature("other", body, sign("s3cret", body)) is False
    assert verify_signature("s3cret", body + b" ", sign("s3cret", body)) is False


def test_the_webhook_rate_limit_defaults_to_60_a_minute(monkeypatch):
    monkeypatch.delenv("WORDPRESS_WEBHOOK_RATE_LIMIT", raising=False)
    assert webhook_rate_limit() == RateLimit(60, 60.0)
    monkeypatch.setenv("WORDPRESS_WEBHOOK_RATE_LIMIT", "off")
    assert webhook_rate_limit() is None
    monkeypatch.setenv("WORDPRESS_WEBHOOK_RATE_LIMIT", "lots")
    with pytest.raises(ValueError, match="60/60"):
        webhook_rate_limit()


def record(
    wp_id: int, action: Literal["update", "delete"] = "update", post_type: str = "post"
) -> int:
    with session_scope(write=True) as session:
        event = record_event(
            session=session, data=SyncEventCreate(post_id=wp_id, post_type=post_type, action=action)
        )
        assert event.id is not None
        return event.id


def test_the_worker_applies_pending_events_once_per_post(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    record(5)
    record(5)  # a burst for one post is one fetch
    record(8, "delete")  # the post is still published in WordPress: it stays
    record(99, post_type="page")  # acknowledged, not applied

    report = process_events(client=client)

    assert (report.done, report.retrying, report.failed) == (4, 0, 0)
    assert stored("hello-from-wordpress") is not None and stored("hostile-markup") is not None
    assert count(Post) == 2
    assert [(e.status, e.attempts, e.last_error) for e in events()] == [("done", 1, None)] * 4
    assert process_events(client=client).claimed == 0


def test_a_delete_event_removes_the_post_when_wordpress_no_longer_shows_it(database):
    client = StoredWordPress([wordpress_post("tips-and-tricks")])
    sync_post(6, client=client)
    client.posts[6] = edited("tips-and-tricks", 2, status="trash", slug="tips-and-tricks__trashed")
    record(6, "delete")

    process_events(client=client)

    assert stored("tips-and-tricks") is None
    record(6, "delete")  # a replay finds nothing to do
    assert process_events(client=client).done == 1
    assert count(Post) == 0


def test_a_failing_fetch_is_retried_with_backoff_then_failed(database, monkeypatch):
    monkeypatch.setenv("SYNC_MAX_ATTEMPTS", "2")
    client = StoredWordPress([wordpress_post("tips-and-tricks")])
    client.fail_get = WordPressError("GET /posts/6 failed after 5 attempts: ConnectError")
    record(6)

    first = utcnow()
    assert process_events(client=client, now=first).retrying == 1
    [event] = events()
    assert (event.status, event.attempts) == ("pending", 1)
    assert event.last_error == "WordPressError: GET /posts/6 failed after 5 attempts: ConnectError"
    assert event.next_attempt_at > first + SYNC.settings().backoff(1) - timedelta(seconds=5)
    assert process_events(client=client, now=first).claimed == 0

    later = event.next_attempt_at + timedelta(seconds=1)
    assert process_events(client=client, now=later).failed == 1
    [event] = events()
    assert (event.status, event.attempts) == ("failed", 2)
    assert stored("tips-and-tricks") is None


def test_an_event_whose_worker_died_is_claimed_again_after_its_lease(database):
    client = StoredWordPress([wordpress_post("tips-and-tricks")])
    event_id = record(6)
    with session_scope(write=True) as session:
        event = session.get(SyncEvent, event_id)
        assert event is not None
        event.status, event.attempts = "processing", 1
        event.next_attempt_at = utcnow() + timedelta(minutes=5)

    assert process_events(client=client).claimed == 0
    report = process_events(client=client, now=utcnow() + timedelta(minutes=6))

    assert report.done == 1
    assert [(e.status, e.attempts) for e in events()] == [("done", 2)]
    assert stored("tips-and-tricks") is not None


# --------------------------------------------------------------------------- full sync


def test_full_sync_copies_every_published_post_and_removes_the_rest(database):
    make_post("local-only")  # not from WordPress: never removed by a sync
    items = [wordpress_post(s) for s in SLUGS] + [wordpress_fixture("post-draft")]
    client = StoredWordPress(items)
    progress: list[tuple[int, int]] = []

    report = full_sync(client=client, progress=lambda d, t: progress.append((d, t)))

    assert (report.created, report.removed, report.pages) == (4, 0, 2)
    assert progress == [(2, 4), (4, 4)]
    assert count(Post) == 5
    assert [(e.source, e.status, e.next_page) for e in events()] == [("full", "done", 3)]

    client.posts[6]["status"] = "trash"
    del client.posts[7]  # deleted for good
    again = full_sync(client=client)

    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 2, 2)
    with session_scope() as session:
        assert sorted(session.exec(select(Post.slug)).all()) == [
            "hello-from-wordpress",
            "hostile-markup",
            "local-only",
        ]


def test_an_interrupted_full_sync_resumes_at_its_checkpoint(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS], per_page=1)
    client.fail_on_page = 3

    with pytest.raises(WordPressError):
        full_sync(client=client)
    assert count(Post) == 2
    [run] = events()
    assert (run.status, run.next_page) == ("processing", 3)

    client.fail_on_page = None
    client.pages_read.clear()
    report = full_sync(client=client)

    assert report.resumed_from == 3 and client.pages_read == [3, 4]
    assert count(Post) == 4
    with session_scope() as session:
        assert session.exec(select(func.count(col(Post.wp_id).distinct()))).one() == 4
    assert [(e.status, e.attempts) for e in events()] == [("done", 2)]


def test_a_page_is_applied_a_few_posts_a_transaction_and_a_crash_within_it_redoes_it(
    database, monkeypatch
):
    # A webhook's write waits for the full sync's transaction to end: a page is applied in
    # transactions of APPLY_CHUNK posts, and only the last records the checkpoint.
    from db.wordpress import sync

    monkeypatch.setattr(sync, "APPLY_CHUNK", 1)
    client = StoredWordPress([wordpress_post(s) for s in SLUGS], per_page=4)
    real_apply = sync.apply_post

    def crash_on_the_third(*, session, item):
        if item.post.wp_id == 7:
            raise RuntimeError("kill -9")
        return real_apply(session=session, item=item)

    monkeypatch.setattr(sync, "apply_post", crash_on_the_third)
    with pytest.raises(RuntimeError):
        full_sync(client=client)
    assert count(Post) == 2  # the first two posts' transactions committed
    [run] = events()
    assert (run.status, run.next_page) == ("processing", 1)

    monkeypatch.setattr(sync, "apply_post", real_apply)
    report = full_sync(client=client)

    assert (report.resumed_from, report.created, report.unchanged) == (1, 2, 2)
    assert count(Post) == 4
    assert [(e.status, e.next_page) for e in events()] == [("done", 2)]


def test_full_sync_fetches_posts_a_shifted_page_skipped(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS], per_page=2)
    client.fail_on_page = 2
    with pytest.raises(WordPressError):
        full_sync(client=client)
    # While it was down, a post on page 1 was deleted: page 2 now starts one post later.
    del client.posts[5]
    client.fail_on_page = None

    full_sync(client=client)

    with session_scope() as session:
        posts = session.exec(select(Post).order_by(col(Post.wp_id))).all()
        assert [post.wp_id for post in posts] == [6, 7, 8]


def test_restart_abandons_the_checkpoint(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS], per_page=1)
    client.fail_on_page = 2
    with pytest.raises(WordPressError):
        full_sync(client=client)
    client.fail_on_page = None

    report = full_sync(client=client, restart=True)

    assert report.resumed_from == 1
    assert [(e.status, e.last_error) for e in events()] == [
        ("failed", "Superseded by a restarted full sync."),
        ("done", None),
    ]


def test_sync_now_is_queued_once_and_run_by_the_worker(database):
    with session_scope(write=True) as session:
        first = enqueue_full_sync(session=session)
        second = enqueue_full_sync(session=session)
    assert first.id == second.id
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])

    assert process_events(client=client).done == 1

    assert count(Post) == 4
    assert [(e.source, e.status) for e in events()] == [("full", "done")]


def test_pages_are_fetched_ahead_but_come_out_in_order():
    asked: list[int] = []

    def fetch(number: int) -> PostsPage:
        asked.append(number)
        return PostsPage([{"id": number}], 7, 7)

    got = [number for number, _page in iter_pages(fetch, 2, ahead=3)]

    assert got == [2, 3, 4, 5, 6, 7]
    assert sorted(asked) == [2, 3, 4, 5, 6, 7]  # each page once, none past the last


def test_the_fields_asked_for_are_every_field_transform_reads():
    wanted = set(POST_FIELDS.split(","))
    for item in wordpress_fixture("posts"):
        trimmed = {key: value for key, value in item.items() if key in wanted}
        full, kept = transform(item), transform(trimmed)
        assert kept.post.model_dump() == full.post.model_dump()
        assert (kept.author and kept.author.model_dump()) == (
            full.author and full.author.model_dump()
        )
        assert [t.model_dump() for t in kept.terms] == [t.model_dump() for t in full.terms]
        assert kept.public == full.public


# --------------------------------------------------------------------------- reconciliation


def newest_modified(client: StoredWordPress) -> datetime:
    return max(client.published_versions().values())


def edited_at(saved: str, modified: datetime, /, **changes: Any) -> dict[str, Any]:
    """The saved post ``saved`` as if edited at ``modified``."""
    return wordpress_post(saved, modified_gmt=modified.strftime("%Y-%m-%dT%H:%M:%S"), **changes)


def runs(source: str) -> list[SyncEvent]:
    return [e for e in events() if e.source == source]


def test_a_rerun_of_a_finished_full_sync_asks_only_for_what_changed(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    mark = newest_modified(client)
    client.pages_read.clear()

    again = full_sync(client=client)

    assert client.pages_read == []
    assert client.changes_asked == [mark - MARK_OVERLAP]
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert again.since == mark - MARK_OVERLAP

    restarted = full_sync(client=client, restart=True)

    assert client.pages_read == [1, 2] and restarted.since is None
    assert restarted.unchanged == 4


def test_a_reconciliation_fixes_a_missed_edit_and_a_missed_delete(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    mark = newest_modified(client)
    # Edited and deleted in WordPress; neither webhook arrived.
    edit = mark + timedelta(minutes=30)
    client.posts[6] = edited_at("tips-and-tricks", edit, title="Tips, revised")
    del client.posts[7]
    client.fetched.clear()

    report = reconcile(client=client)

    assert client.changes_asked == [mark - MARK_OVERLAP]
    assert client.fetched == [6, 7]  # the edit; the delete, checked by id before removal
    assert (report.created, report.updated, report.removed) == (0, 1, 1)
    assert stored_title("tips-and-tricks") == "Tips, revised"
    assert stored("islands-in-wordpress") is None
    [run] = runs("reconcile")
    assert (run.status, run.posts_created, run.posts_updated, run.posts_removed) == (
        "done",
        0,
        1,
        1,
    )
    assert run.high_water_at == edit


def test_a_reconciliation_with_nothing_changed_writes_nothing(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    before = snapshot()
    client.fetched.clear()

    report = reconcile(client=client)

    assert snapshot() == before
    assert client.fetched == []  # ids and dates were enough: no post was fetched
    assert (report.created, report.updated, report.removed, report.unchanged) == (0, 0, 0, 4)
    [run] = runs("reconcile")
    assert (run.posts_created, run.posts_updated, run.posts_removed) == (0, 0, 0)


def test_the_high_water_mark_advances_with_each_reconciliation(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    first = newest_modified(client)
    second = first + timedelta(minutes=90)
    client.posts[5] = edited_at("hello-from-wordpress", second, title="Hello again")

    reconcile(client=client)
    reconcile(client=client)

    assert client.changes_asked == [first - MARK_OVERLAP, second - MARK_OVERLAP]
    assert [run.high_water_at for run in runs("reconcile")] == [second, second]


def test_the_mark_does_not_go_back_when_the_newest_post_is_deleted(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    first = newest_modified(client)
    newest = next(i for i, p in client.posts.items() if transform(p).post.modified_at == first)
    del client.posts[newest]

    reconcile(client=client)

    assert [run.high_water_at for run in runs("reconcile")] == [first]


def test_a_post_published_with_an_old_modified_date_is_found_by_the_id_list(database):
    # A scheduled post going live keeps the modified_gmt it was saved with: older than the
    # mark, so only the id list shows it.
    client = StoredWordPress([wordpress_post(s) for s in SLUGS if s != "hostile-markup"])
    full_sync(client=client)
    late = wordpress_post("hostile-markup")
    client.posts[late["id"]] = late

    report = reconcile(client=client)

    assert report.created == 1 and stored("hostile-markup") is not None


def test_before_any_finished_run_a_reconciliation_copies_every_post_by_the_id_list(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])

    report = reconcile(client=client)

    assert client.changes_asked == [] and report.created == 4 and count(Post) == 4
    assert runs("reconcile")[0].high_water_at == newest_modified(client)


def test_a_reconciliation_is_queued_once_and_run_by_the_full_sync_lane(database):
    with session_scope(write=True) as session:
        first = enqueue_reconcile(session=session)
        second = enqueue_reconcile(session=session)
    assert first.id == second.id
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])

    assert process_events(client=client).done == 1

    assert count(Post) == 4
    [run] = events()
    assert (run.source, run.status, run.posts_created) == ("reconcile", "done", 4)
    with session_scope(write=True) as session:
        assert enqueue_reconcile(session=session).id != first.id  # the done one is not reused


def test_admin_shows_the_last_reconciliation_and_what_it_fixed(database):
    ctx = user_ctx(make_user("admin@example.com", role="admin"))
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    with session_scope() as session:
        assert admin.sync_status(session, ctx).last_reconcile is None
    client.posts[6] = edited_at("tips-and-tricks", newest_modified(client) + timedelta(hours=1))
    del client.posts[7]

    reconcile(client=client)

    with session_scope() as session:
        last = admin.sync_status(session, ctx).last_reconcile
        [run] = runs("reconcile")
    assert last is not None
    assert (last.finished_at, last.created, last.updated, last.removed) == (
        run.processed_at,
        0,
        1,
        1,
    )
    assert last.finished_at is not None


def test_sync_now_pages_through_every_post_even_after_a_finished_run(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    client.pages_read.clear()
    with session_scope(write=True) as session:
        enqueue_full_sync(session=session)

    assert process_events(client=client).done == 1

    assert client.pages_read == [1, 2] and client.changes_asked == []


def test_a_post_the_id_list_skipped_is_checked_by_id_not_removed(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    # A delete while the id list was paged shifted post 6 onto a page already read.
    client.shifted_out.add(6)
    del client.posts[7]

    report = reconcile(client=client)

    assert report.removed == 1
    assert stored("tips-and-tricks") is not None and stored("islands-in-wordpress") is None


def test_a_lost_second_save_within_the_same_second_is_caught_in_the_overlap_window(database):
    client = StoredWordPress([wordpress_post(s) for s in SLUGS])
    full_sync(client=client)
    mark = newest_modified(client)
    [(wp_id, slug)] = [
        (i, p["slug"]) for i, p in client.posts.items() if transform(p).post.modified_at == mark
    ]
    # Our copy was fetched half a second after the save (as the webhook worker does); a
    # second save in the same second kept modified_gmt, and its webhook was lost.
    with session_scope(write=True) as session:
        row = session.exec(select(Post).where(Post.wp_id == wp_id)).one()
        row.synced_at = row.modified_at + timedelta(milliseconds=500)
    client.posts[wp_id] = wordpress_post(slug, title="Saved twice in one second")

    report = reconcile(client=client)

    assert (report.created, report.updated, report.removed) == (0, 1, 0)
    assert stored_title(slug) == "Saved twice in one second"
