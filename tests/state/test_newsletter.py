"""state/newsletter.py: the footer sign-up form and the pages an emailed link opens."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.core.engine import session_scope
from db.core.errors import INVALID_INPUT
from db.core.tokens import new_token, token_hash
from db.models import Subscriber
from db.newsletter import (
    CHECK_INBOX,
    CONFIRM_INVALID,
    CONFIRMED,
    UNSUBSCRIBE_INVALID,
    UNSUBSCRIBED,
)
from state.newsletter import NewsletterLinkState, NewsletterState
from tests.db.test_newsletter import SUBSCRIBE_RULES
from tests.factories import subscriber_payload
from tests.state.conftest import Outage, Tab, drive, focus

pytestmark = pytest.mark.anyio


def form(state: NewsletterState) -> tuple[bool, dict[str, list[str]], str]:
    return state.pending, state.field_errors, state.form_error


def statuses() -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(s.email, s.status) for s in session.exec(select(Subscriber)).all()]


def pending_subscriber(email: str = "ada@example.com") -> tuple[str, str]:
    """A pending address as a confirmation email leaves it; returns (confirm, unsubscribe)."""
    confirm, unsubscribe = new_token(), new_token()
    with session_scope(write=True) as session:
        session.add(
            Subscriber(
                email=email,
                confirm_token_hash=token_hash(confirm),
                unsubscribe_token_hash=token_hash(unsubscribe),
            )
        )
    return confirm, unsubscribe


def link_page(state: NewsletterLinkState) -> tuple[str, bool, bool]:
    return state.outcome, state.succeeded, state.loaded


async def test_subscribing_shows_pending_then_asks_to_check_the_inbox(tab: Tab):
    state = await tab.state(NewsletterState)
    outcome = await drive(state.submit_subscription(subscriber_payload()), lambda: form(state))
    assert outcome.seen == [(True, {}, ""), (False, {}, "")]
    assert (outcome.toasts, outcome.resets) == ([("success", CHECK_INBOX)], ["newsletter"])
    assert statuses() == [("ada@example.com", "pending")]


@pytest.mark.parametrize(("change", "fields"), SUBSCRIBE_RULES)
async def test_each_bad_field_is_shown_with_its_message(tab: Tab, change, fields):
    state = await tab.state(NewsletterState)
    outcome = await drive(
        state.submit_subscription(subscriber_payload(**change)), lambda: form(state)
    )
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus(f"newsletter-{next(iter(fields))}")[1]]
    assert (outcome.toasts, outcome.resets, statuses()) == ([], [], [])


async def test_without_the_database_the_form_says_so(tab: Tab, outage: Outage):
    state = await tab.state(NewsletterState)
    with outage:
        outcome = await drive(state.submit_subscription(subscriber_payload()), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, {}, outage.message)
    assert (outcome.toasts, outcome.resets) == ([("error", outage.message)], [])
    assert statuses() == []


async def test_the_confirmation_link_subscribes_and_says_so_every_time(tab: Tab):
    confirm, _ = pending_subscriber()
    tab.open("/newsletter/confirm/[token]", token=confirm)
    state = await tab.state(NewsletterLinkState)
    await drive(state.load_confirmation())
    assert link_page(state) == (CONFIRMED, True, True)
    assert statuses() == [("ada@example.com", "active")]
    await drive(state.load_confirmation())
    assert link_page(state) == (CONFIRMED, True, True)


async def test_the_unsubscribe_link_unsubscribes_and_kills_the_confirmation_link(tab: Tab):
    confirm, unsubscribe = pending_subscriber()
    tab.open("/newsletter/unsubscribe/[token]", token=unsubscribe)
    state = await tab.state(NewsletterLinkState)
    await drive(state.load_unsubscription())
    assert link_page(state) == (UNSUBSCRIBED, True, True)
    assert statuses() == [("ada@example.com", "unsubscribed")]
    tab.open("/newsletter/confirm/[token]", token=confirm)
    await drive(state.load_confirmation())
    assert link_page(state) == (CONFIRM_INVALID, False, True)


@pytest.mark.parametrize("token", ["", "not-a-token-we-issued", "x" * 201])
async def test_a_wrong_or_mangled_link_is_just_invalid(tab: Tab, token):
    pending_subscriber()
    tab.open("/newsletter/confirm/[token]", token=token)
    state = await tab.state(NewsletterLinkState)
    await drive(state.load_confirmation())
    assert link_page(state) == (CONFIRM_INVALID, False, True)
    await drive(state.load_unsubscription())
    assert link_page(state) == (UNSUBSCRIBE_INVALID, False, True)
    assert statuses() == [("ada@example.com", "pending")]


async def test_without_the_database_the_link_page_says_so(tab: Tab, outage: Outage):
    confirm, _ = pending_subscriber()
    tab.open("/newsletter/confirm/[token]", token=confirm)
    state = await tab.state(NewsletterLinkState)
    with outage:
        await drive(state.load_confirmation())
    assert link_page(state) == (outage.message, False, True)
    assert statuses() == [("ada@example.com", "pending")]
