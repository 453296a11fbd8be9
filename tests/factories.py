"""Rows and payloads for tests: valid by default, so a test states only what it changes."""

from __future__ import annotations

from typing import Any

from db.actions import ActionContext
from db.engine import session_scope
from db.models import Post
from db.visitors import new_visitor_id


def make_post(slug: str = "hello-world", **overrides: Any) -> Post:
    """Insert a published post and return it."""
    fields: dict[str, Any] = {"slug": slug, "title": slug.replace("-", " ").title(),
                              "content_html": f"<p>{slug}</p>", "status": "publish"}
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
