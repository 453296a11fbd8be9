"""The bun process that renders pages from the server build, owned by the backend worker.

Each backend worker starts its own render server on a unix socket of its own (a lifespan
task), restarts it if it dies, and stops it on shutdown, so ``reflex run`` and systemd
need to know nothing about it. Without a server build (``reflex run --env dev``, or a
backend started before any production build) there is nothing to render with: pages are
then left to the static frontend, as in a plain Reflex app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from reflex.utils import path_ops, prerequisites
from reflex_base import constants

log = logging.getLogger("atoll.render")

START_TIMEOUT_SECONDS = 20.0
RENDER_TIMEOUT_SECONDS = 10.0
SERVER_SCRIPT = "atoll-render.mjs"
"""Written into ``.web`` by :class:`app.render.plugin.ServerRenderPlugin`, so its imports
resolve from the frontend's own ``node_modules``."""


class RenderUnavailable(RuntimeError):
    """The render server is not running and could not be started."""


@dataclass(frozen=True)
class Rendered:
    status: int
    html: bytes


def build_dir() -> Path:
    return prerequisites.get_web_dir() / constants.Dirs.BUILD_DIR


def has_server_build() -> bool:
    """Whether the last production build can render pages on request."""
    web = prerequisites.get_web_dir()
    return (build_dir() / "server" / "index.js").is_file() and (web / SERVER_SCRIPT).is_file()


class RenderServer:
    """One bun child process and an HTTP client over its unix socket."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._client: httpx.AsyncClient | None = None
        self._socket = Path(tempfile.gettempdir()) / f"atoll-render-{os.getpid()}.sock"
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    async def _start(self) -> None:
        if not has_server_build():
            raise RenderUnavailable("no server build (run a production build first)")
        self._socket.unlink(missing_ok=True)
        # The child inherits this process's environment (PATH, HOME, bun's own variables);
        # it reads no setting of Atoll's, so nothing here goes through db.core.settings.
        env = os.environ | {
            "ATOLL_BUILD_DIR": str(build_dir().resolve()),
            "ATOLL_RENDER_SOCKET": str(self._socket),
            "NODE_ENV": "production",
        }
        web = prerequisites.get_web_dir()
        self._process = subprocess.Popen(
            [str(path_ops.get_bun_path() or "bun"), "run", SERVER_SCRIPT],
            cwd=web,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=None,
        )
        transport = httpx.AsyncHTTPTransport(uds=str(self._socket))
        client = httpx.AsyncClient(
            transport=transport, base_url="http://render", timeout=RENDER_TIMEOUT_SECONDS
        )
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            if self._process.poll() is not None:
                await client.aclose()
                raise RenderUnavailable(f"the render server exited ({self._process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    log.info("render server started (pid %d)", self._process.pid)
                    # Published only now: a request arriving meanwhile waits on the lock in
                    # ensure() instead of posting to a socket nobody listens on yet.
                    self._client = client
                    return
            await asyncio.sleep(0.05)
        await client.aclose()
        self._stop()
        raise RenderUnavailable("the render server did not start in time")

    async def ensure(self) -> httpx.AsyncClient:
        """The client of a running render server, starting (or restarting) it if needed."""
        if self.running and self._client is not None:
            return self._client
        async with self._lock:
            if not self.running or self._client is None:
                if self._process is not None:
                    log.warning("render server exited (%s); restarting", self._process.returncode)
                self._stop()
                await self._start()
            assert self._client is not None
            return self._client

    async def render(self, path: str, state: dict[str, Any]) -> Rendered:
        """``path`` rendered with ``state`` (substates by full name, as the client stores them)."""
        client = await self.ensure()
        try:
            response = await client.post("/render", json={"path": path, "state": state})
        except httpx.HTTPError as exc:
            raise RenderUnavailable(f"render failed: {type(exc).__name__}") from exc
        return Rendered(response.status_code, response.content)

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
        self._socket.unlink(missing_ok=True)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._stop()


renderer = RenderServer()


async def render_server() -> None:
    """Lifespan task: start the render server with the worker (when there is a server
    build), and stop it when the worker stops."""
    try:
        if has_server_build():
            try:
                await renderer.ensure()
            except RenderUnavailable as exc:
                log.error("render server: %s; pages are served without their content", exc)
        await asyncio.Event().wait()
    finally:
        await renderer.close()
