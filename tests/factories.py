"""Rows and payloads for tests: valid by default, so a test states only what it changes."""

from __future__ import annotations

from typing import Any

from db.core.actions import ActionContext
from db.core.engine import session_scope
from db.models import Post
from db.visitors import new_visitor_id


def make_post(slug: str = "hello-world", **overrides: Any) -> Post:
    """Insert a published post and return it."""
    fields: dict[str, Any] = {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "content_html": f"<p>{slug}</p>",
        "status": "publish",
    }
    fields.update(overrides)
    with session_scope(write=True) as session:
        post = Post(**fields)
        session.add(post)
        session.flush()
        session.refresh(post)
    return post


def visitor_ctx(visitor_id: str | None = None, **overrides: Any) -> ActionContext:
    """An action context for an anonymous visitor with a valid cookie."""
    return ActionContext(visitor_id=visitor_id or new_visitor_id(), **overrides)


def guestbook_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``guestbook.add`` input with ``changes`` applied."""
    return {"author": "Ada Lovelace", "content": "Lovely site!", "website": ""} | changes


def rating_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``ratings.rate`` input (4 stars for ``hello-world``) with ``changes`` applied."""
    return {"post_slug": "hello-world", "stars": 4} | changes


def comment_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``comments.create`` input (on ``hello-world``) with ``changes`` applied."""
    return {
        "post_slug": "hello-world",
        "author": "Ada Lovelace",
        "content": "Great post!",
        "website": "",
    } | changes


def contact_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``contact.send`` input with ``changes`` applied."""
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "subject": "Engines",
        "message": "Could the engine compose music?",
        "website": "",
    } | changes


def subscriber_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``newsletter.subscribe`` input with ``changes`` applied."""
    return {"email": "ada@example.com", "website": ""} | changes


PASSWORD = "tidal-lagoon-42"
"""The password every factory-made account has (long enough, not a common one)."""


def signup_payload(**changes: Any) -> dict[str, Any]:
    """A valid ``auth.signup`` input with ``changes`` applied."""
    return {
        "email": "ada@example.com",
        "display_name": "Ada",
        "password": PASSWORD,
        "website": "",
    } | changes


def make_user(
    email: str = "member@example.com",
    *,
    role: str = "member",
    display_name: str = "Member",
    password: str = PASSWORD,
) -> int:
    """Insert an account directly (no action, no rate limit) and return its id."""
    from db.accounts import pwd_context
    from db.models import User

    with session_scope(write=True) as session:
        user = User(
            email=email.lower(),
            display_name=display_name,
            role=role,
            password_hash=pwd_context.hash(password),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def user_ctx(user_id: int | None, **overrides: Any) -> ActionContext:
    """The context a signed-in browser's actions run with (``None``: signed out)."""
    return visitor_ctx(user_id=user_id, **overrides)


def sign_in(user_id: int, *, user_agent: str = "pytest", ip: str = "127.0.0.1") -> str:
    """Start a session for ``user_id`` directly and return its token (the cookie value).

    HTTP and browser tests set it as the ``atoll_session`` cookie; going through
    ``POST /api/auth/login`` instead would count towards the sign-in rate limit.
    """
    from db.accounts import start_session

    with session_scope(write=True) as session:
        return start_session(session, user_id=user_id, user_agent=user_agent, ip=ip)


def wordpress_fixture(name: str) -> Any:
    """A REST response saved from the dev WordPress (``tests/fixtures/wordpress/<name>.json``)."""
    import json
    from pathlib import Path

    return json.loads(
        (Path(__file__).resolve().parent / "fixtures" / "wordpress" / f"{name}.json").read_text()
    )


def wordpress_post(saved: str = "hello-from-wordpress", /, **changes: Any) -> dict[str, Any]:
    """The saved ``/wp/v2/posts`` item (with ``_embed``) whose slug is ``saved``, keys changed.

    ``title="…"`` and ``content="…"`` set the ``rendered`` value, as WordPress sends it.
    """
    import copy

    post = copy.deepcopy(next(p for p in wordpress_fixture("posts") if p["slug"] == saved))
    for key in ("title", "content", "excerpt"):
        if key in changes and isinstance(changes[key], str):
            changes[key] = {**post[key], "rendered": changes[key]}
    return post | changes
