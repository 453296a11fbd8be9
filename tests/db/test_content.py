"""Pages and custom post types: transform, sync, paths, lists and typed custom fields.

WordPress is replaced by :class:`TypedWordPress` (the saved posts plus pages and books made
from them); ``tests/wordpress/test_content.py`` runs the same code against a live one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, Field
from sqlmodel import col, select

from db.content import (
    FIELD_MODELS,
    SafeHtml,
    cached_content,
    field_rows,
    resolve,
    sitemap_content,
    typed_fields,
)
from db.core.cache import posts_cache
from db.core.engine import session_scope
from db.models import ContentItem, ContentType, Post, SyncEvent, SyncEventCreate
from db.wordpress.client import POST_FIELDS, PostType
from db.wordpress.sync import full_sync, process_events, reconcile, record_event
from db.wordpress.transform import FIELD_TEXT_MAX, custom_fields, transform_item
from tests.db.test_sync import StoredWordPress
from tests.factories import wordpress_fixture, wordpress_post

BASE = datetime(2025, 5, 1, 12, 0, 0)


def item(
    wp_id: int, post_type: str, slug: str, /, *, parent: int = 0, minutes: int = 0, **changes: Any
) -> dict[str, Any]:
    """A REST item of ``post_type`` made from a saved post (same shape, other type)."""
    modified = (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")
    data = wordpress_post("tips-and-tricks", **changes)
    return data | {
        "id": wp_id,
        "type": post_type,
        "slug": slug,
        "parent": parent,
        "menu_order": changes.get("menu_order", 0),
        "modified_gmt": modified,
        "date_gmt": changes.get("date_gmt", modified),
        "title": {"rendered": changes.get("title", slug.title())},
    }


class TypedWordPress(StoredWordPress):
    """The saved posts, plus items of other types by ``rest_base``."""

    TYPES = {
        "page": PostType("page", "pages", "Pages", hierarchical=True),
        "book": PostType("book", "books", "Books"),
    }

    def __init__(self, items: list[dict[str, Any]]) -> None:
        super().__init__(wordpress_fixture("posts"))
        self.items = {i["id"]: i for i in items}
        self.types_asked = 0

    def _of(self, rest_base: str) -> list[dict[str, Any]]:
        name = next(t.name for t in self.TYPES.values() if t.rest_base == rest_base)
        return [
            i
            for _id, i in sorted(self.items.items())
            if i["type"] == name and i["status"] == "publish"
        ]

    def post_types(self) -> dict[str, PostType]:
        self.types_asked += 1
        return {"post": PostType("post", "posts", "Posts"), **self.TYPES}

    def type_versions(self, rest_base: str, since: datetime | None = None) -> dict[int, datetime]:
        versions = {i["id"]: transform_item(i).item.modified_at for i in self._of(rest_base)}
        return {k: m for k, m in versions.items() if since is None or m > since}

    def get_items(self, rest_base: str, ids: Sequence[int]) -> list[dict[str, Any]]:
        return [copy.deepcopy(i) for i in self._of(rest_base) if i["id"] in ids]


def site() -> list[dict[str, Any]]:
    return [
        item(9001, "page", "about", meta={"subtitle": "Who we are"}),
        item(9002, "page", "team", parent=9001, menu_order=2),
        item(9003, "page", "draft-page", status="draft"),
        item(9004, "page", "books", title="Our books page"),
        item(
            9101,
            "book",
            "dune",
            meta={"isbn": "978-0441013593", "pages": 412},
            acf={"blurb": "<p>Spice <script>alert(1)</script></p>"},
        ),
        item(9102, "book", "emma", minutes=5, meta={"isbn": "978-0141439587", "pages": "many"}),
    ]


@pytest.fixture
def typed_sync(database, monkeypatch):
    monkeypatch.setenv("WORDPRESS_POST_TYPES", "post,page,book")
    posts_cache.clear()
    client = TypedWordPress(site())
    report = full_sync(client=client)
    return client, report


def rows(post_type: str) -> list[ContentItem]:
    with session_scope() as session:
        return list(
            session.exec(
                select(ContentItem)
                .where(ContentItem.post_type == post_type)
                .order_by(col(ContentItem.wp_id))
            ).all()
        )


def view(*segments: str, page: int = 1):
    with session_scope() as session:
        return resolve(session, segments, page=page)


# --------------------------------------------------------------------------- transform


def test_custom_fields_merge_meta_and_acf_keep_json_and_drop_private_keys():
    fields = custom_fields(
        {
            "meta": {"isbn": "1", "pages": 3, "_edit_lock": "x", "shared": "meta"},
            "acf": {"shared": "acf", "nested": {"a": [1, {"b": True}]}, "long": "x" * 20_000},
        }
    )
    assert fields is not None
    assert fields["isbn"] == "1" and fields["pages"] == 3
    assert fields["shared"] == "acf"  # ACF wins
    assert fields["nested"] == {"a": [1, {"b": True}]}
    assert len(fields["long"]) == FIELD_TEXT_MAX
    assert "_edit_lock" not in fields
    assert custom_fields({"meta": [], "acf": []}) is None  # PHP's empty array


def test_an_item_keeps_its_type_parent_order_and_fields_and_is_sanitized_like_a_post():
    data = item(
        7,
        "page",
        "child",
        parent=3,
        menu_order=4,
        content='<p onclick="x()">Hi<script>alert(1)</script></p>',
        meta={"k": "v"},
    )
    made = transform_item(data)
    assert made.public
    assert (made.item.post_type, made.item.parent_wp_id, made.item.menu_order) == ("page", 3, 4)
    assert made.item.fields == {"k": "v"}
    assert made.item.content_html == "<p>Hi</p>"
    protected = item(8, "page", "secret", content={"rendered": "", "protected": True})
    assert not transform_item(protected).public
    assert not transform_item(item(9, "page", "draft", status="draft")).public


def test_the_fields_asked_for_are_every_field_an_item_needs():
    wanted = set(POST_FIELDS.split(","))
    for data in [*wordpress_fixture("posts"), *site()]:
        trimmed = {key: value for key, value in data.items() if key in wanted}
        full, kept = transform_item(data), transform_item(trimmed)
        assert kept.item.model_dump() == full.item.model_dump()
        assert kept.public == full.public


# --------------------------------------------------------------------------- sync


def test_a_full_sync_copies_pages_and_custom_items_and_records_their_types(typed_sync):
    client, report = typed_sync
    assert [r.slug for r in rows("page")] == ["about", "team", "books"]
    assert [r.slug for r in rows("book")] == ["dune", "emma"]
    with session_scope() as session:
        types = {t.name: (t.rest_base, t.hierarchical) for t in session.exec(select(ContentType))}
        posts = session.exec(select(Post.slug)).all()
    assert types == {"page": ("pages", True), "book": ("books", False)}
    assert "about" not in posts  # posts stay posts
    assert report.created == len(client._published()) + 5
    again = full_sync(client=client)  # incremental, nothing changed: nothing written
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_pages_resolve_by_path_and_move_with_a_renamed_parent(typed_sync):
    client, _report = typed_sync
    found = view("about", "team")
    assert found is not None and found.item is not None
    assert found.item.path == "/about/team" and found.item.title == "Team"
    assert view("team") is None  # a child is only at its full path
    assert view("draft-page") is None
    assert view("about", "nope") is None

    client.items[9001] = item(9001, "page", "who-we-are", minutes=10)
    reconcile(client=client)
    posts_cache.clear()
    moved = view("who-we-are", "team")
    assert moved is not None and moved.item is not None and moved.item.path == "/who-we-are/team"
    assert view("about", "team") is None


def test_a_page_wins_over_a_types_list_and_items_are_under_the_rest_base(typed_sync):
    page = view("books")
    assert page is not None and page.item is not None and page.item.title == "Our books page"

    client, _report = typed_sync
    del client.items[9004]  # deleted in WordPress: the list shows through
    reconcile(client=client)
    listing = view("books")
    assert listing is not None and listing.listing is not None and listing.type is not None
    assert listing.type.label == "Books"
    assert [(i.slug, i.path) for i in listing.listing.items] == [
        ("emma", "/books/emma"),
        ("dune", "/books/dune"),
    ]
    assert listing.listing.items[0].content_html == ""  # cards carry no content
    book = view("books", "dune")
    assert book is not None and book.item is not None and "<p>" in book.item.content_html
    assert view("books", "dune", "more") is None
    assert view("pages") is None  # pages are not listed


def test_webhook_events_for_pages_and_books_apply_like_posts(typed_sync, monkeypatch):
    client, _report = typed_sync
    client.items[9101] = item(9101, "book", "dune", minutes=20, title="Dune (new edition)")
    client.items[9002] = item(9002, "page", "team", parent=9001, status="trash", minutes=20)
    with session_scope(write=True) as session:
        for wp_id, post_type in ((9101, "book"), (9002, "page"), (9999, "movie")):
            record_event(
                session=session,
                data=SyncEventCreate(post_id=wp_id, post_type=post_type, action="update"),
            )
    process_events(client=client)
    assert [r.title for r in rows("book")] == ["Dune (new edition)", "Emma"]
    assert [r.slug for r in rows("page")] == ["about", "books"]
    with session_scope() as session:
        assert {e.status for e in session.exec(select(SyncEvent))} == {"done"}
    assert client.types_asked == 1  # the types were recorded by the full sync


def test_a_type_no_longer_configured_is_forgotten_with_its_items(typed_sync, monkeypatch):
    client, _report = typed_sync
    monkeypatch.setenv("WORDPRESS_POST_TYPES", "post,page")
    full_sync(client=client)
    assert rows("book") == []
    assert view("books", "dune") is None
    assert [r.slug for r in rows("page")] == ["about", "team", "books"]


def test_the_sitemap_lists_pages_items_and_type_lists(typed_sync):
    with session_scope() as session:
        paths = [path for path, _modified in sitemap_content(session)]
    # Pages first (newest first); the books list is hidden by the page at /books.
    assert paths == ["/books", "/about/team", "/about", "/books/emma", "/books/dune"]


def test_cached_reads_answer_like_the_plain_ones(typed_sync):
    with session_scope() as session:
        assert cached_content(session, ("about",)) == resolve(session, ("about",))
        assert cached_content(session, ("nothing",)) is None


# --------------------------------------------------------------------------- typed fields


class BookFields(BaseModel):
    isbn: str = ""
    pages: int | None = Field(default=None, title="Page count")
    blurb: SafeHtml = ""


@pytest.fixture
def book_model(monkeypatch: pytest.MonkeyPatch):
    """This test's model for ``book``, the app's own (``app/content_types.py``) back after."""
    monkeypatch.setitem(FIELD_MODELS, "book", BookFields)
    yield BookFields


def test_fields_are_read_typed_bad_values_fall_back_and_html_is_sanitized(typed_sync, book_model):
    dune = view("books", "dune").item  # pyright: ignore[reportOptionalMemberAccess]  # found above
    emma = view("books", "emma").item  # pyright: ignore[reportOptionalMemberAccess]
    assert dune is not None and emma is not None
    typed = typed_fields(dune)
    assert typed == BookFields(isbn="978-0441013593", pages=412, blurb="<p>Spice </p>")
    assert typed_fields(emma) == BookFields(isbn="978-0141439587")  # "many" is not a number
    assert typed_fields(dune, BookFields) == typed
    assert field_rows(dune) == [
        {"name": "isbn", "label": "Isbn", "value": "978-0441013593", "html": ""},
        {"name": "pages", "label": "Page count", "value": "412", "html": ""},
        {"name": "blurb", "label": "Blurb", "value": "", "html": "<p>Spice </p>"},
    ]


def test_without_a_declared_model_there_are_no_typed_fields(
    typed_sync, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delitem(FIELD_MODELS, "book", raising=False)  # app/content_types.py's, if loaded
    dune = view("books", "dune").item  # pyright: ignore[reportOptionalMemberAccess]
    assert dune is not None
    assert typed_fields(dune) is None and field_rows(dune) == []
    assert dune.fields["isbn"] == "978-0441013593"  # the raw JSON is still there


class Strict(BaseModel):
    required: str


def test_a_model_needing_a_field_the_item_lacks_gives_none(typed_sync):
    dune = view("books", "dune").item  # pyright: ignore[reportOptionalMemberAccess]
    assert dune is not None and typed_fields(dune, Strict) is None
