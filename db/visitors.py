"""Visitor ids: the anonymous, long-lived identity behind likes and ratings."""

from __future__ import annotations

import re
import secrets

from db.core.errors import ActionError, ErrorCode

COOKIE_NAME = "atoll_visitor"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers honour
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

NO_VISITOR = "Your browser did not send a visitor id; enable cookies and reload the page."


def new_visitor_id() -> str:
    """A fresh unguessable id (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def is_valid(visitor_id: object) -> bool:
    """Whether a cookie value looks like one we issued (refuses junk before it is stored;
    a browser can set the cookie var to anything, not only text)."""
    return isinstance(visitor_id, str) and bool(_VALID.match(visitor_id))


def require_visitor(visitor_id: str | None) -> str:
    """The caller's visitor id, or UNAUTHORIZED when the transport did not establish one."""
    if not is_valid(visitor_id):
        raise ActionError(ErrorCode.UNAUTHORIZED, NO_VISITOR)
    assert visitor_id is not None
    return visitor_id
