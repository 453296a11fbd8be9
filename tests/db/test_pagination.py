"""The one pagination every list uses: numbering, clamping, empty lists, the JSON shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from db.core.engine import session_scope
from db.core.pagination import Page, clamp, page_count, page_number, paginate, split
from db.models import Author, CommentPage, CommentPublic


def make_authors(count: int) -> None:
    with session_scope(write=True) as session:
        for n in range(1, count + 1):
            session.add(Author(slug=f"author-{n}", name=f"Author {n}"))


def read(page: int | None, *, per_page: int = 3, where_name: str | None = None) -> Page[str]:
    query = select(Author).order_by(col(Author.id))
    if where_name is not None:
        query = query.where(Author.name == where_name)
    with session_scope() as session:
        return paginate(session, query, page=page, per_page=per_page, view=lambda a: a.slug)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (1, Page(items=["author-1", "author-2", "author-3"], page=1, pages=3, total=7)),
        (2, Page(items=["author-4", "author-5", "author-6"], page=2, pages=3, total=7)),
        (3, Page(items=["author-7"], page=3, pages=3, total=7)),
        (0, Page(items=["author-1", "author-2", "author-3"], page=1, pages=3, total=7)),
        (-5, Page(items=["author-1", "author-2", "author-3"], page=1, pages=3, total=7)),
        (99, Page(items=["author-7"], page=3, pages=3, total=7)),
        (None, Page(items=["author-7"], page=3, pages=3, total=7)),
    ],
)
def test_paginate_numbers_from_one_and_clamps_past_either_end(database, page, expected):
    make_authors(7)
    assert read(page) == expected


def test_paginate_counts_what_the_query_filters_not_the_whole_table(database):
    make_authors(7)
    assert read(1, where_name="Author 5") == Page(items=["author-5"], page=1, pages=1, total=1)


def test_paginate_without_a_view_answers_the_rows(database):
    make_authors(2)
    with session_scope() as session:
        result = paginate(session, select(Author.slug).order_by(Author.slug), page=1, per_page=5)
    assert result == Page(items=["author-1", "author-2"], page=1, pages=1, total=2)


@pytest.mark.parametrize("page", [1, 7, None])
def test_an_empty_list_is_one_empty_page(database, page):
    assert read(page) == Page(items=[], page=1, pages=1, total=0) == Page.empty()


def test_split_cuts_rows_in_hand_like_paginate_cuts_a_query(database):
    make_authors(7)
    slugs = [f"author-{n}" for n in range(1, 8)]
    assert split(slugs, per_page=3) == [read(1), read(2), read(3)]
    assert split([], per_page=3) == [Page.empty()]
    assert split(slugs[:3], per_page=3) == [Page(items=slugs[:3], page=1, pages=1, total=3)]


@pytest.mark.parametrize(
    ("total", "per_page", "pages"), [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2), (45, 20, 3)]
)
def test_page_count(total, per_page, pages):
    assert page_count(total, per_page) == pages


@pytest.mark.parametrize(
    ("page", "pages", "expected"), [(1, 3, 1), (3, 3, 3), (4, 3, 3), (0, 3, 1), (None, 3, 3)]
)
def test_clamp(page, pages, expected):
    assert clamp(page, pages) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("1", 1), ("2", 2), ("0", 1), ("-3", 1), ("two", 1), ("2.5", 1)],
)
def test_page_number_reads_the_page_query_parameter(raw, expected):
    assert page_number(raw) == expected


def test_map_keeps_the_numbering():
    assert Page(items=[1, 2], page=2, pages=4, total=8).map(str) == Page(
        items=["1", "2"], page=2, pages=4, total=8
    )


def test_a_comment_page_serialises_to_the_api_body():
    comment = CommentPublic(
        id=1,
        post_slug="hello-world",
        author_name="Ada",
        content="Hi",
        created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        edited=False,
    )
    body = CommentPage(items=[comment], page=1, pages=1, total=1).model_dump(mode="json")
    assert body == {
        "items": [
            {
                "id": 1,
                "post_slug": "hello-world",
                "author_name": "Ada",
                "content": "Hi",
                "created_at": "2024-05-01T12:00:00Z",
                "edited": False,
            }
        ],
        "page": 1,
        "pages": 1,
        "total": 1,
    }


def test_a_page_is_frozen():
    page = Page(items=[1], page=1, pages=1, total=1)
    with pytest.raises(ValueError, match="frozen"):
        page.page = 2  # the point: a cached page cannot be changed
