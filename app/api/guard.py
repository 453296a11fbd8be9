"""Checks every state-changing HTTP request passes before it reaches an action."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import reflex as rx
from starlette.requests import Request

from db import errors
from db.errors import ActionError, ErrorCode

MAX_BODY_BYTES = 64 * 1024


def client_ip(request: Request) -> str:
    """The caller's address; behind ``trusted_proxy_hops`` reverse proxies (Reflex's own
    setting, the same one the websocket path honours), the one they forwarded."""
    ip = request.client.host if request.client else "unknown"
    hops = rx.config.get_config().trusted_proxy_hops
    if hops:
        forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            ip = forwarded[-hops]
    return ip


def client_key(request: Request) -> str:
    """What rate limits count per client on the HTTP path."""
    return f"ip:{client_ip(request)}"


def is_https(request: Request) -> bool:
    """Under https, including behind a TLS-terminating proxy that says so.

    Trusting ``X-Forwarded-Proto`` for cookies is safe: it can only add ``Secure``, which
    makes a cookie stricter (a client that fakes it merely stops sending it over http).
    """
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def trusted_origins(request: Request) -> set[str]:
    """This site as the request reached it, the configured frontend, and ATOLL_ALLOWED_ORIGINS."""
    origins = {f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}".lower()}
    config = rx.config.get_config()
    for url in (config.deploy_url or "", *os.environ.get("ATOLL_ALLOWED_ORIGINS", "").split(",")):
        if origin := _origin_of(url.strip()):
            origins.add(origin)
    return origins


def allowed_origin(request: Request, url: str | None = None) -> bool:
    """Whether ``url`` (default: the request's Origin, else Referer) is this site.

    A request with neither header comes from a script, not a browser page, so it cannot
    be a cross-site forgery and is allowed.
    """
    source = url if url is not None else (
        request.headers.get("origin") or request.headers.get("referer") or ""
    )
    if not source:
        return url is None
    if source == "null":
        return False
    return _origin_of(source) in trusted_origins(request)


async def read_limited_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing with PAYLOAD_TOO_LARGE past ``limit`` without buffering it all."""
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
