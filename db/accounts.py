"""Accounts: sign-up, sign-in, sessions and sign-out.

Passwords are hashed with argon2 through passlib (never bcrypt: passlib's bcrypt backend
breaks with bcrypt >= 4.1) and re-hashed on sign-in when the parameters change. A session
is a random token that lives only in the browser's HttpOnly cookie; the database keeps its
SHA-256, so a leaked database can't be replayed as cookies.

The transports decide where the token travels: ``app/api/accounts.py`` sets and clears the
cookie, ``state/site.py`` reads it from the websocket handshake. Both ask
:func:`signed_in_user` who it belongs to on every request, so ending a session takes effect
at once everywhere it was used, and a database that can't say answers the same 503.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from passlib.context import CryptContext
from pydantic import AfterValidator, StringConstraints
from sqlalchemy import delete, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Field, Session, SQLModel, col, select

from db.core.actions import ActionContext, action, shown_error
from db.core.engine import session_scope, unavailable
from db.core.errors import ActionError, ErrorCode
from db.core.throttle import throttle
from db.core.tokens import new_token, token_hash
from db.core.types import utcnow
from db.core.validation import EMAIL_MAX, INPUT_CONFIG, Email, Format, Honeypot, Name, parse
from db.models import DISPLAY_NAME_MAX, AccountSession, User

log = logging.getLogger("atoll.accounts")

SESSION_COOKIE = "atoll_session"
SESSION_LIFETIME = timedelta(days=30)
SESSION_TOUCH_EVERY = timedelta(hours=1)
"""Sliding expiry is refreshed at most this often, so reading a session rarely writes."""
COOKIE_MAX_AGE = 400 * 24 * 3600
"""The cookie outlives any session: the server's ``expires_at`` decides, sliding with use."""

ROLES = ("member", "admin")

# Fixed messages; tests assert them.
EMAIL_TAKEN = "An account with this email already exists."
COMMON_PASSWORD = "This password is too common. Choose one that is harder to guess."
BAD_CREDENTIALS = "The email or password is incorrect."
TOO_MANY_FAILURES = "Too many failed sign-in attempts. Please try again later."
SIGN_IN_REQUIRED = "Please sign in to continue."

pwd_context = CryptContext(
    schemes=["argon2"],
    # OWASP's argon2id baseline: about 30 ms here, so hashing never stalls a worker.
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)


@functools.cache
def _dummy_hash() -> str:
    """A hash nobody knows the password of, verified when an email is unknown."""
    return pwd_context.hash(secrets.token_urlsafe(24))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The refused passwords, lower-cased, from ``db/common_passwords.txt``."""
    text = Path(__file__).with_name("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _not_common(value: str) -> str:
    if value.lower() in common_passwords():
        raise ValueError(COMMON_PASSWORD)
    return value


PASSWORD_MIN = 10
PASSWORD_MAX = 1000
"""Long enough for any passphrase, short enough that hashing it costs nothing unusual."""

Password = Annotated[str, StringConstraints(strip_whitespace=False), Format("password")]
"""Kept exactly as typed: spaces at either end are part of a password."""

NewPassword = Annotated[Password, AfterValidator(_not_common)]

AccountEmail = Annotated[Email, AfterValidator(str.lower)]
"""Normalised by email-validator and lower-cased whole, so uniqueness ignores case."""

LoginEmail = Annotated[str, Format("email")]
"""An address as typed at sign-in: never judged (an unknown one is just a failed sign-in)."""


class UserCreate(SQLModel):
    """Input of ``auth.signup``."""

    model_config = INPUT_CONFIG

    email: AccountEmail = Field(min_length=1, max_length=EMAIL_MAX, title="Email")
    display_name: Name = Field(
        min_length=2,
        max_length=DISPLAY_NAME_MAX,
        title="Display name",
        description="shown with your comments",
    )
    password: NewPassword = Field(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        title="Password",
        description=f"at least {PASSWORD_MIN} characters",
    )
    website: Honeypot = Field(default="", title="Website")


class SessionCreate(SQLModel):
    """Input of ``auth.login``: the email is only trimmed, never judged, before the lookup."""

    model_config = INPUT_CONFIG

    email: LoginEmail = Field(min_length=1, max_length=EMAIL_MAX, title="Email")
    password: Password = Field(min_length=1, max_length=PASSWORD_MAX, title="Password")


class SessionsDelete(SQLModel):
    """Input of ``auth.logout_everywhere``: nothing; the signed-in account is the subject."""

    model_config = INPUT_CONFIG


class UserPublic(SQLModel):
    """All of an account a browser may see: no email, no hash."""

    id: int
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(id=user.id, display_name=user.display_name, role=user.role)


def normalise_email(value: str) -> str:
    """The stored form of an address; junk is only trimmed and lower-cased (it matches nobody)."""
    try:
        return parse(_EmailOnly, {"email": value}).email
    except ActionError:
        return value.strip().lower()


class _EmailOnly(SQLModel):
    email: AccountEmail


# --------------------------------------------------------------------------- actions


@action(
    "auth.signup",
    input=UserCreate,
    summary="Create a member account (POST /api/auth/signup also signs the browser in).",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.CONFLICT),
    # The ~30 ms hash runs before the transaction's first statement, so the write lock is
    # taken by the INSERT itself and held only for it.
    writes=False,
)
def signup(*, session: Session, data: UserCreate, ctx: ActionContext) -> UserPublic:
    password_hash = pwd_context.hash(data.password)
    row = session.execute(
        insert(User)
        .values(
            email=data.email,
            display_name=data.display_name,
            password_hash=password_hash,
            role="member",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(col(User.id))
    ).first()
    if row is None:
        raise ActionError(ErrorCode.CONFLICT, EMAIL_TAKEN, {"email": [EMAIL_TAKEN]})
    return UserPublic(id=row[0], display_name=data.display_name, role="member")


@action(
    "auth.login",
    input=SessionCreate,
    summary="Check an email and password (POST /api/auth/login also sets the session cookie).",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.TOO_MANY_REQUESTS),
    # Verifying reads only; the rare write after success gets its own short transaction.
    writes=False,
)
def login(*, session: Session, data: SessionCreate, ctx: ActionContext) -> UserPublic:
    """Verify the password, or a dummy hash when the email is unknown, in the same time.

    Failures are counted per account and per client; past the limit the password is not
    even checked, so the answer can't confirm a guess.
    """
    email = normalise_email(data.email)
    wait = throttle.check(email, ctx.client)
    if wait is not None:
        raise ActionError(ErrorCode.TOO_MANY_REQUESTS, TOO_MANY_FAILURES, retry_after=wait)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        pwd_context.verify(data.password, _dummy_hash())
        ok, new_hash = False, None
    else:
        ok, new_hash = pwd_context.verify_and_update(data.password, user.password_hash)
    if not ok or user is None:
        throttle.fail(email, ctx.client)
        raise ActionError(ErrorCode.UNAUTHORIZED, BAD_CREDENTIALS)
    throttle.succeed(email, ctx.client)
    _record_sign_in(user, new_hash)
    return _public(user)


def _record_sign_in(user: User, new_hash: str | None) -> None:
    # A separate write transaction: the action's own is a read snapshot, and upgrading a
    # snapshot to a writer fails at once when another write landed since it began.
    values: dict[str, object] = {"last_login_at": utcnow()}
    if new_hash:
        values["password_hash"] = new_hash
    with session_scope(write=True) as writer:
        writer.execute(update(User).where(col(User.id) == user.id).values(**values))


@action(
    "auth.logout_everywhere",
    input=SessionsDelete,
    summary="End every session of the signed-in account, in every browser.",
    errors=(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED),
)
def logout_everywhere(
    *, session: Session, data: SessionsDelete, ctx: ActionContext
) -> dict[str, int]:
    user = require_user(session, ctx)
    ended = session.execute(
        delete(AccountSession)
        .where(col(AccountSession.user_id) == user.id)
        .returning(col(AccountSession.id))
    ).all()
    return {"sessions_ended": len(ended)}


# --------------------------------------------------------------------------- sessions


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def session_token(cookie_header: str | None) -> str | None:
    """The session token in a ``Cookie:`` header, if it looks like one we issued."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and _TOKEN.match(value.strip('"')):
            return value.strip('"')
    return None


def start_session(session: Session, *, user_id: int, user_agent: str = "", ip: str = "") -> str:
    """Store a new session for ``user_id`` and return its token (shown to no one but the cookie)."""
    now = utcnow()
    session.execute(delete(AccountSession).where(col(AccountSession.expires_at) <= now))
    token = new_token()
    session.add(
        AccountSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            user_agent=user_agent[:500],
            ip=ip[:64],
        )
    )
    session.flush()
    return token


def resolve_session(session: Session, token: str) -> tuple[UserPublic, AccountSession] | None:
    """The account and session row behind ``token``, unless it is unknown or expired."""
    row = session.exec(
        select(AccountSession, User)
        .join(User, col(User.id) == AccountSession.user_id)
        .where(
            AccountSession.token_hash == token_hash(token),
            col(AccountSession.expires_at) > utcnow(),
        )
    ).first()
    if row is None:
        return None
    user_session, user = row
    return _public(user), user_session


def touch_session(session: Session, token: str) -> bool:
    """Slide the expiry to 30 days from now, at most once per :data:`SESSION_TOUCH_EVERY`."""
    now = utcnow()
    touched = session.execute(
        update(AccountSession)
        .where(
            col(AccountSession.token_hash) == token_hash(token),
            col(AccountSession.expires_at) > now,
            col(AccountSession.last_seen_at) <= now - SESSION_TOUCH_EVERY,
        )
        .values(last_seen_at=now, expires_at=now + SESSION_LIFETIME)
        .returning(col(AccountSession.id))
    ).first()
    return touched is not None


def end_session(session: Session, token: str) -> bool:
    """Delete the session behind ``token``; ``False`` when there was none."""
    ended = session.execute(
        delete(AccountSession)
        .where(col(AccountSession.token_hash) == token_hash(token))
        .returning(col(AccountSession.id))
    ).first()
    return ended is not None


def current_user(token: str | None) -> UserPublic | None:
    """Who holds ``token`` right now, sliding the session's expiry (blocking: the transports
    call :func:`signed_in_user`, which runs this in a worker thread).

    The read and the occasional expiry update are separate transactions, so the common
    case never takes the write lock. Failures are :class:`ActionError` from
    :func:`shown_error` (503 for a busy or unreachable database), never a driver exception,
    so every caller shows them the way it shows an action's errors. A slide that finds the
    database busy is skipped, not failed: the session is valid, the next request slides it.
    """
    if not token:
        return None
    try:
        with session_scope() as session:
            found = resolve_session(session, token)
    except Exception as exc:  # noqa: BLE001 - shown_error logs it and shows it safely
        raise shown_error(exc, "looking up a session") from None
    if found is None:
        return None
    user, user_session = found
    if user_session.last_seen_at <= utcnow() - SESSION_TOUCH_EVERY:
        try:
            with session_scope(write=True) as session:
                touch_session(session, token)
        except Exception as exc:  # noqa: BLE001 - shown_error logs it and shows it safely
            if unavailable(exc) is None:
                raise shown_error(exc, "sliding a session") from None
            log.warning("session expiry not slid: %s", type(getattr(exc, "orig", exc)).__name__)
    return user


async def signed_in_user(cookie_header: str | None) -> UserPublic | None:
    """Who the session cookie in ``cookie_header`` belongs to, checked against the database now.

    The one answer to "who is signed in" for every transport: ``app/api/session.py`` passes
    a request's ``Cookie:`` header, ``state/site.py`` the websocket handshake's. Raises
    :class:`ActionError` (see :func:`current_user`), so a busy or unreachable database is a
    503 over HTTP and a form error over the websocket, as for any action.
    """
    token = session_token(cookie_header)
    return await asyncio.to_thread(current_user, token) if token else None


def require_user(session: Session, ctx: ActionContext) -> User:
    """The signed-in account behind ``ctx``, or UNAUTHORIZED."""
    user = session.get(User, ctx.user_id) if ctx.user_id is not None else None
    if user is None:
        raise ActionError(ErrorCode.UNAUTHORIZED, SIGN_IN_REQUIRED)
    return user


def safe_return_path(value: object) -> str:
    """``value`` if it is a path on this site, else ``/``: sign-in never redirects off-site."""
    if not isinstance(value, str) or len(value) > 2000:
        return "/"
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    return value


# --------------------------------------------------------------------------- operators


def create_admin(
    session: Session, *, email: str, password: str | None, display_name: str
) -> tuple[UserPublic, bool]:
    """Promote the account with ``email`` to admin, or create it as one.

    An existing account keeps its password; a new one needs ``password``, judged by the
    same rules as sign-up. Returns the account and whether it was created.

    Raises:
        ActionError: BAD_REQUEST with every bad field.
    """
    address = parse(_EmailOnly, {"email": email}).email
    user = session.exec(select(User).where(User.email == address)).first()
    if user is not None:
        user.role = "admin"
        session.add(user)
        session.flush()
        return _public(user), False
    data = parse(
        UserCreate, {"email": address, "display_name": display_name, "password": password or ""}
    )
    user = User(
        email=data.email,
        display_name=data.display_name,
        password_hash=pwd_context.hash(data.password),
        role="admin",
    )
    session.add(user)
    session.flush()
    return _public(user), True


def needs_password(session: Session, email: str) -> bool:
    """Whether :func:`create_admin` would create the account (and so needs a password)."""
    address = normalise_email(email)
    return session.exec(select(User.id).where(User.email == address)).first() is None
