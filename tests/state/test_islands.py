"""state/islands.py: the generic form and list states behind ``model_form`` and ``rows_list``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, func, select

from db.core.actions import listing
from db.core.engine import session_scope
from db.core.errors import INVALID_INPUT
from db.models import ContactMessage, GuestbookEntry, GuestbookEntryPublic
from state.checks import BAD_EVENT
from state.islands import UNKNOWN_FORM, ActionFormState, ListingState
from tests.factories import contact_payload, guestbook_payload
from tests.state.conftest import Tab, drive, focus

pytestmark = pytest.mark.anyio

LISTING = "tests.guestbook_oldest"


@listing(LISTING, model=GuestbookEntryPublic, per_page=2)
def _oldest_entries() -> Any:
    return select(GuestbookEntry).order_by(col(GuestbookEntry.id))


def messages() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(ContactMessage)).one()


def form(state: ActionFormState, form_id: str = "contact-send") -> tuple[Any, Any, Any]:
    return (
        state.pending.get(form_id),
        state.field_errors.get(form_id),
        state.form_error.get(form_id),
    )


async def test_a_form_runs_its_action_by_name_with_pending_then_thanks(tab: Tab):
    state = await tab.state(ActionFormState)
    outcome = await drive(
        state.submit("contact.send", "Sent.", contact_payload()), lambda: form(state)
    )
    assert outcome.seen == [(True, None, None), (False, {}, "")]
    assert outcome.toasts == [("success", "Sent.")]
    assert outcome.resets == ["contact-send"]
    assert messages() == 1


async def test_field_errors_are_kept_under_the_form_id_and_focus_the_field(tab: Tab):
    state = await tab.state(ActionFormState)
    outcome = await drive(state.submit("contact.send", "Sent.", contact_payload(name="")))
    assert form(state) == (False, {"name": ["Name is required."]}, INVALID_INPUT)
    assert outcome.focused == [focus("contact-send-name")[1]]
    assert (outcome.toasts, outcome.resets) == ([], [])
    assert form(state, "guestbook-add") == (None, None, None)
    assert messages() == 0


@pytest.mark.parametrize("name", ["nope.add", "__init__", ""])
async def test_only_registered_actions_run(tab: Tab, name: str):
    state = await tab.state(ActionFormState)
    outcome = await drive(state.submit(name, "Sent.", contact_payload()))
    assert outcome.toasts == [("error", UNKNOWN_FORM)]
    assert (state.pending, state.field_errors, state.form_error) == ({}, {}, {})


async def test_a_malformed_event_runs_nothing(tab: Tab):
    state = await tab.state(ActionFormState)
    malformed: Any = ["not", "a", "dict"]  # what a hand-made websocket message may carry
    outcome = await drive(state.submit("contact.send", "Sent.", malformed))
    assert outcome.toasts == [("error", BAD_EVENT)]
    assert messages() == 0


async def test_a_listing_loads_page_by_page(tab: Tab):
    for n in range(3):
        await drive(
            (await tab.state(ActionFormState)).submit(
                "guestbook.add", "Thanks", guestbook_payload(author=f"Ada {n}")
            )
        )
    state = await tab.state(ListingState)
    await drive(state.load_listing(LISTING, 1))
    assert [r["author"] for r in state.rows[LISTING]] == ["Ada 0", "Ada 1"]
    assert (state.page[LISTING], state.pages[LISTING], state.total[LISTING]) == (1, 2, 3)
    await drive(state.load_listing(LISTING, 9))  # past the end: the last page
    assert [r["author"] for r in state.rows[LISTING]] == ["Ada 2"]
    assert state.page[LISTING] == 2
    assert set(state.rows[LISTING][0]) == {"id", "author", "content", "created_at"}


async def test_an_unknown_listing_loads_nothing(tab: Tab):
    state = await tab.state(ListingState)
    await drive(state.load_listing("nope.recent", 1))
    assert (state.rows, state.page) == ({}, {})


async def test_a_successful_form_reloads_the_listings_the_tab_shows(tab: Tab):
    listings = await tab.state(ListingState)
    await drive(listings.load_listing(LISTING, 1))
    assert listings.total[LISTING] == 0
    state = await tab.state(ActionFormState)
    await drive(state.submit("guestbook.add", "Thanks", guestbook_payload()))
    assert listings.total[LISTING] == 1
    assert [r["author"] for r in listings.rows[LISTING]] == ["Ada Lovelace"]
    await drive(state.submit("guestbook.add", "Thanks", guestbook_payload(author="")))
    assert listings.total[LISTING] == 1
