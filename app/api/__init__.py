"""Atoll's HTTP endpoints, mounted in front of Reflex's own ASGI app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from app.api.accounts import login, logout, logout_everywhere, signup
from app.api.actions import run_http_action
from app.api.admin import subscribers_csv
from app.api.comments import list_comments_http
from app.api.feeds import rss, sitemap, sitemap_part
from app.api.health import health
from app.api.protected import unlock
from app.api.sync import receive_webhook


def build_api() -> Starlette:
    """The Starlette app Reflex wraps through ``api_transformer``; its routes win."""
    return Starlette(
        routes=[
            Route("/api/actions/{name}", run_http_action, methods=["POST"]),
            Route("/api/auth/signup", signup, methods=["POST"]),
            Route("/api/auth/login", login, methods=["POST"]),
            Route("/api/auth/logout", logout, methods=["POST"]),
            Route("/api/auth/logout-everywhere", logout_everywhere, methods=["POST"]),
            Route("/api/admin/subscribers.csv", subscribers_csv, methods=["GET"]),
            Route("/api/comments", list_comments_http, methods=["GET"]),
            Route("/api/posts/unlock", unlock, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/api/sync", receive_webhook, methods=["POST"]),
            Route("/rss.xml", rss, methods=["GET"]),
            Route("/sitemap.xml", sitemap, methods=["GET"]),
            Route("/sitemap-{number:int}.xml", sitemap_part, methods=["GET"]),
        ]
    )
