"""A backend worker killed with SIGKILL is replaced, and the site keeps answering."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cluster import shared_env
from tests.redis_server import RedisServer
from tests.server import AppServer, prepare_database
from tests.waiting import eventually


def workers(server: AppServer) -> list[int]:
    """The granian worker processes: Python children of the server's granian supervisor."""
    leader = server.process.pid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[0] != "Z" and int(stat[1]) == leader and b"python" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("respawn")
    redis = RedisServer.start(root / "redis.log")
    server = AppServer.start(
        prepare_database(root / "atoll.db"),
        root / "server.log",
        backend_only=True,
        env=shared_env(redis, workers=2),
    )
    yield server
    server.stop()
    redis.stop()


def healthy(server: AppServer) -> bool:
    try:
        return httpx.get(server.base_url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_worker_is_replaced_and_the_site_keeps_answering(two_workers: AppServer):
    before = eventually(lambda: (found := workers(two_workers)) and len(found) == 2 and found)
    os.kill(before[0], signal.SIGKILL)

    after = eventually(
        lambda: (
            (found := workers(two_workers)) and len(found) == 2 and before[0] not in found and found
        ),
        timeout=30,
    )
    assert before[1] in after  # the other worker was never stopped
    assert two_workers.process.poll() is None
    eventually(lambda: all(healthy(two_workers) for _ in range(10)), timeout=15)
    assert "Unexpected exit from worker-1" in two_workers.log_path.read_text(errors="replace")
