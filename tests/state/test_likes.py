"""state/likes.py: the like button's total and this visitor's like, per post."""

from __future__ import annotations

import pytest

from db.posts import POST_NOT_FOUND
from state.checks import BAD_EVENT
from state.likes import LikeState
from tests.factories import make_post
from tests.state.conftest import Live, Outage, Tab, drive

pytestmark = pytest.mark.anyio

SLUG = "hello-world"


def button(state: LikeState, slug: str = SLUG) -> tuple[int | None, bool | None]:
    return state.counts.get(slug), state.liked.get(slug)


async def test_loading_shows_the_total_and_whether_this_visitor_likes_it(tab: Tab):
    make_post(SLUG)
    other = await Tab().state(LikeState)
    await drive(other.toggle_like(SLUG))
    state = await tab.state(LikeState)
    await drive(state.load_like(SLUG))
    assert button(state) == (1, False)
    await drive(other.load_like(SLUG))
    assert button(other) == (1, True)


async def test_a_like_then_an_unlike_move_the_total_and_reach_other_tabs(
    tab: Tab, live_updates: Live
):
    make_post(SLUG)
    state = await tab.state(LikeState)
    await drive(state.load_like(SLUG))
    assert button(state) == (0, False)
    outcome = await drive(state.toggle_like(SLUG))
    assert outcome.events == []
    assert button(state) == (1, True)
    watcher = Tab()
    await live_updates.deliver(watcher)
    assert button(await watcher.state(LikeState)) == (1, None)  # the total, not this tab's like
    await drive(state.toggle_like(SLUG))
    assert button(state) == (0, False)
    assert live_updates.topics == [f"likes:{SLUG}", f"likes:{SLUG}"]


async def test_a_missing_post_is_a_toast_and_changes_nothing(tab: Tab, live_updates: Live):
    state = await tab.state(LikeState)
    outcome = await drive(state.toggle_like("no-such-post"))
    assert outcome.toasts == [("error", POST_NOT_FOUND)]
    assert button(state, "no-such-post") == (None, None)
    assert live_updates.published == []


async def test_without_the_database_the_like_is_not_shown_as_taken(tab: Tab, outage: Outage):
    make_post(SLUG)
    state = await tab.state(LikeState)
    await drive(state.load_like(SLUG))
    with outage:
        outcome = await drive(state.toggle_like(SLUG))
    assert outcome.toasts == [("error", outage.message)]
    assert button(state) == (0, False)
    await drive(state.toggle_like(SLUG))
    assert button(state) == (1, True)


@pytest.mark.parametrize("slug", [["a", "list"], {"a": "dict"}, None])
async def test_a_slug_of_the_wrong_type_runs_nothing(tab: Tab, slug):
    state = await tab.state(LikeState)
    outcome = await drive(state.toggle_like(slug))
    assert outcome.toasts == [("error", BAD_EVENT)]
    assert (state.counts, state.liked) == ({}, {})
