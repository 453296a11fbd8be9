"""Newsletter double opt-in on a real libSQL file, with the emails read off a real SMTP server."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from email_validator import validate_email
from sqlmodel import func, select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.jobs.mail import deliver_due
from db.models import Outbox, Subscriber
from tests.factories import subscriber_payload, visitor_ctx
from tests.smtp import Received, SmtpSink

INVALID = "Please correct the highlighted fields."
CHECK_INBOX = {
    "data": {"message": "Thanks! Check your inbox for a link to confirm your subscription."}
}
CONFIRMED = {"data": {"message": "You're subscribed."}}
UNSUBSCRIBED = {"data": {"message": "You have been unsubscribed."}}
CONFIRM_INVALID = {
    "error": {
        "code": "NOT_FOUND",
        "fields": {},
        "message": "This confirmation link is invalid or has expired.",
    }
}
UNSUBSCRIBE_INVALID = {
    "error": {"code": "NOT_FOUND", "fields": {}, "message": "This unsubscribe link is invalid."}
}


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """The package's SMTP sink, with the links in emails on ``https://atoll.example``."""
    with SmtpSink().configure(monkeypatch, SITE_URL="https://atoll.example") as sink:
        yield sink


def subscribe(email: str = "ada@example.com", **changes: str) -> dict:
    return run_action(
        "newsletter.subscribe", subscriber_payload(email=email, **changes), visitor_ctx()
    ).envelope()


def confirm(token: str) -> dict:
    return run_action("newsletter.confirm", {"token": token}, visitor_ctx()).envelope()


def unsubscribe(token: str) -> dict:
    return run_action("newsletter.unsubscribe", {"token": token}, visitor_ctx()).envelope()


def subscribers() -> list[Subscriber]:
    with session_scope() as session:
        return list(session.exec(select(Subscriber)).all())


def mails_queued() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Outbox)).one()


def tokens(mail: Received) -> tuple[str, str]:
    """The confirm and unsubscribe tokens from a confirmation email's links."""
    confirm_link = next(link for link in mail.links() if "/newsletter/confirm/" in link)
    unsubscribe_link = next(link for link in mail.links() if "/newsletter/unsubscribe/" in link)
    return confirm_link.rsplit("/", 1)[1], unsubscribe_link.rsplit("/", 1)[1]


def age_confirmation(by: timedelta) -> None:
    """Pretend the last confirmation email went out ``by`` earlier."""
    with session_scope(write=True) as session:
        for row in session.exec(select(Subscriber)).all():
            assert row.confirm_sent_at is not None
            row.confirm_sent_at = row.confirm_sent_at - by
            session.add(row)


def test_subscribing_stores_a_pending_address_with_token_hashes_only(database):
    assert subscribe() == CHECK_INBOX
    [row] = subscribers()
    assert (row.email, row.status, row.confirmed_at) == ("ada@example.com", "pending", None)
    assert row.confirm_sent_at is not None
    digests = (row.confirm_token_hash, row.unsubscribe_token_hash)
    assert all(re.fullmatch(r"[0-9a-f]{64}", d or "") for d in digests), digests  # SHA-256 hex
    assert digests[0] != digests[1]  # two links, two tokens
    assert mails_queued() == 1


# Every rule of newsletter.subscribe with its exact message; the HTTP tests reuse this table.
SUBSCRIBE_RULES = [
    ({"email": ""}, {"email": ["Email is required."]}),
    ({"email": "   "}, {"email": ["Email is required."]}),
    ({"email": "ada"}, {"email": ["Enter a valid email address."]}),
    ({"email": "ada@@example.com"}, {"email": ["Enter a valid email address."]}),
    ({"email": "ada@localhost"}, {"email": ["Enter a valid email address."]}),
    ({"email": "a" * 243 + "@example.com"}, {"email": ["Email must be at most 254 characters."]}),
    ({"website": "http://spam.example"}, {"website": ["Leave this field empty."]}),
    (
        {"email": "nope", "website": "x"},
        {
            "email": ["Enter a valid email address."],
            "website": ["Leave this field empty."],
        },
    ),
]


@pytest.mark.parametrize(("change", "fields"), SUBSCRIBE_RULES)
def test_each_rule_has_an_exact_message_and_stores_nothing(database, change, fields):
    result = run_action("newsletter.subscribe", subscriber_payload(**change), visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert subscribers() == []
    assert mails_queued() == 0


# Rules of newsletter.confirm and newsletter.unsubscribe (the token from a link).
TOKEN_RULES = [
    ({"token": ""}, {"token": ["Token is required."]}),
    ({}, {"token": ["Token is required."]}),
    ({"token": "x" * 201}, {"token": ["Token must be at most 200 characters."]}),
]


@pytest.mark.parametrize("name", ["newsletter.confirm", "newsletter.unsubscribe"])
@pytest.mark.parametrize(("payload", "fields"), TOKEN_RULES)
def test_token_rules(database, name, payload, fields):
    result = run_action(name, payload, visitor_ctx())
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }


def test_email_validator_lowercases_only_the_domain():
    # What the library does on its own: the local part keeps its case …
    assert (
        validate_email("Ada@Example.COM", check_deliverability=False).normalized
        == "Ada@example.com"
    )


def test_addresses_differing_only_in_case_are_one_subscriber(database):
    # … so the newsletter lower-cases the whole address: one mailbox, one row.
    for spelling in ("Ada@Example.COM", "ada@example.com", "  ADA@EXAMPLE.com "):
        assert subscribe(spelling) == CHECK_INBOX
    assert [row.email for row in subscribers()] == ["ada@example.com"]
    assert mails_queued() == 1


def test_subscribing_twice_is_harmless_and_says_the_same(database):
    first = subscribe()
    [before] = subscribers()
    second = subscribe()
    [after] = subscribers()
    assert first == second == CHECK_INBOX
    assert after.confirm_token_hash == before.confirm_token_hash  # no new email within 10 minutes
    assert mails_queued() == 1


def test_a_pending_address_gets_the_confirmation_again_after_ten_minutes(database, smtp):
    subscribe()
    deliver_due()
    age_confirmation(timedelta(minutes=9, seconds=59))
    assert subscribe() == CHECK_INBOX
    assert mails_queued() == 1
    age_confirmation(timedelta(seconds=1))
    assert subscribe() == CHECK_INBOX
    assert mails_queued() == 2
    deliver_due()
    old, new = smtp.received
    assert tokens(old) != tokens(new)
    assert confirm(tokens(old)[0]) == CONFIRM_INVALID  # only the newest links work
    assert confirm(tokens(new)[0]) == CONFIRMED


def test_an_active_subscriber_gets_no_second_email_and_the_same_answer(database, smtp):
    subscribe()
    deliver_due()
    confirm(tokens(smtp.received[0])[0])
    age_confirmation(timedelta(days=1))
    assert subscribe("ADA@example.com") == CHECK_INBOX
    assert mails_queued() == 1
    assert [row.status for row in subscribers()] == ["active"]


def test_the_confirmation_email_over_smtp(database, smtp):
    subscribe("Ada@Example.COM")
    assert deliver_due().done == 1
    [mail] = smtp.received
    assert mail.mail_from == "atoll@example.com"
    assert mail.rcpt_tos == ("ada@example.com",)
    assert mail.message["To"] == "ada@example.com"
    assert mail.message["Subject"] == "Confirm your subscription to the Atoll newsletter"
    confirm_token, unsubscribe_token = tokens(mail)
    assert f"https://atoll.example/newsletter/confirm/{confirm_token}\n" in mail.body
    assert (
        f"Unsubscribe: https://atoll.example/newsletter/unsubscribe/{unsubscribe_token}\n"
        in mail.body
    )
    assert mail.message["List-Unsubscribe"] == (
        f"<https://atoll.example/newsletter/unsubscribe/{unsubscribe_token}>"
    )
    [row] = subscribers()
    assert row.confirm_token_hash == hashlib.sha256(confirm_token.encode()).hexdigest()
    assert row.unsubscribe_token_hash == hashlib.sha256(unsubscribe_token.encode()).hexdigest()


def test_raw_tokens_are_not_kept_once_the_email_is_sent(database, smtp):
    subscribe()
    deliver_due()
    confirm_token, unsubscribe_token = tokens(smtp.received[0])
    with session_scope() as session:
        dump = repr(session.exec(select(Subscriber)).all()) + repr(
            session.exec(select(Outbox)).all()
        )
    assert confirm_token not in dump and unsubscribe_token not in dump


def test_confirm_then_unsubscribe(database, smtp):
    subscribe()
    deliver_due()
    confirm_token, unsubscribe_token = tokens(smtp.received[0])
    assert confirm(confirm_token) == CONFIRMED
    [row] = subscribers()
    assert row.status == "active" and row.confirmed_at is not None
    assert confirm(confirm_token) == CONFIRMED  # opening the link again is fine
    assert unsubscribe(unsubscribe_token) == UNSUBSCRIBED
    [row] = subscribers()
    assert row.status == "unsubscribed" and row.unsubscribed_at is not None
    assert unsubscribe(unsubscribe_token) == UNSUBSCRIBED  # so is this one
    assert confirm(confirm_token) == CONFIRM_INVALID  # and the old link cannot re-subscribe
    assert [row.status for row in subscribers()] == ["unsubscribed"]


def test_unsubscribing_before_confirming_works(database, smtp):
    subscribe()
    deliver_due()
    assert unsubscribe(tokens(smtp.received[0])[1]) == UNSUBSCRIBED
    assert [row.status for row in subscribers()] == ["unsubscribed"]


def test_unknown_tokens_are_not_found(database):
    subscribe()
    assert confirm("not-a-token") == CONFIRM_INVALID
    assert unsubscribe("not-a-token") == UNSUBSCRIBE_INVALID
    assert [row.status for row in subscribers()] == ["pending"]


def test_a_confirmation_link_expires_after_seven_days(database, smtp):
    subscribe()
    deliver_due()
    age_confirmation(timedelta(days=7, seconds=1))
    assert confirm(tokens(smtp.received[0])[0]) == CONFIRM_INVALID
    assert [row.status for row in subscribers()] == ["pending"]


def test_subscribing_again_after_unsubscribing_starts_over(database, smtp):
    subscribe()
    deliver_due()
    unsubscribe(tokens(smtp.received[0])[1])
    assert subscribe() == CHECK_INBOX
    deliver_due()
    assert len(smtp.received) == 2
    [row] = subscribers()
    assert row.status == "pending"
    assert confirm(tokens(smtp.received[1])[0]) == CONFIRMED
    assert [row.status for row in subscribers()] == ["active"]


def test_a_subscriber_row_is_created_once_under_concurrency(database):
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: subscribe(), range(16)))
    assert answers == [CHECK_INBOX] * 16
    assert len(subscribers()) == 1
    assert mails_queued() == 1
