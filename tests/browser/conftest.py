"""The production build served by ``reflex run --env prod``, driven by Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.chromium import browser_context, launch_chromium
from tests.server import AppServer, free_port, prepare_database, use_database
from tests.smtp import SmtpSink


@pytest.fixture(scope="package")
def mail_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that the app's outbox worker delivers to."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="package")
def app_server(
    tmp_path_factory: pytest.TempPathFactory, mail_sink: SmtpSink
) -> Iterator[AppServer]:
    """One production build for every browser test (a second build would replace the
    files the first server is serving). It mails through ``mail_sink``, ``SITE_URL`` is
    its own address so links in emails open it, and pages are rendered afresh on every
    request (no page cache), so a test sees its own writes at once."""
    root = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = mail_sink.env(
        SITE_URL=f"http://127.0.0.1:{port}",
        OUTBOX_POLL_SECONDS="0.2",
        ATOLL_PAGE_MAX_AGE="0",
        ATOLL_PAGE_STALE_SECONDS="0",
    )
    server = AppServer.start(
        prepare_database(root / "atoll.db"), root / "server.log", env=env, port=port
    )
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Browser, app_server: AppServer) -> Iterator[Page]:
    with browser_context(browser, app_server.base_url) as context:
        yield context.new_page()


@pytest.fixture
def app_db(app_server: AppServer) -> Iterator[str]:
    """This process's engine pointed at the app's database file."""
    with use_database(app_server.database_url) as url:
        yield url
