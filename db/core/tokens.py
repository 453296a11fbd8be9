"""Secret tokens handed out once (session cookies, edit links, newsletter links).

The raw token leaves the server exactly once; the database keeps only its SHA-256 hex
digest, so a leaked table opens no session and no link. The tokens carry 256 random bits,
which is why a plain fast hash is enough here (passwords, which people pick, use argon2).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh URL-safe token of 32 random bytes (43 characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored in place of ``token``: its SHA-256 hex digest (64 characters)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
