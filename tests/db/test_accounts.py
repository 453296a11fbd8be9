"""Accounts on a real libSQL file: sign-up rules, sign-in, sessions, the sign-in limit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, func, select, update

from db.accounts import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    common_passwords,
    create_admin,
    current_user,
    end_session,
    pwd_context,
    safe_return_path,
    session_token,
    signed_in_user,
)
from db.core.actions import run_action
from db.core.engine import dispose_engines, session_scope
from db.core.errors import DATABASE_UNREACHABLE, ActionError
from db.core.ratelimit import Limiter, limiter
from db.core.throttle import LoginThrottle
from db.core.tokens import token_hash
from db.core.types import utcnow
from db.models import AccountSession, User
from tests.factories import PASSWORD, make_user, sign_in, signup_payload, user_ctx, visitor_ctx
from tests.server import free_port
from tests.threads import turn_held_elsewhere
from tests.waiting import eventually

INVALID = "Please correct the highlighted fields."


@pytest.fixture(autouse=True)
def _fresh_throttle():
    limiter.reset()
    yield
    limiter.reset()


def users() -> list[User]:
    with session_scope() as session:
        return list(session.exec(select(User)).all())


def sessions(user_id: int | None = None) -> list[AccountSession]:
    with session_scope() as session:
        query = select(AccountSession)
        if user_id is not None:
            query = query.where(AccountSession.user_id == user_id)
        return list(session.exec(query).all())


def signed_in_id(token: str) -> int | None:
    """The id of the user ``token`` signs in, or ``None``."""
    user = current_user(token)
    return user.id if user is not None else None


def login(email: str = "ada@example.com", password: str = PASSWORD, client: str = "ip:10.0.0.1"):
    return run_action(
        "auth.login", {"email": email, "password": password}, visitor_ctx(client=client)
    )


# --------------------------------------------------------------------------- sign-up


def test_signup_stores_a_normalised_email_and_an_argon2_hash_never_the_password(database):
    result = run_action(
        "auth.signup", signup_payload(email="  Ada.Lovelace@Example.COM "), visitor_ctx()
    )
    assert result.ok, result.envelope()
    assert set(result.data) == {"id", "display_name", "role"}
    assert result.data["role"] == "member"
    [user] = users()
    assert user.email == "ada.lovelace@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert pwd_context.verify(PASSWORD, user.password_hash)
    assert sessions() == []  # the action creates no session; the HTTP endpoint does


def test_the_password_appears_nowhere_in_the_database_file(database):
    from db.core.engine import get_engine, local_path

    assert run_action("auth.signup", signup_payload(), visitor_ctx()).ok
    assert login().ok
    user = users()[0]
    assert user.id is not None
    token = sign_in(user.id)
    with get_engine().begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = local_path(database)
    assert path is not None
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"ada@example.com" in raw  # the scan sees stored text
    assert PASSWORD.encode() not in raw
    assert token.encode() not in raw


def test_email_is_unique_whatever_its_case(database):
    assert run_action("auth.signup", signup_payload(email="ada@example.com"), visitor_ctx()).ok
    again = run_action(
        "auth.signup", signup_payload(email="ADA@Example.com", display_name="Other"), visitor_ctx()
    )
    assert again.status == 409
    assert again.envelope() == {
        "error": {
            "code": "CONFLICT",
            "message": "An account with this email already exists.",
            "fields": {"email": ["An account with this email already exists."]},
        }
    }
    assert len(users()) == 1


COMMON = "This password is too common. Choose one that is harder to guess."

# Every rule of auth.signup with its exact message; the HTTP tests reuse this table.
SIGNUP_RULES = [
    ({"email": ""}, {"email": ["Email is required."]}),
    ({"email": "not-an-address"}, {"email": ["Enter a valid email address."]}),
    ({"email": "ada@"}, {"email": ["Enter a valid email address."]}),
    ({"email": "a" * 250 + "@x.io"}, {"email": ["Email must be at most 254 characters."]}),
    ({"display_name": "A"}, {"display_name": ["Display name must be at least 2 characters."]}),
    ({"display_name": "   "}, {"display_name": ["Display name is required."]}),
    ({"display_name": "x" * 41}, {"display_name": ["Display name must be at most 40 characters."]}),
    ({"password": ""}, {"password": ["Password is required."]}),
    ({"password": "short"}, {"password": ["Password must be at least 10 characters."]}),
    ({"password": "x" * 1001}, {"password": ["Password must be at most 1000 characters."]}),
    ({"password": "1234567890"}, {"password": [COMMON]}),
    ({"password": "password123"}, {"password": [COMMON]}),
    ({"password": "QwertyUIOP"}, {"password": [COMMON]}),  # compared case-insensitively
    ({"password": "iloveyou123"}, {"password": [COMMON]}),
    ({"website": "http://spam.example"}, {"website": ["Leave this field empty."]}),
    (
        {"email": "nope", "display_name": "", "password": "abc", "website": "x"},
        {
            "email": ["Enter a valid email address."],
            "display_name": ["Display name is required."],
            "password": ["Password must be at least 10 characters."],
            "website": ["Leave this field empty."],
        },
    ),
]


@pytest.mark.parametrize(("change", "fields"), SIGNUP_RULES)
def test_each_signup_rule_has_an_exact_message_and_stores_nothing(database, change, fields):
    result = run_action("auth.signup", signup_payload(**change), visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert users() == []


def test_missing_signup_fields_are_required(database):
    result = run_action("auth.signup", {}, visitor_ctx())
    assert result.error is not None
    assert result.error.fields == {
        "email": ["Email is required."],
        "display_name": ["Display name is required."],
        "password": ["Password is required."],
    }


def test_password_keeps_its_spaces(database):
    spaced = "  " + PASSWORD + "  "
    assert run_action("auth.signup", signup_payload(password=spaced), visitor_ctx()).ok
    assert login(password=spaced).ok
    assert login(password=PASSWORD).status == 401


def test_the_common_password_list_is_substantial_and_lower_case():
    words = common_passwords()
    assert len(words) >= 1000
    assert all(w == w.lower() for w in words)
    assert {"123456", "password", "qwertyuiop", "1q2w3e4r5t"} <= words


# --------------------------------------------------------------------------- sign-in


def test_login_answers_the_public_view_and_records_the_time(database):
    user_id = make_user("ada@example.com", display_name="Ada")
    result = login("  ADA@example.com ")
    assert result.ok, result.envelope()
    assert result.data == {"id": user_id, "display_name": "Ada", "role": "member"}
    [user] = users()
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong-password-1"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ],
)
def test_wrong_credentials_get_one_message_whichever_part_is_wrong(database, email, password):
    make_user("ada@example.com")
    result = login(email, password)
    assert result.status == 401
    assert result.envelope() == {
        "error": {
            "code": "UNAUTHORIZED",
            "message": "The email or password is incorrect.",
            "fields": {},
        }
    }


def test_unknown_email_is_verified_against_a_dummy_hash(database, monkeypatch):
    make_user("ada@example.com")
    checked: list[str] = []
    real_verify = pwd_context.verify

    def spy(secret, hash_, **kw):
        checked.append(hash_)
        return real_verify(secret, hash_, **kw)

    monkeypatch.setattr(pwd_context, "verify", spy)
    assert login("nobody@example.com").status == 401
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


def test_login_rehashes_an_outdated_hash(database):
    # passlib.hash builds its handlers lazily, so pyright cannot see the name.
    from passlib.hash import argon2  # pyright: ignore[reportAttributeAccessIssue]

    old = argon2.using(memory_cost=8192, time_cost=1, parallelism=1).hash(PASSWORD)
    user_id = make_user("ada@example.com")
    with session_scope(write=True) as session:
        session.exec(update(User).where(col(User.id) == user_id).values(password_hash=old))
    assert login().ok
    [user] = users()
    assert user.password_hash != old
    assert "m=19456,t=2,p=1" in user.password_hash
    assert login().ok


SLOW = "Too many failed sign-in attempts. Please try again later."


def test_five_failures_for_one_email_from_one_client_lock_that_pair_with_retry_after(database):
    make_user("ada@example.com")
    for n in range(5):
        assert login(password=f"wrong-{n}", client="ip:10.0.0.5").status == 401
    locked = login(client="ip:10.0.0.5")  # even the right password, from that client
    assert locked.status == 429
    assert locked.envelope() == {
        "error": {"code": "TOO_MANY_REQUESTS", "message": SLOW, "fields": {}}
    }
    assert locked.error is not None and 890 <= (locked.error.retry_after or 0) <= 900
    assert login("other@example.com", client="ip:10.0.0.5").status == 401  # other accounts aren't


def test_an_attackers_failures_never_lock_the_owner_out_from_their_own_address(database):
    make_user("ada@example.com")
    for n in range(5):
        assert login(password=f"wrong-{n}", client=f"ip:10.0.0.{n}").status == 401
    for _ in range(5):
        assert login(password="wrong-again", client="ip:10.6.6.6").status == 401
    assert login(client="ip:10.6.6.6").status == 429
    assert login(client="ip:192.0.2.1").ok  # the owner, at home


def test_twenty_failures_from_one_client_lock_that_client(database):
    make_user("ada@example.com")
    for n in range(20):
        assert login(f"guess{n}@example.com", client="ip:10.0.0.66").status == 401
    assert login(client="ip:10.0.0.66").status == 429
    assert login(client="ip:10.0.0.67").ok


def test_a_success_clears_the_accounts_count(database):
    make_user("ada@example.com")
    for _ in range(4):
        assert login(password="wrong-password").status == 401
    assert login().ok
    for _ in range(4):
        assert login(password="wrong-password").status == 401
    assert login().ok


def test_the_default_window_is_fifteen_minutes():
    throttle = LoginThrottle(Limiter())
    for _ in range(5):
        throttle.fail("ada@example.com", "ip:1")
    assert 899 <= (throttle.check("ada@example.com", "ip:1") or 0) <= 900
    assert throttle.check("ada@example.com", "ip:2") is None


def test_failures_leave_the_window_and_the_attempt_is_allowed_again():
    throttle = LoginThrottle(Limiter(), per_account=2, window=1)
    throttle.fail("ada@example.com", "ip:1")
    throttle.fail("ada@example.com", "ip:1")
    assert throttle.check("ada@example.com", "ip:1") == 1
    eventually(lambda: throttle.check("ada@example.com", "ip:1") is None, timeout=3)
    throttle.fail("ada@example.com", "ip:1")
    assert throttle.check("ada@example.com", "ip:1") is None  # one failure in the new window


# --------------------------------------------------------------------------- sessions


def test_a_session_stores_only_the_tokens_sha256(database):
    user_id = make_user()
    token = sign_in(user_id, user_agent="Firefox", ip="10.1.2.3")
    [row] = sessions(user_id)
    assert row.token_hash == token_hash(token) != token
    assert len(token) >= 40
    assert (row.user_agent, row.ip) == ("Firefox", "10.1.2.3")
    assert row.expires_at - row.created_at == SESSION_LIFETIME
    assert signed_in_id(token) == user_id


def test_unknown_and_missing_tokens_are_nobody(database):
    make_user()
    assert current_user(None) is None
    assert current_user("x" * 43) is None


def test_an_expired_session_is_refused_and_cleaned_up_later(database):
    user_id = make_user()
    token = sign_in(user_id)
    with session_scope(write=True) as session:
        session.exec(update(AccountSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert current_user(token) is None
    sign_in(user_id)  # starting any session sweeps expired ones
    assert [s.token_hash for s in sessions(user_id)] != [token_hash(token)]
    assert len(sessions(user_id)) == 1


def test_expiry_slides_with_use_at_most_hourly(database):
    user_id = make_user()
    token = sign_in(user_id)
    soon = utcnow() + timedelta(days=1)
    with session_scope(write=True) as session:
        session.exec(
            update(AccountSession).values(
                expires_at=soon, last_seen_at=utcnow() - timedelta(hours=2)
            )
        )
    assert current_user(token) is not None
    [row] = sessions(user_id)
    assert row.expires_at > utcnow() + SESSION_LIFETIME - timedelta(minutes=1)
    seen = row.last_seen_at
    assert current_user(token) is not None
    assert sessions(user_id)[0].last_seen_at == seen  # within the hour: no write


def test_sign_out_deletes_only_that_session(database):
    user_id = make_user()
    first, second = sign_in(user_id), sign_in(user_id)
    with session_scope(write=True) as session:
        assert end_session(session, first) is True
        assert end_session(session, first) is False
    assert current_user(first) is None
    assert current_user(second) is not None


def test_sign_out_everywhere_deletes_every_session_of_that_user_only(database):
    ada, grace = make_user("ada@example.com"), make_user("grace@example.com")
    tokens = [sign_in(ada) for _ in range(3)]
    other = sign_in(grace)
    result = run_action("auth.logout_everywhere", {}, user_ctx(ada))
    assert result.ok and result.data == {"sessions_ended": 3}
    assert all(current_user(t) is None for t in tokens)
    assert current_user(other) is not None


def test_sign_out_everywhere_needs_a_signed_in_user(database):
    result = run_action("auth.logout_everywhere", {}, user_ctx(None))
    assert result.envelope() == {
        "error": {"code": "UNAUTHORIZED", "message": "Please sign in to continue.", "fields": {}}
    }
    assert (
        run_action("auth.logout_everywhere", {}, user_ctx(12345)).status == 401
    )  # deleted account


def test_deleting_a_user_deletes_their_sessions(database):
    user_id = make_user()
    token = sign_in(user_id)
    with session_scope(write=True) as session:
        session.delete(session.get(User, user_id))
    assert current_user(token) is None
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AccountSession)).one() == 0


@pytest.mark.parametrize(
    ("header", "found"),
    [
        ("atoll_session=" + "a" * 43, "a" * 43),
        ("atoll_visitor=abc; atoll_session=" + "B_-9" * 11 + "; other=1", "B_-9" * 11),
        ('atoll_session="' + "c" * 43 + '"', "c" * 43),
        ("atoll_session=short", None),
        ("atoll_session=" + "a" * 42 + ";", "a" * 42),
        ("atoll_session=<script>" + "a" * 40, None),
        ("", None),
        (None, None),
    ],
)
def test_session_token_is_read_from_a_cookie_header(header, found):
    assert session_token(header) == found


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("/members", "/members"),
        ("/blog/hello-atoll?x=1#c", "/blog/hello-atoll?x=1#c"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
        (["/members"], "/"),
    ],
)
def test_return_paths_stay_on_this_site(value, safe):
    assert safe_return_path(value) == safe


# --------------------------------------------------------------------------- operators


def test_create_admin_creates_or_promotes(database):
    with session_scope(write=True) as session:
        admin, created = create_admin(
            session, email="Root@Example.com", password=PASSWORD, display_name="Root"
        )
    assert created and admin.role == "admin"
    member_id = make_user("ada@example.com")
    with session_scope(write=True) as session:
        promoted, created = create_admin(
            session, email="ada@example.com", password=None, display_name="x"
        )
    assert not created and promoted.id == member_id and promoted.role == "admin"
    assert login("root@example.com").ok
    assert login("ada@example.com").ok  # password unchanged


def test_create_admin_applies_the_signup_rules(database):
    from db.core.errors import ActionError

    with pytest.raises(ActionError) as caught, session_scope(write=True) as session:
        create_admin(session, email="root@example.com", password="password123", display_name="Root")
    assert caught.value.fields == {"password": [COMMON]}
    assert users() == []


# ------------------------------------------------------------------------ python -m db create-admin


def test_cli_creates_the_first_admin_from_the_environment(database, monkeypatch):
    from tests.db.test_cli import run_db

    monkeypatch.setenv("ATOLL_ADMIN_PASSWORD", PASSWORD)
    result = run_db(database, "create-admin", "Root@Example.com", "--name", "Site Owner")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created admin account Site Owner (id ")
    [user] = users()
    assert (user.email, user.role, user.display_name) == ("root@example.com", "admin", "Site Owner")
    assert PASSWORD not in result.stdout + result.stderr
    assert login("root@example.com").ok


def test_cli_promotes_an_existing_member_without_asking_for_a_password(database, monkeypatch):
    from tests.db.test_cli import run_db

    monkeypatch.delenv("ATOLL_ADMIN_PASSWORD", raising=False)
    user_id = make_user("ada@example.com")
    result = run_db(database, "create-admin", "ADA@example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"promoted existing account to admin: Member (id {user_id})\n"
    assert users()[0].role == "admin"


def test_cli_refuses_weak_passwords_and_missing_ones(database, monkeypatch):
    from tests.db.test_cli import run_db

    monkeypatch.setenv("ATOLL_ADMIN_PASSWORD", "password123")
    weak = run_db(database, "create-admin", "root@example.com")
    assert weak.returncode == 1
    assert weak.stderr == f"error: password: {COMMON}\n"
    monkeypatch.delenv("ATOLL_ADMIN_PASSWORD")
    missing = run_db(database, "create-admin", "root@example.com")  # stdin is not a terminal
    assert missing.returncode == 2
    assert "set ATOLL_ADMIN_PASSWORD" in missing.stderr
    monkeypatch.setenv("ATOLL_ADMIN_PASSWORD", PASSWORD)
    bad = run_db(database, "create-admin", "not-an-email")
    assert (bad.returncode, bad.stderr) == (1, "error: email: Enter a valid email address.\n")
    assert users() == []


def test_a_display_name_of_zero_width_characters_only_is_refused_and_stores_nothing(database):
    result = run_action(
        "auth.signup", signup_payload(display_name="\u200b\u200b\u200b"), visitor_ctx()
    )
    assert result.envelope() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": INVALID,
            "fields": {"display_name": ["Display name is required."]},
        }
    }
    assert users() == []


# ------------------------------------------------------------- who is signed in, in an outage


def test_a_session_lookup_on_an_unreachable_database_is_a_503_not_a_driver_error(
    db_url, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+libsql://127.0.0.1:{free_port()}")  # nobody there
    dispose_engines()
    with pytest.raises(ActionError) as raised:
        current_user("x" * 43)
    assert raised.value.to_dict() == {
        "error": {"code": "SERVICE_UNAVAILABLE", "message": DATABASE_UNREACHABLE, "fields": {}}
    }


def test_a_slide_that_finds_the_database_busy_is_skipped_not_failed(database, monkeypatch):
    monkeypatch.setenv("DATABASE_BUSY_TIMEOUT_MS", "250")
    dispose_engines()
    user_id = make_user()
    token = sign_in(user_id)
    with session_scope(write=True) as session:
        session.exec(update(AccountSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
    due = sessions(user_id)[0].last_seen_at
    with turn_held_elsewhere():
        assert signed_in_id(token) == user_id
    assert sessions(user_id)[0].last_seen_at == due
    assert signed_in_id(token) == user_id
    assert sessions(user_id)[0].last_seen_at > due  # slid once the lock was free


def test_signed_in_user_reads_the_session_from_a_cookie_header(database):
    user_id = make_user()
    token = sign_in(user_id)
    found = asyncio.run(signed_in_user(f"atoll_visitor=abc; {SESSION_COOKIE}={token}"))
    assert found is not None and found.id == user_id
    assert asyncio.run(signed_in_user(None)) is None
    assert asyncio.run(signed_in_user(f"{SESSION_COOKIE}=not-a-token")) is None
