"""The production build in Chromium with every read and write on a real libSQL server:
the websocket path (Reflex state → action → Hrana) and live updates between tabs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.test_likes_browser import POST, like_seen_live
from tests.chromium import browser_context, launch_chromium
from tests.libsql_server import LibsqlServer
from tests.server import AppServer
from tests.sql import sql_rows


@pytest.fixture(scope="module")
def remote_site(
    sqld: LibsqlServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    log = Path(tmp_path_factory.mktemp("remote-site")) / "server.log"
    server = AppServer.start(
        sqld.url, log, env={"DATABASE_AUTH_TOKEN": sqld.env()["DATABASE_AUTH_TOKEN"]}
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


def test_a_like_in_one_tab_is_stored_on_the_server_and_shown_live_in_another(
    browser: Browser,
    remote_site: AppServer,
    remote_db: str,
):
    with (
        browser_context(browser, remote_site.base_url) as first,
        browser_context(browser, remote_site.base_url) as second,
    ):
        before = like_seen_live(first.new_page(), second.new_page())
    slug = POST.rsplit("/", 1)[-1]
    assert sql_rows(f"SELECT likes FROM like_counts WHERE post_slug = '{slug}'") == [(before + 1,)]
    assert sql_rows(f"SELECT count(*) FROM likes WHERE post_slug = '{slug}'") == [(before + 1,)]
