"""Checks every state-changing HTTP request passes before it reaches an action."""

from __future__ import annotations

from typing import Any

import reflex as rx
from starlette.requests import Request

from db.core import config, ratelimit


def client_ip(request: Request) -> str:
    """The caller's address; behind ``trusted_proxy_hops`` reverse proxies (Reflex's own
    setting, the same one the websocket path honours), the one they forwarded."""
    ip = request.client.host if request.client else "unknown"
    hops = rx.config.get_config().trusted_proxy_hops
    if hops:
        forwarded = [
            a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            ip = forwarded[-hops]
    return ip


def client_key(request: Request) -> str:
    """What rate limits count per client (:func:`db.core.ratelimit.client_key` of its IP)."""
    return ratelimit.client_key(client_ip(request))


def is_https(request: Request) -> bool:
    """Under https, including behind a TLS-terminating proxy that says so.

    Trusting ``X-Forwarded-Proto`` for cookies is safe: it can only add ``Secure``, which
    makes a cookie stricter (a client that fakes it merely stops sending it over http).
    """
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def origin_allowed(origin: str, *, scheme: str, host: str, forwarded_proto: str = "") -> bool:
    """Whether a browser page at ``origin`` is this site: the host the request was sent to
    (over its own or the proxy-reported scheme), the configured frontend (Reflex's
    ``deploy_url``) or one of :func:`db.core.config.configured_origins`. ``null`` (sandboxed
    frames, ``file:``) never is."""
    candidate = config.origin_of(origin)
    if not candidate or origin == "null":
        return False
    schemes = {scheme.lower(), forwarded_proto.split(",")[0].strip().lower()} - {""}
    if host and candidate in {f"{s}://{host.lower()}" for s in schemes}:
        return True
    deploy = config.origin_of(rx.config.get_config().deploy_url or "")
    return candidate == deploy or candidate in config.configured_origins()


def websocket_origin_allowed(origin: str | None, wsgi: dict[str, Any]) -> bool:
    """:func:`origin_allowed` for Engine.IO's handshake (its ``cors_allowed_origins`` callable):
    a page on another origin, even another port of this host, can't open the websocket with
    the visitor's cookies and act as them."""
    if origin is None:  # not a browser page: no ambient cookies to abuse
        return True
    return origin_allowed(
        origin,
        scheme=wsgi.get("wsgi.url_scheme", "http"),
        host=wsgi.get("HTTP_HOST", ""),
        forwarded_proto=wsgi.get("HTTP_X_FORWARDED_PROTO", ""),
    )


def allowed_origin(request: Request, url: str | None = None) -> bool:
    """Whether ``url`` (default: the request's Origin, else Referer) is this site.

    A request with neither header comes from a script, not a browser page, so it cannot
    be a cross-site forgery and is allowed.
    """
    source = (
        url
        if url is not None
        else (request.headers.get("origin") or request.headers.get("referer") or "")
    )
    if not source:
        return url is None
    return origin_allowed(
        source,
        scheme=request.url.scheme,
        host=request.headers.get("host", request.url.netloc),
        forwarded_proto=request.headers.get("x-forwarded-proto", ""),
    )
