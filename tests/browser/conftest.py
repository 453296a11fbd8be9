"""The production build served by ``reflex run --env prod``, driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from db.engine import dispose_engines
from tests.server import AppServer, free_port, prepare_database
from tests.smtp import SmtpSink

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="package")
def mail_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that the app's outbox worker delivers to."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="package")
def app_server(tmp_path_factory: pytest.TempPathFactory, mail_sink: SmtpSink) -> Iterator[AppServer]:
    """One production build for every browser test (a second build would replace the
    files the first server is serving). It mails through ``mail_sink``, and ``SITE_URL``
    is its own address so links in emails open it."""
    root = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = mail_sink.env(SITE_URL=f"http://127.0.0.1:{port}", OUTBOX_POLL_SECONDS="0.2")
    server = AppServer.start(prepare_database(root / "atoll.db"), root / "server.log", env=env, port=port)
    yield server
    server.stop()


@pytest.fixture(scope="package")
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
