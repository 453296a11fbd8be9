"""state/contact.py: the contact form as its island shows it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from db.contact import RECEIVED
from db.core.engine import session_scope
from db.core.errors import INVALID_INPUT
from db.models import ContactMessage
from state.contact import ContactState
from tests.db.test_contact import CONTACT_RULES
from tests.factories import contact_payload
from tests.state.conftest import Outage, Tab, drive, focus

pytestmark = pytest.mark.anyio


def messages() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(ContactMessage)).one()


def form(state: ContactState) -> tuple[bool, dict[str, list[str]], str]:
    return state.pending, state.field_errors, state.form_error


async def test_sending_shows_pending_then_thanks_and_clears_the_form(tab: Tab):
    state = await tab.state(ContactState)
    outcome = await drive(state.submit_message(contact_payload()), lambda: form(state))
    assert outcome.seen == [(True, {}, ""), (False, {}, "")]
    assert outcome.toasts == [("success", RECEIVED)]
    assert outcome.resets == ["contact"]
    assert messages() == 1


@pytest.mark.parametrize(("change", "fields"), CONTACT_RULES)
async def test_each_bad_field_is_shown_with_its_message(tab: Tab, change, fields):
    state = await tab.state(ContactState)
    outcome = await drive(state.submit_message(contact_payload(**change)), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus(f"contact-{next(iter(fields))}")[1]]
    assert (outcome.toasts, outcome.resets) == ([], [])  # the visitor's text stays to correct
    assert messages() == 0


async def test_a_corrected_form_clears_the_old_errors(tab: Tab):
    state = await tab.state(ContactState)
    await drive(state.submit_message(contact_payload(name="A")))
    assert state.field_errors == {"name": ["Name must be at least 2 characters."]}
    await drive(state.submit_message(contact_payload()))
    assert form(state) == (False, {}, "")


async def test_without_the_database_the_form_says_so_and_is_usable_again(tab: Tab, outage: Outage):
    state = await tab.state(ContactState)
    with outage:
        outcome = await drive(state.submit_message(contact_payload()), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, {}, outage.message)
    assert outcome.toasts == [("error", outage.message)]
    assert (outcome.focused, outcome.resets) == ([], [])
    assert messages() == 0
    await drive(state.submit_message(contact_payload()))  # the database is back
    assert form(state) == (False, {}, "")
    assert messages() == 1


async def test_an_event_with_arguments_of_the_wrong_shape_runs_nothing(tab: Tab):
    state = await tab.state(ContactState)
    junk: Any = ["not", "a", "form"]  # what any websocket client can send
    outcome = await drive(state.submit_message(junk), lambda: form(state))
    assert outcome.toasts == [
        ("error", "That request was not understood. Please reload the page and try again.")
    ]
    assert form(state) == (False, {}, "")
    assert messages() == 0
