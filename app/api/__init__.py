"""Atoll's HTTP endpoints, mounted in front of Reflex's own ASGI app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from app.api.actions import run_http_action
from app.api.health import health


def build_api() -> Starlette:
    """The Starlette app Reflex wraps through ``api_transformer``; its routes win."""
    return Starlette(
        routes=[
            Route("/api/actions/{name}", run_http_action, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
