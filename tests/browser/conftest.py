"""The production build served by ``reflex run --env prod``, driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from db.engine import dispose_engines
from tests.server import AppServer, prepare_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("browser")
    server = AppServer.start(prepare_database(root / "atoll.db"), root / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    context = browser.new_context(base_url=app_server.base_url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def app_db(app_server: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's engine pointed at the app's database file."""
    monkeypatch.setenv("DATABASE_URL", app_server.database_url)
    dispose_engines()
    yield app_server.database_url
    dispose_engines()
