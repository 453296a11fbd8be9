"""Star ratings on a real libSQL file.

Exact messages, one row per visitor, a summary that never drifts.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlmodel import func, select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.models import Rating, RatingSummary
from db.ratings import average, rating_status, rating_summary
from tests.factories import make_post, rating_payload, visitor_ctx
from tests.threads import at_once

INVALID = "Please correct the highlighted fields."
BETWEEN = "Rating must be between 1 and 5."
WHOLE = "Rating must be a whole number."


class _Missing:
    """Marks a field a rule-table row leaves out of the payload entirely."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def rating_input(slug: str, change: dict[str, Any]) -> dict[str, Any]:
    """A valid payload for ``slug`` with one rule-table change applied (MISSING drops a key)."""
    return {k: v for k, v in (rating_payload(post_slug=slug) | change).items() if v is not MISSING}


# Every rule of ratings.rate with its exact message; the HTTP tests reuse this table.
RATING_RULES = [
    ({"stars": 0}, {"stars": [BETWEEN]}),
    ({"stars": 6}, {"stars": [BETWEEN]}),
    ({"stars": -3}, {"stars": [BETWEEN]}),
    ({"stars": 3.5}, {"stars": [WHOLE]}),
    ({"stars": "three"}, {"stars": [WHOLE]}),
    ({"stars": ""}, {"stars": [WHOLE]}),
    ({"stars": None}, {"stars": [WHOLE]}),
    ({"stars": MISSING}, {"stars": ["Rating is required."]}),
    ({"post_slug": ""}, {"post_slug": ["Post is required."]}),
    ({"post_slug": MISSING}, {"post_slug": ["Post is required."]}),
    ({"post_slug": "x" * 201}, {"post_slug": ["Post must be at most 200 characters."]}),
    ({"post_slug": MISSING, "stars": 9}, {"post_slug": ["Post is required."], "stars": [BETWEEN]}),
]


def rate(ctx, stars: Any, slug: str = "hello-world"):
    return run_action("ratings.rate", {"post_slug": slug, "stars": stars}, ctx)


def stored(slug: str = "hello-world") -> tuple[int, int]:
    """COUNT(*) and SUM(stars) over the rows themselves: the truth the summary must equal."""
    with session_scope() as session:
        count, total = session.exec(
            select(func.count(), func.coalesce(func.sum(Rating.stars), 0)).where(
                Rating.post_slug == slug
            )
        ).one()
    return count, total


def summary_row(slug: str = "hello-world") -> tuple[int, int] | None:
    with session_scope() as session:
        row = session.get(RatingSummary, slug)
        return None if row is None else (row.ratings, row.total)


@pytest.mark.parametrize(("change", "fields"), RATING_RULES)
def test_each_rule_has_an_exact_message_and_stores_nothing(database, change, fields):
    make_post()
    result = run_action("ratings.rate", rating_input("hello-world", change), visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert stored() == (0, 0)
    assert summary_row() is None


def test_a_first_rating_is_stored_and_answered(database):
    make_post()
    result = rate(visitor_ctx(), 4)
    assert result.envelope() == {
        "data": {"post_slug": "hello-world", "average": 4.0, "count": 1, "stars": 4}
    }
    assert stored() == (1, 4)
    assert summary_row() == (1, 4)


def test_form_strings_are_accepted(database):
    make_post()
    assert rate(visitor_ctx(), " 5 ").data == {
        "post_slug": "hello-world",
        "average": 5.0,
        "count": 1,
        "stars": 5,
    }


def test_changing_a_rating_updates_the_row_in_place(database):
    make_post()
    ctx, other = visitor_ctx(), visitor_ctx()
    rate(other, 5)
    assert rate(ctx, 1).data == {"post_slug": "hello-world", "average": 3.0, "count": 2, "stars": 1}
    with session_scope() as session:
        first = session.exec(select(Rating).where(Rating.visitor_id == ctx.visitor_id)).one()
    assert rate(ctx, 4).data == {"post_slug": "hello-world", "average": 4.5, "count": 2, "stars": 4}
    assert rate(ctx, 4).data == {"post_slug": "hello-world", "average": 4.5, "count": 2, "stars": 4}
    with session_scope() as session:
        rows = session.exec(select(Rating).where(Rating.visitor_id == ctx.visitor_id)).all()
        assert [(r.id, r.stars) for r in rows] == [(first.id, 4)]
        assert rows[0].created_at == first.created_at
        assert rows[0].updated_at >= first.updated_at
        assert rating_status(session, "hello-world", ctx.visitor_id).stars == 4
        assert rating_status(session, "hello-world", None).stars is None
    assert stored() == (2, 9)
    assert summary_row() == (2, 9)


def test_unknown_post_is_not_found_and_stores_nothing(database):
    result = rate(visitor_ctx(), 3, slug="no-such-post")
    assert result.status == 404
    assert result.envelope() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    assert stored("no-such-post") == (0, 0)
    assert summary_row("no-such-post") is None


def test_draft_post_cannot_be_rated(database):
    make_post("a-draft", status="draft")
    assert rate(visitor_ctx(), 3, slug="a-draft").status == 404
    assert stored("a-draft") == (0, 0)


def test_a_visitor_id_is_required(database):
    make_post()
    result = rate(visitor_ctx("bad id!"), 3)
    assert result.status == 401
    assert result.error is not None and result.error.code == "UNAUTHORIZED"
    assert stored() == (0, 0)


def test_ratings_of_different_posts_are_kept_apart(database):
    make_post()
    make_post("second-post")
    ctx = visitor_ctx()
    rate(ctx, 2)
    rate(ctx, 5, slug="second-post")
    with session_scope() as session:
        assert rating_summary(session, "hello-world").model_dump() == {
            "post_slug": "hello-world",
            "average": 2.0,
            "count": 1,
            "stars": None,
        }
        assert rating_status(session, "second-post", ctx.visitor_id).model_dump() == {
            "post_slug": "second-post",
            "average": 5.0,
            "count": 1,
            "stars": 5,
        }


def test_no_ratings_yet_reads_as_zero(database):
    make_post()
    with session_scope() as session:
        assert rating_status(session, "hello-world", visitor_ctx().visitor_id).model_dump() == {
            "post_slug": "hello-world",
            "average": 0.0,
            "count": 0,
            "stars": None,
        }


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        (0, 0, 0.0),
        (1, 5, 5.0),
        (3, 13, 4.3),  # 4.333…
        (3, 14, 4.7),  # 4.666…
        (4, 17, 4.3),  # 4.25 rounds half up, where round(4.25, 1) gives 4.2
        (4, 13, 3.3),  # 3.25
        (20, 21, 1.1),  # 1.05: exact in Decimal, 1.0499… as a float
        (7, 35, 5.0),
    ],
)
def test_average_is_rounded_half_up_to_one_decimal(count, total, expected):
    assert average(count, total) == expected


def test_the_action_reports_the_rounded_average(database):
    make_post()
    for stars in (4, 4, 5, 4):
        result = rate(visitor_ctx(), stars)
    assert result.data == {"post_slug": "hello-world", "average": 4.3, "count": 4, "stars": 4}


def test_twenty_threads_rating_and_rerating_keep_the_summary_exact(database):
    """20 threads × 4 visitors each; half of the visitors change their rating several times."""
    make_post()
    visitors = [[visitor_ctx() for _ in range(4)] for _ in range(20)]
    failures: list[object] = []
    last: dict[str | None, int] = {}

    def worker(index: int) -> None:
        rng = random.Random(index)
        plan = [(ctx, rng.randint(1, 5)) for ctx in visitors[index]]
        plan += [(ctx, rng.randint(1, 5)) for ctx in visitors[index][:2] for _ in range(3)]
        rng.shuffle(plan)
        for ctx, stars in plan:
            result = rate(ctx, stars)
            if not result.ok:
                failures.append(result.envelope())
            last[ctx.visitor_id] = stars

    at_once(len(visitors), worker)

    assert failures == []
    with session_scope() as session:
        rows = session.exec(select(Rating.visitor_id, Rating.stars)).all()
    assert dict(rows) == last
    count, total = stored()
    assert count == 80
    assert summary_row() == (count, total)
    with session_scope() as session:
        assert rating_summary(session, "hello-world").average == average(count, total)
