"""``/api/auth/*`` against the running app: cookies, redirects, errors, sign-out, the limit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select, update

from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import AccountSession, User
from tests.db.test_accounts import SIGNUP_RULES
from tests.factories import PASSWORD, make_user, sign_in, signup_payload

INVALID = "Please correct the highlighted fields."
HTML = {"Accept": "text/html,application/xhtml+xml"}


def email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def fresh(api_server) -> Iterator[httpx.Client]:
    """A client with an empty cookie jar (a new browser)."""
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:
        yield c


def stored_user(address: str) -> User | None:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == address)).first()


def session_rows(user_id: int) -> list[AccountSession]:
    with session_scope() as session:
        return list(
            session.exec(select(AccountSession).where(AccountSession.user_id == user_id)).all()
        )


def whoami(c: httpx.Client) -> int:
    """401 signed out, 200 signed in: ``auth.logout_everywhere`` can't be answered otherwise.

    (It is only called with a cookie the test is about to discard anyway.)
    """
    return c.post("/api/actions/auth.logout_everywhere", json={}).status_code


def signed_in(c: httpx.Client) -> bool:
    """Whether the client's cookie is a live session, without ending it (CSV: 403 vs 401)."""
    return c.get("/api/admin/subscribers.csv").status_code == 403


def test_signup_sets_an_httponly_lax_cookie_whose_hash_is_stored(fresh, server_db):
    address = email()
    response = fresh.post(
        "/api/auth/signup", json=signup_payload(email=address.upper(), next="/members")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    user = stored_user(address)
    assert user is not None
    assert body == {
        "data": {
            "user": {"id": user.id, "display_name": "Ada", "role": "member"},
            "next": "/members",
        }
    }
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("atoll_session=")
    for part in ("HttpOnly", "SameSite=lax", "Path=/", "Max-Age="):
        assert part.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http here; https adds Secure
    token = response.cookies["atoll_session"]
    assert user.id is not None
    [row] = session_rows(user.id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.user_agent.startswith("python-httpx") and row.ip == "127.0.0.1"
    for secret in (token, row.token_hash, user.password_hash, PASSWORD, address):
        assert secret not in response.text
    assert signed_in(fresh)


def test_plain_form_signup_redirects_to_the_return_path(fresh, server_db):
    address = email()
    response = fresh.post(
        "/api/auth/signup", data=signup_payload(email=address, next="/members"), headers=HTML
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/members"
    assert "atoll_session" in response.cookies


def test_the_redirect_goes_back_to_the_forms_origin_when_trusted(fresh, api_server, server_db):
    response = fresh.post(
        "/api/auth/signup",
        data=signup_payload(email=email(), next="/account"),
        headers=HTML | {"Origin": api_server.base_url},
    )
    assert response.headers["location"] == api_server.base_url + "/account"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_return_paths_off_the_site_become_home(fresh, server_db, target):
    response = fresh.post(
        "/api/auth/signup", data=signup_payload(email=email(), next=target), headers=HTML
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(("change", "fields"), SIGNUP_RULES)
def test_signup_errors_have_the_same_messages_over_http(fresh, server_db, change, fields):
    address = email()
    payload = signup_payload(email=address) | change
    response = fresh.post("/api/auth/signup", json=payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert "set-cookie" not in response.headers
    assert stored_user(address) is None


def test_plain_form_signup_errors_get_the_error_page(fresh, server_db):
    response = fresh.post(
        "/api/auth/signup", data=signup_payload(email=email(), password="qwertyuiop"), headers=HTML
    )
    assert response.status_code == 400
    assert "This password is too common. Choose one that is harder to guess." in response.text
    assert "id='back'" in response.text


def test_an_address_can_sign_up_once(fresh, server_db):
    address = email()
    assert fresh.post("/api/auth/signup", json=signup_payload(email=address)).status_code == 200
    again = fresh.post("/api/auth/signup", json=signup_payload(email=address.upper()))
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {
        "email": ["An account with this email already exists."]
    }


def test_login_sets_a_new_session_each_time(fresh, api_server, server_db):
    address = email()
    user_id = make_user(address, display_name="Grace")
    first = fresh.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert first.status_code == 200
    assert first.json() == {
        "data": {"user": {"id": user_id, "display_name": "Grace", "role": "member"}, "next": "/"}
    }
    with httpx.Client(base_url=api_server.base_url, timeout=10) as other:
        second = other.post(
            "/api/auth/login",
            data={"email": address, "password": PASSWORD, "next": "/blog"},
            headers=HTML,
        )
        assert second.status_code == 303 and second.headers["location"] == "/blog"
        assert second.cookies["atoll_session"] != first.cookies["atoll_session"]
    assert len(session_rows(user_id)) == 2


def test_wrong_password_is_401_and_sets_nothing(fresh, server_db):
    address = email()
    make_user(address)
    response = fresh.post(
        "/api/auth/login", json={"email": address, "password": "not-the-password"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "UNAUTHORIZED",
            "message": "The email or password is incorrect.",
            "fields": {},
        }
    }
    assert "set-cookie" not in response.headers


def test_login_rate_limit_answers_429_with_retry_after(fresh, server_db):
    address = email()
    make_user(address)
    for n in range(5):
        assert (
            fresh.post(
                "/api/auth/login", json={"email": address, "password": f"wrong-{n}"}
            ).status_code
            == 401
        )
    locked = fresh.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    assert locked.json() == {
        "error": {
            "code": "TOO_MANY_REQUESTS",
            "message": "Too many failed sign-in attempts. Please try again later.",
            "fields": {},
        }
    }
    assert "set-cookie" not in locked.headers
    # The same limit guards the action endpoint (one counter per account).
    assert (
        fresh.post(
            "/api/actions/auth.login", json={"email": address, "password": PASSWORD}
        ).status_code
        == 429
    )


def test_cross_origin_sign_in_is_refused(fresh, server_db):
    address = email()
    make_user(address)
    response = fresh.post(
        "/api/auth/login",
        json={"email": address, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_logout_deletes_the_row_and_clears_the_cookie(fresh, server_db):
    user_id = make_user(email())
    token = sign_in(user_id)
    fresh.cookies.set("atoll_session", token)
    assert signed_in(fresh)
    response = fresh.post("/api/auth/logout", data={"next": "/blog"}, headers=HTML)
    assert response.status_code == 303 and response.headers["location"] == "/blog"
    assert (
        'atoll_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in response.headers["set-cookie"]
    )
    assert session_rows(user_id) == []
    # The old token, sent again (another tab, a copied cookie), is nobody now.
    with httpx.Client(
        base_url=fresh.base_url, timeout=10, cookies={"atoll_session": token}
    ) as replay:
        assert not signed_in(replay)
        assert whoami(replay) == 401
    assert fresh.post("/api/auth/logout", json={}).json() == {
        "data": {"signed_out": True, "next": "/"}
    }


def test_logout_everywhere_ends_every_session_of_the_user(api_server, server_db):
    user_id = make_user(email())
    other_user = make_user(email())
    tokens = [sign_in(user_id) for _ in range(3)]
    untouched = sign_in(other_user)
    clients = [
        httpx.Client(base_url=api_server.base_url, timeout=10, cookies={"atoll_session": t})
        for t in (*tokens, untouched)
    ]
    try:
        response = clients[0].post("/api/auth/logout-everywhere", json={})
        assert response.status_code == 200
        assert response.json() == {"data": {"sessions_ended": 3, "next": "/"}}
        assert [signed_in(c) for c in clients] == [False, False, False, True]
    finally:
        for c in clients:
            c.close()


def test_logout_everywhere_needs_a_session(fresh):
    response = fresh.post("/api/auth/logout-everywhere", json={})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Please sign in to continue."


def test_an_expired_session_is_nobody(api_server, server_db):
    user_id = make_user(email())
    token = sign_in(user_id)
    with httpx.Client(
        base_url=api_server.base_url, timeout=10, cookies={"atoll_session": token}
    ) as c:
        assert signed_in(c)
        with session_scope(write=True) as session:
            session.exec(
                update(AccountSession)
                .where(col(AccountSession.user_id) == user_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        assert not signed_in(c)


def test_no_response_carries_a_hash_a_token_or_another_users_email(api_server, server_db):
    """Every auth and action response a member can get, checked for what must never leak."""
    mine, theirs = email(), email()
    other_id = make_user(theirs, display_name="Other")
    other_token = sign_in(other_id)
    seen: list[str] = []
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:

        def record(response: httpx.Response) -> httpx.Response:
            headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
            seen.append(response.text + repr(headers))
            return response

        record(c.post("/api/auth/signup", json=signup_payload(email=mine)))
        token = c.cookies["atoll_session"]
        record(c.post("/api/auth/login", json={"email": mine, "password": PASSWORD}))
        record(c.post("/api/auth/login", json={"email": theirs, "password": "wrong-password"}))
        record(c.post("/api/actions/auth.login", json={"email": mine, "password": PASSWORD}))
        record(c.post("/api/actions/auth.signup", json=signup_payload(email=theirs)))
        record(
            c.post(
                "/api/actions/comments.create",
                json={"post_slug": "hello-atoll", "author": "Me", "content": "Signed-in comment"},
            )
        )
        record(c.get("/api/comments", params={"post": "hello-atoll"}))
        record(c.post("/api/actions/admin.moderate_comment", json={"id": 1, "is_public": False}))
        record(c.get("/api/admin/subscribers.csv"))
        record(c.post("/api/auth/logout-everywhere", json={}))
    me = stored_user(mine)
    other = stored_user(theirs)
    assert me is not None and other is not None
    secrets = [
        token,
        other_token,
        hashlib.sha256(token.encode()).hexdigest(),
        hashlib.sha256(other_token.encode()).hexdigest(),
        me.password_hash,
        other.password_hash,
        "$argon2",
        PASSWORD,
        theirs,
    ]
    for text in seen:
        for secret in secrets:
            assert secret not in text


def test_the_cookie_is_secure_behind_an_https_proxy(fresh, server_db):
    """A TLS-terminating proxy on this host says so with X-Forwarded-Proto; then Secure is set."""
    response = fresh.post(
        "/api/auth/signup",
        json=signup_payload(email=email()),
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()
