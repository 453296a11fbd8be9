"""state/guestbook.py: the guestbook's pages of signatures and the signing form."""

from __future__ import annotations

import pytest

from db.core.errors import INVALID_INPUT
from state.guestbook import GuestbookState
from tests.db.test_guestbook import GUESTBOOK_RULES
from tests.factories import guestbook_payload
from tests.state.conftest import Live, Outage, Tab, drive, focus

pytestmark = pytest.mark.anyio

THANKS = "Thanks for signing the guestbook!"


def form(state: GuestbookState) -> tuple[bool, dict[str, list[str]], str]:
    return state.pending, state.field_errors, state.form_error


def listing(state: GuestbookState) -> tuple[list[tuple[str, str]], int, int, int]:
    """(author, message) of each entry shown, newest first, then page, pages and total."""
    return (
        [(e["author"], e["content"]) for e in state.entries],
        state.page,
        state.pages,
        state.total,
    )


async def sign(author: str, content: str) -> None:
    state = await Tab().state(GuestbookState)
    await drive(state.submit_entry(guestbook_payload(author=author, content=content)))
    assert state.form_error == ""


async def test_loading_shows_the_page_named_in_the_address(tab: Tab):
    for n in range(12):  # ten to a page
        await sign(f"Visitor {n}", f"Entry {n}")
    tab.open("/guestbook?page=2")
    state = await tab.state(GuestbookState)
    await drive(state.load_entries())
    assert listing(state) == ([("Visitor 1", "Entry 1"), ("Visitor 0", "Entry 0")], 2, 2, 12)
    assert state.loaded is True
    assert state.canonical.endswith("/guestbook?page=2")


@pytest.mark.parametrize("page", ["abc", "0", "-3"])
async def test_a_page_number_that_is_not_one_shows_the_first_page(tab: Tab, page):
    await sign("Ada Lovelace", "Lovely site!")
    tab.open(f"/guestbook?page={page}")
    state = await tab.state(GuestbookState)
    await drive(state.load_entries())
    assert listing(state) == ([("Ada Lovelace", "Lovely site!")], 1, 1, 1)


async def test_signing_shows_pending_then_the_entry_on_top_and_thanks(tab: Tab, live_updates: Live):
    await sign("Grace Hopper", "First!")
    state = await tab.state(GuestbookState)
    await drive(state.load_entries())
    outcome = await drive(state.submit_entry(guestbook_payload()), lambda: form(state))
    assert outcome.seen == [(True, {}, ""), (False, {}, "")]
    assert (outcome.toasts, outcome.resets) == ([("success", THANKS)], ["guestbook"])
    assert listing(state) == (
        [("Ada Lovelace", "Lovely site!"), ("Grace Hopper", "First!")],
        1,
        1,
        2,
    )
    watcher = Tab()
    watcher_state = await watcher.state(GuestbookState)
    await live_updates.deliver(watcher)
    assert listing(watcher_state)[0][0] == ("Ada Lovelace", "Lovely site!")


@pytest.mark.parametrize(("change", "fields"), GUESTBOOK_RULES)
async def test_each_bad_field_is_shown_with_its_message(
    tab: Tab, live_updates: Live, change, fields
):
    state = await tab.state(GuestbookState)
    outcome = await drive(state.submit_entry(guestbook_payload(**change)), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus(f"guestbook-{next(iter(fields))}")[1]]
    assert (outcome.toasts, outcome.resets) == ([], [])
    assert state.entries == []
    assert live_updates.published == []


async def test_without_the_database_the_form_says_so(tab: Tab, outage: Outage, live_updates: Live):
    state = await tab.state(GuestbookState)
    with outage:
        outcome = await drive(state.submit_entry(guestbook_payload()), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, {}, outage.message)
    assert (outcome.toasts, outcome.resets) == ([("error", outage.message)], [])
    assert live_updates.published == []
    await drive(state.submit_entry(guestbook_payload()))
    assert (form(state), listing(state)[3]) == ((False, {}, ""), 1)
