"""Redis stops while two workers serve tabs, then comes back (empty: it keeps nothing on disk).

While it is away: ``/health`` on every worker answers 503 naming Redis, a click shows one
plain sentence instead of "An error occurred", nothing is written, and HTTP actions (which
need no Redis) keep working. When it returns: health is 200 again, clicks work, and live
updates between the two workers flow again for the tabs that stayed open.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from app.runtime import SESSION_STORE_DOWN
from db.visitors import COOKIE_NAME, new_visitor_id
from tests.cluster import Cluster
from tests.scale.conftest import likes_in_db, new_post, tab_on
from tests.server import HEALTH_HEADERS, use_database


@pytest.fixture(scope="module")
def outage_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A cluster of its own: this module stops its Redis."""
    started = Cluster.start(tmp_path_factory.mktemp("outage"))
    yield started
    started.stop()


@pytest.fixture
def outage_db(outage_cluster: Cluster) -> Iterator[str]:
    with use_database(outage_cluster.database_url) as url:
        yield url


def health(cluster: Cluster) -> list[httpx.Response]:
    return [
        httpx.get(server.base_url + "/health", headers=HEALTH_HEADERS, timeout=10)
        for server in (cluster.a, cluster.b)
    ]


def wait_healthy(cluster: Cluster, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r.status_code == 200 for r in health(cluster)):
            return
        time.sleep(0.2)
    raise AssertionError("the workers did not report healthy after Redis came back")


def test_redis_outage_is_reported_clearly_and_the_workers_recover(
    browser: Browser, outage_cluster: Cluster, outage_db: str
):
    cluster = outage_cluster
    slug = new_post("outage")
    with (
        tab_on(browser, cluster, cluster.a, f"/blog/{slug}") as first,
        tab_on(browser, cluster, cluster.b, f"/blog/{slug}") as second,
    ):
        assert cluster.worker_of(first) != cluster.worker_of(second)
        assert [r.status_code for r in health(cluster)] == [200, 200]

        cluster.redis.stop()
        for response in health(cluster):
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "down"
            assert body["redis"] == {"configured": True, "reachable": False}
            assert body["database"]["reachable"] is True

        first.locator(".like-button").click()
        expect(first.get_by_text(SESSION_STORE_DOWN)).to_be_visible()
        expect(first.get_by_text("An error occurred.")).to_have_count(0)
        expect(first.locator(".like-count")).to_have_text("0")
        assert likes_in_db(slug) == (0, 0)

        # Plain HTTP actions keep no state in Redis: they still work during the outage.
        response = httpx.post(
            f"{cluster.a.base_url}/api/actions/likes.toggle",
            json={"post_slug": slug, "liked": True},
            cookies={COOKIE_NAME: new_visitor_id()},
            timeout=10,
        )
        assert response.status_code == 200
        assert likes_in_db(slug) == (1, 1)

        cluster.redis.restart()
        wait_healthy(cluster)
        # Each worker writes back what the empty Redis lost about its open tabs (state/live.py):
        # once their socket records are there again, their subscriptions are too.
        cluster.worker_of(first)
        cluster.worker_of(second)

        first.locator(".like-button").click()  # handled by a, pushed to the tab on b
        expect(first.get_by_text(SESSION_STORE_DOWN)).to_have_count(0, timeout=6_000)
        expect(first.locator(".like-count")).to_have_text("2")
        expect(second.locator(".like-count")).to_have_text("2")
        second.locator(".like-button").click()  # handled by b, pushed to the tab on a
        expect(second.locator(".like-count")).to_have_text("3")
        expect(first.locator(".like-count")).to_have_text("3")
    assert likes_in_db(slug) == (3, 3)
