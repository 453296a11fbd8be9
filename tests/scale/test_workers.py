"""How many workers run.

Refused without Redis, wired by ``make run``, and a real 2-worker process.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from db.visitors import COOKIE_NAME, new_visitor_id
from tests.cluster import Cluster, shared_env
from tests.scale.conftest import likes_in_db, new_post, tab_on
from tests.server import HEALTH_HEADERS, REFLEX, ROOT, AppServer, free_port

REFUSAL = (
    "Refusing to start 2 backend workers without Redis: each worker would keep its own copy "
    "of every visitor's state and the copies would silently diverge."
)


def run_backend(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``reflex run --env prod --backend-only`` with ``env``; it must exit by itself."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REFLEX_REDIS_URL", "GRANIAN_WORKERS", "WORKERS")
    }
    return subprocess.run(
        [REFLEX, "run", "--env", "prod", "--backend-only", "--backend-port", str(free_port())],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean | {"DATABASE_URL": f"sqlite+libsql:///{tmp_path / 'atoll.db'}"} | env,
    )


@pytest.mark.parametrize("variable", ["GRANIAN_WORKERS", "WORKERS"])
def test_two_workers_without_redis_refuse_to_start(variable: str, tmp_path: Path):
    result = run_backend({variable: "2"}, tmp_path)
    assert result.returncode != 0
    assert REFUSAL in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_a_worker_count_that_is_not_a_number_is_refused(tmp_path: Path):
    result = run_backend({"GRANIAN_WORKERS": "four"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: GRANIAN_WORKERS: expected a whole number of workers ≥ 1, got 'four'\n"
    )


def test_make_run_refuses_several_workers_without_redis():
    result = subprocess.run(
        ["make", "-s", "run-check", "WORKERS=4"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "WORKERS=4 needs REDIS_URL=redis://host:port" in result.stderr
    allowed = subprocess.run(
        ["make", "-s", "run-check", "WORKERS=4", "REDIS_URL=redis://127.0.0.1:6379"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert allowed.returncode == 0, allowed.stderr


def test_make_run_hands_workers_and_redis_to_reflex():
    result = subprocess.run(
        [
            "make",
            "-n",
            "run",
            "ENV=prod",
            "WORKERS=4",
            "REDIS_URL=redis://10.0.0.5:6379/1",
            "PORT=8080",
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    command = next(line for line in result.stdout.splitlines() if "app.serve" in line)
    assert command.split() == [
        "GRANIAN_WORKERS=4",
        "REFLEX_REDIS_URL=redis://10.0.0.5:6379/1",
        ".venv/bin/python",
        "-m",
        "app.serve",  # `reflex run --env prod`, building only when the tree changed
        "--port",
        "8080",
    ]


# -------------------------------------------------------------------------- a real 2-worker process


@pytest.fixture(scope="module")
def two_workers(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One backend process running two granian workers, on the cluster's Redis and database."""
    server = AppServer.start(
        cluster.database_url,
        tmp_path_factory.mktemp("two-workers") / "server.log",
        backend_only=True,
        env=shared_env(cluster.redis, workers=2),
    )
    yield server
    server.stop()


def worker_processes(server: AppServer) -> int:
    """How many processes ``reflex run`` forked: granian's workers (the supervisor is itself)."""
    children = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children += int(fields[1]) == server.process.pid  # field 4 of stat: the parent pid
    return children


def test_two_workers_share_state_and_live_updates(
    browser: Browser, cluster: Cluster, two_workers: AppServer, cluster_db: str
):
    assert worker_processes(two_workers) == 2
    health = httpx.get(two_workers.base_url + "/health", headers=HEALTH_HEADERS).json()
    assert health["status"] == "ok"
    assert health["redis"]["reachable"] is True

    slug = new_post("workers")
    # Both tabs' websockets go to the two-worker process; which worker takes each is its choice.
    with tab_on(browser, cluster, two_workers, f"/blog/{slug}") as first:
        owner = cluster.worker_of(first)
        # The kernel picks the worker for each connection: open tabs until one lands elsewhere.
        for _ in range(12):
            with tab_on(browser, cluster, two_workers, f"/blog/{slug}") as second:
                if cluster.worker_of(second) == owner:
                    continue
                first.locator(".like-button").click()
                expect(second.locator(".like-count")).to_have_text("1")
                second.locator(".like-button").click()
                expect(first.locator(".like-count")).to_have_text("2")
                expect(second.locator(".like-count")).to_have_text("2")
                break
        else:
            pytest.fail("twelve tabs in a row landed on the same worker")
    assert likes_in_db(slug) == (2, 2)


def test_http_likes_spread_over_two_workers_are_all_counted(
    two_workers: AppServer, cluster_db: str
):
    slug = new_post("workers-http")

    def like(_: int) -> int:
        with httpx.Client(
            base_url=two_workers.base_url, timeout=20, cookies={COOKIE_NAME: new_visitor_id()}
        ) as client:
            return client.post(
                "/api/actions/likes.toggle", json={"post_slug": slug, "liked": True}
            ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(like, range(120)))
    assert statuses == [200] * 120
    assert likes_in_db(slug) == (120, 120)
