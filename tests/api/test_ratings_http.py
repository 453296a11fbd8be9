"""``POST /api/actions/ratings.rate`` against the running app: the same rules, the same bodies."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import Rating, RatingSummary
from db.ratings import average
from tests.db.test_ratings import RATING_RULES, rating_input
from tests.server import AppServer

INVALID = "Please correct the highlighted fields."
POST = "hello-atoll"


def stored(slug: str = POST) -> tuple[int, int]:
    """COUNT(*) and SUM(stars) over the server's rows for ``slug``."""
    with session_scope() as session:
        count, total = session.exec(
            select(func.count(), func.coalesce(func.sum(Rating.stars), 0)).where(
                Rating.post_slug == slug
            )
        ).one()
    return count, total


def summary(slug: str = POST) -> tuple[int, int]:
    with session_scope() as session:
        row = session.get(RatingSummary, slug)
        return (0, 0) if row is None else (row.ratings, row.total)


@pytest.fixture
def visitor(api_server: AppServer):
    """A client with its own cookie jar: one new visitor per test."""
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:
        yield c


@pytest.mark.parametrize(("change", "fields"), RATING_RULES)
def test_bad_fields_answer_400_with_the_same_messages(visitor, server_db, change, fields):
    before = stored()
    response = visitor.post("/api/actions/ratings.rate", json=rating_input(POST, change))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert stored() == before


def test_rating_answers_the_summary_and_changing_it_updates_in_place(visitor, server_db):
    count, total = stored()
    first = visitor.post("/api/actions/ratings.rate", json={"post_slug": POST, "stars": 5})
    assert first.status_code == 200
    assert "atoll_visitor" in first.cookies
    body = first.json()
    assert set(body) == {"data"}
    assert set(body["data"]) == {"post_slug", "average", "count", "stars"}
    assert body["data"]["post_slug"] == POST
    assert body["data"]["stars"] == 5
    assert body["data"]["count"] == count + 1
    assert body["data"]["average"] == average(count + 1, total + 5)
    assert stored() == (count + 1, total + 5)

    again = visitor.post("/api/actions/ratings.rate", json={"post_slug": POST, "stars": 2})
    assert again.json()["data"]["count"] == count + 1
    assert again.json()["data"]["stars"] == 2
    assert stored() == (count + 1, total + 2)
    assert summary() == stored()


def test_a_plain_form_post_rates_and_answers_a_page(visitor, api_server, server_db):
    count, total = stored()
    response = visitor.post(
        "/api/actions/ratings.rate",
        data={"post_slug": POST, "stars": "3"},
        headers={"Accept": "text/html", "Referer": f"{api_server.base_url}/blog/{POST}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Saved. Thank you!" in response.text
    assert f"href='{api_server.base_url}/blog/{POST}'" in response.text
    assert stored() == (count + 1, total + 3)
    assert summary() == stored()


def test_a_form_post_with_a_bad_star_lists_the_message(visitor, server_db):
    before = stored()
    response = visitor.post(
        "/api/actions/ratings.rate",
        data={"post_slug": POST, "stars": "9"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "Rating must be between 1 and 5." in response.text
    assert stored() == before


def test_unknown_post_is_a_404_with_the_standard_body(visitor, server_db):
    response = visitor.post(
        "/api/actions/ratings.rate", json={"post_slug": "no-such-post", "stars": 4}
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    assert stored("no-such-post") == (0, 0)
