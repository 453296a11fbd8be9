"""A throwaway ``redis-server`` on loopback for the multi-worker and outage tests."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.server import free_port, stop_child, wait_until_ready

MISSING = "redis-server is not installed: run `make redis` (apt-get install -y redis-server)."


def redis_server_binary() -> str:
    """Debian's ``redis-server``; the tests fail (not skip) without it, naming the fix."""
    path = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if path is None:
        raise RuntimeError(MISSING)
    return path


@dataclass
class RedisServer:
    """One ``redis-server`` child process: no persistence, loopback only, a port of its own."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, log_path: Path, *, port: int | None = None) -> RedisServer:
        server = cls(port or free_port(), log_path)
        server.restart()
        return server

    def restart(self) -> None:
        """(Re)start on the same port, so clients configured with :attr:`url` find it again."""
        self.stop()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until_ready(self.process, self.reachable, self.log_path, "redis-server")

    def reachable(self) -> bool:
        try:
            return bool(
                redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
            )
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        stop_child(self.process)
        self.process = None
