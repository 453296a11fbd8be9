"""state/accounts.py: who the account menu shows, and the sign-in forms' errors."""

from __future__ import annotations

import pytest
from sqlmodel import delete

from db.accounts import BAD_CREDENTIALS
from db.core.engine import session_scope
from db.core.errors import INVALID_INPUT
from db.models import AccountSession
from state.accounts import AccountFormState, AccountState
from tests.factories import make_user
from tests.state.conftest import Tab, drive, focus

pytestmark = pytest.mark.anyio


def menu(state: AccountState) -> tuple[int, str, str, bool, bool, bool]:
    return (
        state.user_id,
        state.display_name,
        state.role,
        state.signed_in,
        state.is_admin,
        state.loaded,
    )


def form(state: AccountFormState) -> tuple[bool, dict[str, list[str]], str]:
    return state.pending, state.field_errors, state.form_error


async def test_the_menu_shows_nobody_when_signed_out(tab: Tab):
    state = await tab.state(AccountState)
    await drive(state.load_user())
    assert menu(state) == (0, "", "", False, False, True)


@pytest.mark.parametrize("role", ["member", "admin"])
async def test_the_menu_shows_the_signed_in_account(database: str, role):
    user_id = make_user(role=role, display_name="Ada")
    state = await Tab(user_id=user_id).state(AccountState)
    await drive(state.load_user())
    assert menu(state) == (user_id, "Ada", role, True, role == "admin", True)


async def test_signing_out_everywhere_reaches_a_tab_still_open(database: str):
    user_id = make_user(display_name="Ada")
    state = await Tab(user_id=user_id).state(AccountState)
    await drive(state.load_user())
    assert state.signed_in is True
    with session_scope(write=True) as session:
        session.exec(delete(AccountSession))
    await drive(state.load_user())
    assert menu(state) == (0, "", "", False, False, True)


async def test_the_account_page_sends_visitors_to_sign_in_and_back(tab: Tab):
    tab.open("/account")
    state = await tab.state(AccountState)
    outcome = await drive(state.load_account())
    assert outcome.redirects == ["/login?next=/account"]
    assert state.signed_in is False


async def test_the_account_page_shows_the_account(database: str):
    user_id = make_user(display_name="Ada")
    tab = Tab(user_id=user_id)
    tab.open("/account")
    state = await tab.state(AccountState)
    outcome = await drive(state.load_account())
    assert (outcome.events, menu(state)) == ([], (user_id, "Ada", "member", True, False, True))


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/members", "/members"),
        ("/blog/hello-world?page=2", "/blog/hello-world?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("", "/"),
    ],
)
async def test_the_sign_in_form_keeps_only_a_local_place_to_return_to(tab: Tab, asked, kept):
    tab.open(f"/login?next={asked}")
    state = await tab.state(AccountFormState)
    outcome = await drive(state.load_form())
    assert (state.next_url, outcome.events) == (kept, [])


async def test_opening_the_form_clears_what_the_last_attempt_left(tab: Tab):
    state = await tab.state(AccountFormState)
    await drive(state.receive_result({"error": {"message": BAD_CREDENTIALS, "fields": {}}}))
    assert form(state) == (False, {}, BAD_CREDENTIALS)
    tab.open("/login")
    await drive(state.load_form())
    assert form(state) == (False, {}, "")


async def test_someone_signed_in_goes_straight_where_they_were_going(database: str):
    tab = Tab(user_id=make_user())
    tab.open("/login?next=/members")
    state = await tab.state(AccountFormState)
    outcome = await drive(state.load_form())
    assert outcome.redirects == ["/members"]


async def test_field_errors_from_the_endpoint_are_shown_and_the_first_focused(tab: Tab):
    state = await tab.state(AccountFormState)
    fields = {
        "email": ["Enter a valid email address."],
        "password": ["Password must be at least 10 characters."],
    }
    outcome = await drive(
        state.receive_result(
            {
                "form": "signup",
                "error": {"code": "BAD_REQUEST", "message": INVALID_INPUT, "fields": fields},
            }
        )
    )
    assert form(state) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus("signup-email")[1]]


async def test_a_form_level_error_is_shown_without_moving_focus(tab: Tab):
    state = await tab.state(AccountFormState)
    outcome = await drive(
        state.receive_result(
            {
                "form": "login",
                "error": {"code": "UNAUTHORIZED", "message": BAD_CREDENTIALS, "fields": {}},
            }
        )
    )
    assert (form(state), outcome.events) == ((False, {}, BAD_CREDENTIALS), [])


async def test_success_keeps_the_form_busy_while_the_page_reloads(tab: Tab):
    state = await tab.state(AccountFormState)
    await drive(state.receive_result({"error": {"message": BAD_CREDENTIALS, "fields": {}}}))
    outcome = await drive(state.receive_result({"data": {"user": {"id": 1}}}))
    assert (form(state), outcome.events) == ((True, {}, ""), [])


@pytest.mark.parametrize(
    "outcome",
    [
        {},
        {"error": "a string"},
        {"error": {"fields": {"email": "not a list"}, "message": "Bad"}, "form": "x-y"},
    ],
)
async def test_a_malformed_answer_shows_nothing_it_cannot_read(tab: Tab, outcome):
    state = await tab.state(AccountFormState)
    result = await drive(state.receive_result(outcome))
    assert state.pending is False
    assert state.field_errors == {}
    assert result.events == []
