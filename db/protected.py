"""Password-protected posts: listed like any post, read only by visitors who know the password.

WordPress lets an editor give a post a password. Atoll keeps such a post's row (title,
slug, dates, author, terms, ``Post.protected``) so lists show it with a lock, but never its
content or excerpt (:func:`db.wordpress.transform.transform` drops them even when the
sync's authenticated request was sent them). The post page shows a password form instead.

Checking a password (the ``posts.unlock`` action) asks WordPress itself, **without** the
application password: ``GET /wp/v2/posts/<id>`` with the password in a JSON body (method
override, so it never lands in an access log's URL). WordPress answers the content, or
403 ``rest_post_incorrect_password``. Wrong guesses count per post and client and per
client in the one limiter (:class:`db.core.throttle.LoginThrottle` named ``postpass``:
5 per post and 20 in all per 15 minutes), so the form can't be used to brute-force a
password, nor to lock anyone out of signing in.

Like WordPress's ``wp-postpass`` cookie, a correct password is remembered by the browser:
``app/api/protected.py`` sets the :data:`POSTPASS_COOKIE` (HttpOnly, ``SameSite=Lax``, 10
days) holding the passwords of the last :data:`REMEMBERED` posts unlocked, encrypted and
authenticated with AES-GCM under a key derived from ``WORDPRESS_WEBHOOK_SECRET`` (never
the password in clear, never readable by scripts). A page request carrying it is
rendered for that visitor alone (``private, no-store``); :func:`protected_content` asks
WordPress again with the remembered password, so a password changed in WordPress locks
the post again at once. The content is sanitized with the synced posts' allow-list and
shown to that visitor only: never written to libSQL, never in a shared cache.

Likes, ratings and comments are never offered on a protected post (their actions answer
404, see :data:`db.posts.IS_PUBLISHED`): they would be a second channel around the lock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Field, Session, SQLModel, select

from db.accounts import Password
from db.core.actions import ActionContext, action
from db.core.errors import ActionError, ErrorCode
from db.core.settings import settings
from db.core.throttle import LoginThrottle
from db.core.validation import INPUT_CONFIG
from db.models import SLUG_MAX, Post
from db.posts import post_not_found
from db.wordpress.client import WordPressClient, WordPressError, WordPressSettings
from db.wordpress.transform import sanitize_html

log = logging.getLogger("atoll.protected")

POSTPASS_COOKIE = "atoll_postpass"
COOKIE_MAX_AGE = 10 * 24 * 3600  # WordPress's own wp-postpass cookie lasts 10 days
REMEMBERED = 8
"""Posts whose password one browser keeps (the newest): 8 × 255 characters stay well
inside a cookie's 4 KiB."""
PASSWORD_MAX = 255  # WordPress's post_password column
TIMEOUT_SECONDS = 5.0  # a visitor is waiting

WRONG_PASSWORD = "That password is not right."
UNAVAILABLE = "This post can't be opened right now. Please try again in a moment."

throttle = LoginThrottle(name="postpass")
"""Failed guesses: 5 per post and client, 20 per client, in 15 minutes."""


class PostUnlock(SQLModel):
    """Input of ``posts.unlock``: the post and the password as typed (spaces included)."""

    model_config = INPUT_CONFIG

    post_slug: str = Field(min_length=1, max_length=SLUG_MAX, title="Post")
    password: Password = Field(min_length=1, max_length=PASSWORD_MAX, title="Password")


# --------------------------------------------------------------------------- the cookie


def _key() -> bytes | None:
    """The cookie's AES key, derived from ``WORDPRESS_WEBHOOK_SECRET`` for this one purpose
    (``None`` without a secret: then nothing can be remembered or unlocked)."""
    secret = settings().webhook_secret
    if not secret:
        return None
    return hmac.new(secret.encode(), b"atoll postpass cookie v1", hashlib.sha256).digest()


def _required_key() -> bytes:
    """:func:`_key`, which unlocking needs: without it a right password could not be
    remembered.

    Raises:
        ActionError: SERVICE_UNAVAILABLE without ``WORDPRESS_WEBHOOK_SECRET``.
    """
    key = _key()
    if key is None:
        log.warning("WORDPRESS_WEBHOOK_SECRET is not set: protected posts can't be unlocked")
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE)
    return key


_AAD = POSTPASS_COOKIE.encode()


def seal(passwords: dict[int, str]) -> str:
    """``passwords`` (post id → password) as a cookie value: encrypted and authenticated.

    Raises:
        ActionError: SERVICE_UNAVAILABLE without ``WORDPRESS_WEBHOOK_SECRET``.
    """
    key = _required_key()
    nonce = os.urandom(12)
    plain = json.dumps({str(k): v for k, v in passwords.items()}).encode()
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, _AAD)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(value: str | None) -> dict[int, str]:
    """The passwords a cookie value holds; ``{}`` for anything forged, damaged or sealed
    under another secret."""
    key = _key()
    if not value or key is None or len(value) > 8192:
        return {}
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], _AAD)
        data = json.loads(plain)
    except (ValueError, InvalidTag):
        return {}
    if not isinstance(data, dict):
        return {}
    return {int(k): v for k, v in data.items() if k.isdigit() and isinstance(v, str)}


def remember(value: str | None, wp_id: int, password: str) -> str:
    """The cookie value after unlocking post ``wp_id``: it first, then the others it held,
    at most :data:`REMEMBERED` of them."""
    kept = {wp_id: password} | {k: v for k, v in unseal(value).items() if k != wp_id}
    return seal(dict(list(kept.items())[:REMEMBERED]))


def cookie_value(cookie_header: str | None) -> str | None:
    """The :data:`POSTPASS_COOKIE` in a ``Cookie`` header (a page request's, the websocket's)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(POSTPASS_COOKIE)
    return morsel.value if morsel is not None else None


# --------------------------------------------------------------------------- asking WordPress


def ask_wordpress(
    wp_id: int, password: str, *, transport: httpx.BaseTransport | None = None
) -> str | None:
    """Post ``wp_id``'s content, sanitized, if ``password`` is its password; ``None`` if not.

    Asked through the one WordPress client, but given WordPress's address alone: an
    editor's application password would let WordPress skip the check. The password travels
    in a JSON body (``X-HTTP-Method-Override: GET``), never in a URL. No retry: a visitor is
    waiting (``transport``: tests stand WordPress in).

    Raises:
        WordPressError: WordPress did not say (unreachable, 5xx, not configured).
        LookupError: WordPress no longer shows the post to visitors (401, 404, 410).
    """
    anonymous = WordPressSettings(WordPressSettings.from_env().url)
    with WordPressClient(
        anonymous, timeout=TIMEOUT_SECONDS, retries=0, transport=transport
    ) as client:
        post = client.get_with_password(wp_id, password)
    if post is None:
        return None
    content = post.get("content")
    if not isinstance(content, dict):
        raise WordPressError(f"post {wp_id}: no content in WordPress's answer")
    return sanitize_html(str(content.get("rendered") or ""))


# --------------------------------------------------------------------------- reading and unlocking


def _protected_post(session: Session, slug: str) -> Post | None:
    return session.exec(
        select(Post).where(Post.slug == slug, Post.status == "publish", Post.protected)
    ).first()


def protected_content(session: Session, slug: str, cookie_header: str | None) -> str | None:
    """The sanitized content of protected post ``slug`` for a visitor whose cookie holds its
    password (WordPress asked now); ``None`` when it does not, or the password no longer
    opens it, or WordPress can't say (the page then shows the password form)."""
    post = _protected_post(session, slug)
    if post is None or post.wp_id is None:
        return None
    password = unseal(cookie_value(cookie_header)).get(post.wp_id)
    if password is None:
        return None
    try:
        return ask_wordpress(post.wp_id, password)
    except (WordPressError, LookupError) as exc:
        log.warning("protected post %s not shown: %s", post.wp_id, exc)
        return None


@action(
    "posts.unlock",
    input=PostUnlock,
    summary="Check a password-protected post's password with WordPress.",
    errors=(
        ErrorCode.BAD_REQUEST,
        ErrorCode.NOT_FOUND,
        ErrorCode.TOO_MANY_REQUESTS,
        ErrorCode.SERVICE_UNAVAILABLE,
    ),
    writes=False,
)
def unlock_post(*, session: Session, data: PostUnlock, ctx: ActionContext) -> dict[str, Any]:
    """Whether ``data.password`` opens the protected post; the post's path to go back to.

    The content is not returned: the page shows it, rendered for this visitor alone, once
    ``POST /api/posts/unlock`` has set the cookie. Refused guesses are counted, and a
    client past the limit is answered 429 without asking WordPress.
    """
    post = _protected_post(session, data.post_slug)
    if post is None or post.wp_id is None:
        raise post_not_found()
    _required_key()  # nowhere to remember a right password: say so before any guess
    subject = str(post.wp_id)
    wait = throttle.check(subject, ctx.client)
    if wait is not None:
        raise ActionError(
            ErrorCode.TOO_MANY_REQUESTS,
            "Too many wrong passwords. Please wait a while and try again.",
            retry_after=wait,
        )
    try:
        content = ask_wordpress(post.wp_id, data.password)
    except LookupError:
        raise post_not_found() from None
    except WordPressError as exc:
        log.warning("checking the password of post %s: %s", post.wp_id, exc)
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE) from None
    if content is None:
        throttle.fail(subject, ctx.client)
        raise ActionError.invalid({"password": [WRONG_PASSWORD]})
    throttle.succeed(subject, ctx.client)
    return {
        "post_slug": post.slug,
        "wp_id": post.wp_id,
        "next": "/blog/" + quote(post.slug, safe=""),
    }
