"""A real backend (``reflex run --backend-only --env prod``) on its own database file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import AppServer, serve, use_database


@pytest.fixture(scope="package")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    yield from serve(tmp_path_factory, "api", backend_only=True)


@pytest.fixture(scope="package")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The same app with ATOLL_RATE_LIMIT=3/60, for the 429 path."""
    yield from serve(
        tmp_path_factory, "limited", backend_only=True, env={"ATOLL_RATE_LIMIT": "3/60"}
    )


@pytest.fixture
def client(api_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:
        yield c


@pytest.fixture
def server_db(api_server: AppServer) -> Iterator[str]:
    """Point this process's engine at the server's database file, to check what it stored."""
    with use_database(api_server.database_url) as url:
        yield url


@pytest.fixture(scope="package")
def webhook_secret() -> str:
    """The ``WORDPRESS_WEBHOOK_SECRET`` of :func:`fuzz_server`.

    Sign bodies with it through :func:`db.wordpress.sync.sign`.
    """
    return "fuzz-webhook-secret"


@pytest.fixture(scope="package")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, webhook_secret: str
) -> Iterator[AppServer]:
    """The app with a webhook secret, its own sign-in budget and its own log, for the fuzz tests.

    Signed ``/api/sync`` bodies are recorded here (no ``WORDPRESS_URL``: never processed);
    unsigned ones are never rate limited, so each answers 401. Failed sign-ins count per
    client address for 15 minutes whatever ``ATOLL_RATE_LIMIT`` says, and every test
    request comes from 127.0.0.1, so sign-in fuzzing happens here, not on ``api_server``.
    ``COLUMNS`` keeps Reflex's logged tracebacks one frame per line, for the checks that
    read the log.
    """
    yield from serve(
        tmp_path_factory,
        "fuzz",
        backend_only=True,
        env={
            "WORDPRESS_WEBHOOK_SECRET": webhook_secret,
            "WORDPRESS_WEBHOOK_RATE_LIMIT": "off",
            "COLUMNS": "400",
        },
    )


@pytest.fixture(scope="package")
def site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The whole production site (built frontend, server-rendered pages) with its page cache
    at the defaults, for the read-page tests."""
    yield from serve(tmp_path_factory, "site", site=True)


@pytest.fixture
def site_db(site_server: AppServer) -> Iterator[str]:
    with use_database(site_server.database_url) as url:
        yield url
