"""Likes on a real libSQL file: one per visitor, atomic totals, never negative."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.likes import count_likes, like_status
from db.models import Like, LikeCount, Post
from tests.factories import make_post, visitor_ctx
from tests.threads import at_once


def toggle(ctx, liked: bool, slug: str = "hello-world"):
    return run_action("likes.toggle", {"post_slug": slug, "liked": liked}, ctx)


def rows(slug: str = "hello-world") -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count()).select_from(Like).where(Like.post_slug == slug)
        ).one()


def test_like_then_unlike_moves_the_total(database):
    make_post()
    ctx = visitor_ctx()
    assert toggle(ctx, True).envelope() == {
        "data": {"post_slug": "hello-world", "likes": 1, "liked": True}
    }
    assert toggle(ctx, False).envelope() == {
        "data": {"post_slug": "hello-world", "likes": 0, "liked": False}
    }
    assert rows() == 0


def test_repeating_a_toggle_changes_nothing(database):
    make_post()
    ctx, other = visitor_ctx(), visitor_ctx()
    toggle(other, True)
    for _ in range(2):
        assert toggle(ctx, True).data == {"post_slug": "hello-world", "likes": 2, "liked": True}
    assert rows() == 2
    for _ in range(2):
        assert toggle(ctx, False).data == {"post_slug": "hello-world", "likes": 1, "liked": False}
    assert rows() == 1


def test_count_never_goes_below_zero(database):
    make_post()
    ctx = visitor_ctx()
    assert ctx.visitor_id is not None
    assert toggle(ctx, False).data["likes"] == 0
    with session_scope(write=True) as session:  # a drifted counter must still clamp at zero
        session.add(LikeCount(post_slug="hello-world", likes=0))
        session.add(Like(post_slug="hello-world", visitor_id=ctx.visitor_id))
    assert toggle(ctx, False).data == {"post_slug": "hello-world", "likes": 0, "liked": False}
    with session_scope() as session:
        assert count_likes(session, "hello-world") == 0


def test_unknown_post_is_not_found_and_stores_nothing(database):
    result = toggle(visitor_ctx(), True, slug="no-such-post")
    assert result.status == 404
    assert result.envelope() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    assert rows("no-such-post") == 0


def test_a_visitor_id_is_required(database):
    make_post()
    result = toggle(visitor_ctx("bad id!"), True)
    assert result.status == 401
    assert result.error is not None and result.error.code == "UNAUTHORIZED"
    assert rows() == 0


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"post_slug": ["Post is required."], "liked": ["Liked is required."]}),
        ({"post_slug": "", "liked": True}, {"post_slug": ["Post is required."]}),
        (
            {"post_slug": "x" * 201, "liked": True},
            {"post_slug": ["Post must be at most 200 characters."]},
        ),
        (
            {"post_slug": "hello-world", "liked": "perhaps"},
            {"liked": ["Liked must be true or false."]},
        ),
    ],
)
def test_bad_input_lists_every_field(database, payload, fields):
    result = run_action("likes.toggle", payload, visitor_ctx())
    assert result.envelope() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": "Please correct the highlighted fields.",
            "fields": fields,
        }
    }


def test_twenty_threads_fifty_toggles_leave_exact_rows_and_count(database):
    """Each thread is one visitor toggling 50 times; even counts end unliked, so 10 likes."""
    make_post()
    visitors = [visitor_ctx() for _ in range(20)]
    failures: list[object] = []

    def worker(index: int) -> None:
        ctx = visitors[index]
        toggles = 50 + (index % 2)  # odd-indexed visitors toggle once more: they end liked
        for i in range(toggles):
            result = toggle(ctx, liked=(i % 2 == 0))
            if not result.ok:
                failures.append(result.envelope())

    at_once(len(visitors), worker)

    assert failures == []
    with session_scope() as session:
        liked_by = set(
            session.exec(select(Like.visitor_id).where(Like.post_slug == "hello-world")).all()
        )
        assert liked_by == {v.visitor_id for i, v in enumerate(visitors) if i % 2 == 1}
        assert count_likes(session, "hello-world") == 10
        assert like_status(session, "hello-world", visitors[1].visitor_id).liked is True
        assert like_status(session, "hello-world", visitors[0].visitor_id).liked is False


def test_a_post_that_is_not_published_cannot_be_liked_or_unliked(database):
    make_post("draft", status="draft")
    make_post()
    ctx = visitor_ctx()
    assert toggle(ctx, True, slug="draft").status == 404
    assert rows("draft") == 0
    assert toggle(ctx, True).ok
    with session_scope(write=True) as session:  # unpublished after it was liked
        post = session.exec(select(Post).where(Post.slug == "hello-world")).one()
        post.status = "draft"
    assert toggle(ctx, False).status == 404
    assert rows() == 1  # the like stays: nothing changed on a post nobody can see
    with session_scope() as session:
        assert count_likes(session, "hello-world") == 1
