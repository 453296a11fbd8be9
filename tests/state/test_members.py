"""state/members.py: ``/members`` lists members-only posts to accounts, and to no one else."""

from __future__ import annotations

import pytest

from db.posts import PER_PAGE
from state.members import MembersState
from tests.factories import make_post, make_user
from tests.state.conftest import Tab, drive

pytestmark = pytest.mark.anyio


async def test_visitors_are_sent_to_sign_in_and_shown_nothing(tab: Tab):
    make_post("inner", title="Inner circle", members_only=True)
    tab.open("/members")
    state = await tab.state(MembersState)
    outcome = await drive(state.load_members())
    assert outcome.redirects == ["/login?next=/members"]
    assert (state.posts, state.loaded) == ([], False)


async def test_members_see_the_members_only_posts_as_cards(database: str):
    make_post("inner", title="Inner circle", members_only=True, content_html="<p>Secret</p>")
    make_post("public", title="Public")
    tab = Tab(user_id=make_user())
    tab.open("/members")
    state = await tab.state(MembersState)
    outcome = await drive(state.load_members())
    assert outcome.events == []
    assert [(p["slug"], p["title"]) for p in state.posts] == [("inner", "Inner circle")]
    assert "content_html" not in state.posts[0]
    assert state.loaded is True


async def test_a_tab_signed_out_since_loading_is_emptied(database: str):
    make_post("inner", members_only=True)
    tab = Tab(user_id=make_user())
    state = await tab.state(MembersState)
    await drive(state.load_members())
    assert len(state.posts) == 1
    tab.sign_out()
    outcome = await drive(state.load_members())
    assert (outcome.redirects, state.posts, state.loaded) == (["/login?next=/members"], [], False)


async def test_only_the_first_page_is_listed(database: str):
    for n in range(PER_PAGE + 1):
        make_post(f"inner-{n}", members_only=True)
    state = await Tab(user_id=make_user()).state(MembersState)
    await drive(state.load_members())
    assert len(state.posts) == PER_PAGE
