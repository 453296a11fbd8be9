"""A loopback TCP proxy that decides which backend each browser websocket lands on.

With several granian workers on one port the kernel picks the worker, so a test cannot
put two tabs on different workers, or move one tab to another worker, on purpose. This
proxy can: pages and HTTP go to ``http_port``; each new ``/_event`` websocket goes to
whatever ``event_port`` is at that moment; :meth:`SwitchProxy.sever` closes the open
websockets so the browsers reconnect — to the new ``event_port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.server import free_port

HEAD_LIMIT = 64 * 1024


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes one way until either side closes."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def serve_in_thread(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    port: int,
    name: str,
    **server_args: Any,
) -> tuple[asyncio.AbstractEventLoop, asyncio.Server]:
    """A TCP server on 127.0.0.1:``port`` run by an event loop on a daemon thread of its own."""
    started: list[tuple[asyncio.AbstractEventLoop, asyncio.Server]] = []
    ready = threading.Event()

    def run() -> None:
        loop = asyncio.new_event_loop()
        started.append(
            (
                loop,
                loop.run_until_complete(
                    asyncio.start_server(handle, "127.0.0.1", port, **server_args)
                ),
            )
        )
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, name=name, daemon=True).start()
    if not ready.wait(10):
        raise RuntimeError(f"{name} did not start")
    return started[0]


@dataclass
class SwitchProxy:
    http_port: int
    event_port: int
    port: int = field(default_factory=free_port)
    events_routed: list[int] = field(default_factory=list)  # backend port of each websocket
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _event_writers: set[asyncio.StreamWriter] = field(default_factory=set)

    def start(self) -> SwitchProxy:
        self._loop, self._server = serve_in_thread(self._handle, self.port, "switch-proxy")
        return self

    def route_events_to(self, port: int) -> None:
        """Send websockets opened from now on to ``port``."""
        self.event_port = port

    def sever(self) -> None:
        """Close every open websocket (both ends), as a dying worker or a network blip would."""
        assert self._loop is not None
        done = threading.Event()

        def close_all() -> None:
            for writer in list(self._event_writers):
                writer.transport.abort()
            self._event_writers.clear()
            done.set()

        self._loop.call_soon_threadsafe(close_all)
        done.wait(5)

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._event_writers):
                writer.transport.abort()
            loop.stop()

        loop.call_soon_threadsafe(shutdown)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            head = await client_r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            client_w.close()
            return
        path = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b"/"
        is_event = path.startswith(b"/_event")
        target = self.event_port if is_event else self.http_port
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_w.close()
            return
        if is_event:
            self.events_routed.append(target)
            self._event_writers.update((client_w, server_w))
        server_w.write(head)
        try:
            await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))
        finally:
            self._event_writers.discard(client_w)
            self._event_writers.discard(server_w)
            for w in (client_w, server_w):
                with contextlib.suppress(Exception):
                    w.close()
