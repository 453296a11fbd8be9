"""state/likes.py: the like button's total and this visitor's like, per post."""

from __future__ import annotations

import inspect
from typing import Any

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
    mine = f"likes:{SLUG}:visitor:{state.visitor_id}"
    assert live_updates.topics == [f"likes:{SLUG}", mine, f"likes:{SLUG}", mine]


async def test_the_same_visitors_other_tab_gets_the_heart_and_no_one_else(
    tab: Tab, live_updates: Live
):
    make_post(SLUG)
    state = await tab.state(LikeState)
    await drive(state.load_like(SLUG))
    second = await Tab().state(LikeState)
    second.visitor_id = state.visitor_id  # the same browser: the same visitor cookie
    await drive(second.load_like(SLUG))
    stranger = await Tab().state(LikeState)
    await drive(stranger.load_like(SLUG))
    assert (f"likes:{SLUG}:visitor:{state.visitor_id}", second.router.session.client_token) in (
        live_updates.subscriptions
    )
    assert all(state.visitor_id not in topic for topic, _ in live_updates.subscriptions[-2:])

    await drive(state.toggle_like(SLUG))
    for watcher in (second, stranger):
        for update in live_updates.published:
            await _apply(update, watcher)
    assert button(second) == (1, True)
    assert button(stranger) == (1, False)

    live_updates.published.clear()
    await drive(state.toggle_like(SLUG))  # and the unlike empties it again
    for update in live_updates.published:
        await _apply(update, second)
    assert button(second) == (0, False)


async def _apply(update: Any, state: LikeState) -> None:
    """Hand one published update to the tab holding ``state``, as the live fan-out does."""
    outcome = update.apply(state, await update.load())
    if inspect.isawaitable(outcome):
        await outcome


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
