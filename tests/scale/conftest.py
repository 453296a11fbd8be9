"""Several workers sharing one Redis: two single-worker backends behind a switching proxy,
plus one real multi-worker process, all on the same database and Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import Like, LikeCount
from tests.chromium import browser_context, launch_chromium, wait_until_live
from tests.cluster import Cluster
from tests.factories import make_post
from tests.server import AppServer, use_database

POST = "/blog/hello-atoll"


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster.start(tmp_path_factory.mktemp("cluster"))
    yield started
    started.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Package-scoped: one Playwright per process at a time, and other packages start their own."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def cluster_db(cluster: Cluster) -> Iterator[str]:
    """This process's engine pointed at the database every backend of the cluster shares."""
    with use_database(cluster.database_url) as url:
        yield url


def open_post(page: Page, path: str = POST) -> None:
    """Load a post and wait until its islands have loaded their data over the websocket."""
    page.goto(path)
    wait_until_live(page)
    expect(page.locator("#post-title")).to_be_visible()
    expect(page.locator(".like-button")).to_be_visible()
    expect(page.locator("#comment-list, #comments-empty")).to_be_visible()


@contextmanager
def tab_on(
    browser: Browser, cluster: Cluster, server: AppServer, path: str = POST
) -> Iterator[Page]:
    """A fresh browser (own cookies, own Reflex token) whose websocket lands on ``server``."""
    cluster.route_events_to(server)
    with browser_context(browser, cluster.base_url) as context:
        page = context.new_page()
        open_post(page, path)
        yield page


def new_post(prefix: str = "scale") -> str:
    """A published post of its own, so a test's like counts start at zero."""
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    make_post(slug)
    return slug


def likes_in_db(slug: str) -> tuple[int, int]:
    """(the stored total, the number of Like rows) for one post."""
    with session_scope() as session:
        total = (
            session.exec(select(LikeCount.likes).where(LikeCount.post_slug == slug)).first() or 0
        )
        rows = session.exec(
            select(func.count()).select_from(Like).where(Like.post_slug == slug)
        ).one()
    return total, rows
