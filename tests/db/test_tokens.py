"""db/core/tokens.py: the stored form of every handed-out token is its SHA-256 hex digest."""

from __future__ import annotations

import hashlib
import re

from db.core.tokens import new_token, token_hash


def test_the_stored_form_is_the_sha256_hex_digest():
    # Rows written before tokens shared one helper hold exactly this; changing it would
    # sign everyone out and break every emailed link.
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(token_hash(token)) == 64  # the width of every *_token_hash column


def test_new_tokens_are_url_safe_and_never_repeat():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)
