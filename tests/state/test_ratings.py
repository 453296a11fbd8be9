"""state/ratings.py: the star rating's summary, this visitor's stars and the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from db.posts import POST_NOT_FOUND
from state.checks import BAD_EVENT
from state.ratings import RatingState
from tests.factories import make_post
from tests.state.conftest import Live, Outage, Tab, drive

pytestmark = pytest.mark.anyio

SLUG = "hello-world"
BETWEEN = "Rating must be between 1 and 5."


def stars(state: RatingState, slug: str = SLUG) -> tuple[str | None, int | None, bool | None]:
    """The summary line, the checked star and the saving flag, as the island shows them."""
    return state.summaries.get(slug), state.mine.get(slug), state.saving.get(slug)


async def test_loading_shows_the_summary_and_this_visitors_stars(tab: Tab):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.load_rating(SLUG))
    assert stars(state) == ("No ratings yet", None, None)
    await drive(state.submit_rating(SLUG, 4))
    other = await Tab().state(RatingState)
    await drive(other.submit_rating(SLUG, 1))
    await drive(state.load_rating(SLUG))
    assert stars(state) == ("2.5 · 2 ratings", 4, False)


async def test_the_star_moves_at_once_and_the_summary_follows(tab: Tab, live_updates: Live):
    make_post(SLUG)
    state = await tab.state(RatingState)
    outcome = await drive(state.submit_rating(SLUG, 4), lambda: stars(state))
    assert outcome.seen == [
        (None, 4, True),  # checked and saving before the database answers
        ("4.0 · 1 rating", 4, False),
    ]
    assert outcome.events == []
    watcher = Tab()
    await live_updates.deliver(watcher)
    assert stars(await watcher.state(RatingState)) == ("4.0 · 1 rating", None, None)
    await drive(state.submit_rating(SLUG, 2))
    assert stars(state) == ("2.0 · 1 rating", 2, False)


@pytest.mark.parametrize(("value", "problem"), [(6, BETWEEN), (0, BETWEEN)])
async def test_a_refused_rating_puts_the_previous_star_back(tab: Tab, value, problem):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.submit_rating(SLUG, 3))
    outcome = await drive(state.submit_rating(SLUG, value), lambda: stars(state))
    assert outcome.seen == [("3.0 · 1 rating", value, True), ("3.0 · 1 rating", 3, False)]
    assert outcome.toasts == [("error", problem)]  # the field's message: one sentence


async def test_a_first_rating_refused_leaves_no_star_checked(tab: Tab, live_updates: Live):
    state = await tab.state(RatingState)
    outcome = await drive(state.submit_rating("no-such-post", 5))
    assert outcome.toasts == [("error", POST_NOT_FOUND)]
    assert stars(state, "no-such-post") == (None, None, False)
    assert live_updates.published == []


async def test_without_the_database_the_star_goes_back(tab: Tab, outage: Outage):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.submit_rating(SLUG, 2))
    with outage:
        outcome = await drive(state.submit_rating(SLUG, 5), lambda: stars(state))
    assert outcome.seen == [("2.0 · 1 rating", 5, True), ("2.0 · 1 rating", 2, False)]
    assert outcome.toasts == [("error", outage.message)]


@pytest.mark.parametrize(
    ("focused", "key", "target"),
    [
        (3, "ArrowRight", 4),
        (3, "ArrowUp", 4),
        (3, "ArrowLeft", 2),
        (3, "ArrowDown", 2),
        (3, "Home", 1),
        (3, "End", 5),
        (5, "ArrowRight", 5),  # clamped at the ends
        (1, "ArrowLeft", 1),
    ],
)
async def test_arrow_keys_check_the_star_they_name_and_store_nothing(
    tab: Tab, live_updates: Live, focused, key, target
):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.load_rating(SLUG))
    outcome = await drive(state.submit_rating_key(SLUG, focused, key))
    assert outcome.events == []  # the browser moved the focus itself
    assert stars(state) == ("No ratings yet", target, None)
    assert live_updates.published == []
    await drive(state.load_rating(SLUG))
    assert stars(state) == ("No ratings yet", target, None)  # still only a selection


async def test_other_keys_move_nothing(tab: Tab):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.submit_rating(SLUG, 5))
    for key in ("Tab", "Enter", " "):
        assert (await drive(state.submit_rating_key(SLUG, 5, key))).events == []
    assert stars(state) == ("5.0 · 1 rating", 5, False)


async def test_leaving_the_group_stores_the_checked_star_once(tab: Tab):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.load_rating(SLUG))
    await drive(state.submit_rating_key(SLUG, 1, "ArrowRight"))
    await drive(state.submit_rating_key(SLUG, 2, "ArrowRight"))
    # focus moving between the stars is a blur inside the group: nothing is stored
    assert (await drive(state.commit_rating(SLUG, False))).events == []
    outcome = await drive(state.commit_rating(SLUG, True))
    assert outcome.events == [("submit_rating", SLUG, 3)]
    await drive(state.submit_rating(SLUG, 3))
    assert stars(state) == ("3.0 · 1 rating", 3, False)
    assert (await drive(state.commit_rating(SLUG, True))).events == []  # already stored


async def test_leaving_a_group_with_nothing_checked_stores_nothing(tab: Tab):
    state = await tab.state(RatingState)
    assert (await drive(state.commit_rating(SLUG, True))).events == []


async def test_a_refused_commit_goes_back_to_the_stored_star(tab: Tab):
    make_post(SLUG)
    state = await tab.state(RatingState)
    await drive(state.submit_rating(SLUG, 2))
    await drive(state.submit_rating_key(SLUG, 2, "End"))
    assert stars(state) == ("2.0 · 1 rating", 5, False)
    with_draft = await drive(state.submit_rating(SLUG, 0))  # refused: back to 2, not 5
    assert with_draft.toasts == [("error", BETWEEN)]
    assert stars(state) == ("2.0 · 1 rating", 2, False)


async def test_stars_of_the_wrong_type_run_nothing(tab: Tab):
    state = await tab.state(RatingState)
    junk: Any = {"stars": 5}  # what any websocket client can send
    outcome = await drive(state.submit_rating(SLUG, junk))
    assert outcome.toasts == [("error", BAD_EVENT)]
    assert stars(state) == (None, None, None)
