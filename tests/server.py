"""Start the real app (``reflex run``) on a free port against a database file of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.core.engine import dispose_engines

ROOT = Path(__file__).resolve().parents[1]
HEALTH_TOKEN = "health-token-for-tests"
HEALTH_HEADERS = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
"""Shows ``/health``'s detail: every server the tests start is given this token."""
REFLEX = str(Path(sys.executable).with_name("reflex"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    log_path: Path,
    what: str,
    timeout: float = 20,
) -> None:
    """Poll ``ready()`` until it holds; fail with the log's tail if ``process`` exits or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log_path.read_text()[-2000:]}")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready in {timeout}s:\n{log_path.read_text()[-2000:]}")


def stop_child(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if it is still there after 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare_database(path: Path, *, seed: bool = True) -> str:
    """Create (and seed) a libSQL file through the real CLI; return its URL."""
    url = f"sqlite+libsql:///{path}"
    push_and_seed({"DATABASE_URL": url}, seed=seed)
    return url


def push_and_seed(env: dict[str, str], *, seed: bool = True, root: Path = ROOT) -> None:
    """``python -m db push`` (then ``seed``) against the database ``env`` names, run from
    ``root`` (another copy of the project: its own models)."""
    for command in ("push", "seed") if seed else ("push",):
        subprocess.run(
            [sys.executable, "-m", "db", command],
            cwd=root,
            env=os.environ | env,
            check=True,
            capture_output=True,
        )


@contextmanager
def use_database(url: str) -> Iterator[str]:
    """Point this process's engine at ``url`` (usually a running server's file) for a block.

    Tests arrange rows in, or check what a server stored in, the very file it serves. The
    engines are disposed on the way in and out, so no connection outlives the block, and
    ``DATABASE_URL`` is restored afterwards: usable from fixtures of any scope.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        dispose_engines()
        try:
            yield url
        finally:
            dispose_engines()


@dataclass
class AppServer:
    """A running production server (``python -m app.serve``: frontend and backend on one port)."""

    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(
        cls,
        database_url: str,
        log_path: Path,
        *,
        backend_only: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = 420,
        healthy: bool = True,
        port: int | None = None,
        root: Path = ROOT,
    ) -> AppServer:
        """Start the app from ``root`` (default: this checkout; the README tutorial test
        passes a temporary copy, whose ``env`` then names its own build directory)."""
        port = port or free_port()
        # The whole site starts the way `make run ENV=prod` does (app/serve.py, which skips an
        # unchanged build); a backend alone is plain `reflex run --backend-only`.
        args = (
            [REFLEX, "run", "--env", "prod", "--backend-only", "--backend-port", str(port)]
            if backend_only
            else [sys.executable, "-m", "app.serve", "--port", str(port)]
        )
        full_env = (
            os.environ
            | {
                "DATABASE_URL": database_url,
                "REFLEX_USE_SYSTEM_BUN": "1",
                "REFLEX_TELEMETRY_ENABLED": "false",
                "REFLEX_CHECK_LATEST_VERSION": "false",
                "ATOLL_RATE_LIMIT": "off",
                "ATOLL_HEALTH_TOKEN": HEALTH_TOKEN,
                "PYTHONUNBUFFERED": "1",
            }
            | (env or {})
        )
        log = log_path.open("wb")
        process = subprocess.Popen(
            args,
            cwd=root,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = cls(f"http://127.0.0.1:{port}", database_url, process, log_path)
        server._wait_ready(timeout, frontend=not backend_only, healthy=healthy)
        return server

    def _wait_ready(self, timeout: float, *, frontend: bool, healthy: bool = True) -> None:
        """Until the app answers.

        ``healthy=False`` accepts a 503 from ``/health`` (database down).
        """
        deadline = time.monotonic() + timeout
        probe = "/" if frontend else "/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited early:\n{self.log_path.read_text()[-4000:]}")
            try:
                if not healthy and httpx.get(self.base_url + "/ping", timeout=2).status_code == 200:
                    return
                probe_ok = (
                    httpx.get(self.base_url + probe, timeout=2, follow_redirects=True).status_code
                    == 200
                )
                if probe_ok and httpx.get(self.base_url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app not ready in {timeout}s:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def serve(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    site: bool = False,
    env: dict[str, str] | None = None,
    **options: Any,
) -> Iterator[AppServer]:
    """For a fixture (``yield from serve(...)``): the app on a fresh seeded database, stopped
    afterwards. ``site=True`` is the whole production site (built pages on the same port)
    whose ``SITE_URL`` is its own address; otherwise ``options`` go to :meth:`AppServer.start`."""
    root = tmp_path_factory.mktemp(name)
    if site:
        options["port"] = options.get("port") or free_port()
        env = {"SITE_URL": f"http://127.0.0.1:{options['port']}"} | (env or {})
    server = AppServer.start(
        prepare_database(root / "atoll.db"), root / "server.log", env=env, **options
    )
    try:
        yield server
    finally:
        server.stop()
