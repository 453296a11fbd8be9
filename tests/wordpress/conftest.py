"""A real WordPress (``scripts/wordpress-dev``) and the real app wired to it by the webhook.

The session starts WordPress (installing Debian's packages on a fresh machine; idempotent
when it already runs), makes sure it holds at least :data:`BULK_POSTS` generated posts,
starts the production app with the WordPress settings, points the plugin's webhook at it
and copies WordPress into the app's database with a full sync. The tests are skipped only
when WordPress cannot be installed at all (packages missing and no root to install them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from db.core.cache import posts_cache
from db.wordpress.client import WordPressClient, WordPressSettings
from db.wordpress.sync import full_sync
from tests.chromium import browser_context, launch_chromium
from tests.server import AppServer, prepare_database, use_database

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "wordpress-dev"
ENV_FILE = ROOT / ".run" / "wordpress.env"
BULK_POSTS = 300
DEFAULT_WEBHOOK = "http://127.0.0.1:3000/api/sync"
CONTENT_TYPES = "post,page,book"
"""``WORDPRESS_POST_TYPES`` of the session's app: posts, pages and the dev site's ``book``."""


@dataclass(frozen=True)
class WordPress:
    """The running dev WordPress and the credentials ``scripts/wordpress-dev`` stored."""

    url: str
    user: str
    app_password: str
    webhook_secret: str

    @property
    def settings(self) -> WordPressSettings:
        return WordPressSettings(self.url, self.user, self.app_password)

    def env(self) -> dict[str, str]:
        return {
            "WORDPRESS_URL": self.url,
            "WORDPRESS_USER": self.user,
            "WORDPRESS_APP_PASSWORD": self.app_password,
            "WORDPRESS_WEBHOOK_SECRET": self.webhook_secret,
        }


def _installable() -> str | None:
    """Why WordPress cannot be installed here, or ``None`` when it can."""
    have = Path("/usr/share/wordpress/wp-settings.php").exists() and all(
        shutil.which(tool) for tool in ("mariadbd", "apache2", "php")
    )
    if have:
        return None
    if os.geteuid() != 0:
        return "WordPress, MariaDB and Apache are not installed and installing them needs root"
    if shutil.which("apt-get") is None:
        return "WordPress, MariaDB and Apache are not installed and there is no apt-get"
    return None


def _script(*args: str, timeout: float = 1800) -> str:
    result = subprocess.run(
        [str(SCRIPT), *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        pytest.fail(
            f"scripts/wordpress-dev {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _read_env() -> dict[str, str]:
    lines = ENV_FILE.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPress]:
    """``scripts/wordpress-dev start`` plus the bulk posts; credentials from .run/wordpress.env.

    A WordPress this run started is stopped at the end (its ports are fixed, so one left
    running would block another checkout's run); one that was already running is left be.
    """
    reason = _installable()
    if reason is not None:
        pytest.skip(f"no WordPress for the contract tests: {reason}")
    was_running = (
        subprocess.run([str(SCRIPT), "status"], cwd=ROOT, capture_output=True).returncode == 0
    )
    _script("start")
    _script("bulk", str(BULK_POSTS))
    env = _read_env()
    yield WordPress(
        env["WORDPRESS_URL"],
        env["WORDPRESS_USER"],
        env["WORDPRESS_APP_PASSWORD"],
        env["WORDPRESS_WEBHOOK_SECRET"],
    )
    if not was_running:
        _script("stop")


@pytest.fixture(scope="session")
def wp_admin(wordpress: WordPress) -> Iterator[httpx.Client]:
    """The WordPress REST API as the admin (application password)."""
    with httpx.Client(
        base_url=f"{wordpress.url}/wp-json/wp/v2",
        timeout=30,
        auth=(wordpress.user, wordpress.app_password),
    ) as client:
        yield client


@pytest.fixture(scope="session")
def synced_app(
    wordpress: WordPress, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """The production app with WordPress configured, the webhook pointing at it, synced."""
    root = tmp_path_factory.mktemp("wordpress-app")
    url = prepare_database(root / "atoll.db")
    server = AppServer.start(
        url,
        root / "server.log",
        env=wordpress.env()
        | {
            "SYNC_POLL_SECONDS": "1",
            "SYNC_BACKOFF_SECONDS": "1",
            # The server copies pages and the dev site's books too (tests/wordpress/
            # test_content.py); the full syncs below and the CLI runs copy posts only.
            "WORDPRESS_POST_TYPES": CONTENT_TYPES,
        },
    )
    try:
        _script("webhook", f"{server.base_url}/api/sync")
        with use_database(url), WordPressClient(wordpress.settings) as client:
            full_sync(client=client)
        yield server
    finally:
        _script("webhook", DEFAULT_WEBHOOK)
        server.stop()


@pytest.fixture
def app_db(synced_app: AppServer) -> Iterator[str]:
    """This process's engine (and an empty posts cache) on the app's database file."""
    with use_database(synced_app.database_url) as url:
        posts_cache.clear()
        yield url


@pytest.fixture
def app(synced_app: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=synced_app.base_url, timeout=15) as client:
        yield client


@pytest.fixture
def wp_post(wp_admin: httpx.Client) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create posts in WordPress for one test; they are deleted for good afterwards."""
    made: list[int] = []

    def create(**fields: Any) -> dict[str, Any]:
        response = wp_admin.post("/posts", json={"status": "publish"} | fields)
        response.raise_for_status()
        made.append(response.json()["id"])
        return response.json()

    yield create
    for wp_id in made:
        wp_admin.delete(f"/posts/{wp_id}", params={"force": "true"})


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Browser, synced_app: AppServer) -> Iterator[Page]:
    with browser_context(browser, synced_app.base_url) as context:
        yield context.new_page()
