"""A real backend (``reflex run --backend-only --env prod``) on its own database file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import AppServer, prepare_database, use_database


@pytest.fixture(scope="package")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("api")
    server = AppServer.start(prepare_database(root / "atoll.db"), root / "server.log", backend_only=True)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The same app with ATOLL_RATE_LIMIT=3/60, for the 429 path."""
    root = tmp_path_factory.mktemp("limited")
    server = AppServer.start(
        prepare_database(root / "atoll.db"), root / "server.log", backend_only=True,
        env={"ATOLL_RATE_LIMIT": "3/60"},
    )
    yield server
    server.stop()


@pytest.fixture
def client(api_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.base_url, timeout=10) as c:
        yield c


@pytest.fixture
def server_db(api_server: AppServer) -> Iterator[str]:
    """Point this process's engine at the server's database file, to check what it stored."""
    with use_database(api_server.database_url) as url:
        yield url
