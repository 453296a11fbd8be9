"""Reading and parsing request bodies: the one way every POST endpoint turns bytes into a payload.

Whatever arrives — too large, too slow, nested ten thousand levels deep, not UTF-8, a key
given twice, a list where an object belongs — the answer is an :class:`ActionError`
(400, 413) in the usual error shape, never an exception that escapes as a 500. A key sent
twice is refused rather than resolved (first or last wins), because two parsers that
disagree on which one counts are how a honeypot or a check gets slipped past.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from db.core import errors
from db.core.errors import ActionError, ErrorCode
from db.core.validation import NOT_AN_OBJECT

log = logging.getLogger("atoll.http")

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_SECONDS = 5.0
"""How long a client may take to send its (at most 64 KiB) body before the request is dropped."""

NOT_JSON = "The body is not valid JSON."
NOT_UTF8 = "The body is not valid UTF-8."
TOO_DEEP = "The body is nested too deeply."
DUPLICATE_KEY = "The field {name!r} appears more than once."
UNSUPPORTED = "Send JSON (application/json) or a form (application/x-www-form-urlencoded)."
TOO_SLOW = "The request body did not arrive in time."


def _refuse(message: str, *, detail: str = "") -> ActionError:
    log.warning("refused a request body: %s%s", message, f" ({detail})" if detail else "")
    return ActionError.invalid({"__root__": [message]})


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _refuse(DUPLICATE_KEY.format(name=name[:40]))
        result[name] = value
    return result


def parse_json(body: bytes) -> dict[str, Any]:
    """A JSON object with unique keys (an empty body is ``{}``), or BAD_REQUEST."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(NOT_UTF8) from None
    try:
        payload = json.loads(text or "{}", object_pairs_hook=_unique)
    except RecursionError:
        raise _refuse(TOO_DEEP) from None
    except ValueError as exc:
        raise _refuse(NOT_JSON, detail=type(exc).__name__) from None
    if not isinstance(payload, dict):
        raise _refuse(NOT_AN_OBJECT)
    return payload


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body with unique keys, or BAD_REQUEST."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise _refuse(NOT_UTF8) from None
    return _unique(pairs)


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """JSON or a form, by ``Content-Type`` (sniffed from the first byte when it is missing)."""
    content_type = content_type.lower()
    if content_type.startswith("application/json") or (
        not content_type and body[:1] in (b"{", b"[")
    ):
        return parse_json(body)
    if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        return parse_form(body)
    raise ActionError(ErrorCode.BAD_REQUEST, UNSUPPORTED)


async def _read(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ActionError(ErrorCode.PAYLOAD_TOO_LARGE, errors.TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ActionError(ErrorCode.PAYLOAD_TOO_LARGE, errors.TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body: PAYLOAD_TOO_LARGE past ``limit`` (without buffering it all), and
    BAD_REQUEST when it does not arrive within :data:`BODY_TIMEOUT_SECONDS` (a client that
    declares more than it sends would otherwise hold the connection open)."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            return await _read(request, limit)
    except TimeoutError:
        raise _refuse(TOO_SLOW) from None
    except ClientDisconnect:
        raise _refuse(TOO_SLOW, detail="client disconnected") from None


async def read_payload(request: Request) -> dict[str, Any]:
    """:func:`read_body` then :func:`parse_body`: what a form or JSON client posted."""
    body = await read_body(request)
    return parse_body(body, request.headers.get("content-type", ""))
