"""Two backends sharing one Redis and one database, with the browser's websocket routed on purpose.

``a`` is a full ``reflex run --env prod`` (it serves the built frontend, whose event URL
points at the proxy); ``b`` is a backend-only process of the same app. Both run one granian
worker, so "which worker" is "which process", and the :class:`~tests.proxy.SwitchProxy`
decides it for every websocket a browser opens. Reflex records each socket's owner in
Redis, which is how tests check where a tab really landed.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from playwright.sync_api import Page

from tests.proxy import SwitchProxy
from tests.redis_server import RedisServer
from tests.server import AppServer, prepare_database

SOCKET_RECORD = "token_manager_socket_record_"  # Reflex's key for "which worker holds this tab"


def port_of(server: AppServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def shared_env(redis: RedisServer, workers: int = 1) -> dict[str, str]:
    """What every backend of the cluster gets: the same Redis and an explicit worker count.

    Without ``GRANIAN_WORKERS`` Reflex would start ``2 × CPUs + 1`` workers once Redis is set.
    """
    return {"REFLEX_REDIS_URL": redis.url, "GRANIAN_WORKERS": str(workers)}


@dataclass
class Cluster:
    redis: RedisServer
    proxy: SwitchProxy
    a: AppServer
    b: AppServer

    @classmethod
    def start(cls, root: Path, *, env: dict[str, str] | None = None) -> Cluster:
        redis = RedisServer.start(root / "redis.log")
        proxy = SwitchProxy(http_port=0, event_port=0).start()  # holds its port from now on
        started: list[AppServer] = []
        try:
            database_url = prepare_database(root / "atoll.db")
            extra = shared_env(redis) | (env or {})
            started.append(
                AppServer.start(database_url, root / "b.log", backend_only=True, env=extra)
            )
            started.append(
                AppServer.start(
                    database_url,
                    root / "a.log",
                    env=extra | {"REFLEX_API_URL": f"http://localhost:{proxy.port}"},
                )
            )
        except BaseException:
            for server in started:
                server.stop()
            proxy.stop()
            redis.stop()
            raise
        b, a = started
        proxy.http_port = proxy.event_port = port_of(a)
        return cls(redis, proxy, a, b)

    @property
    def base_url(self) -> str:
        """Where browsers go: the proxy (pages from ``a``, websockets wherever routed)."""
        return f"http://localhost:{self.proxy.port}"

    @property
    def database_url(self) -> str:
        return self.a.database_url

    def route_events_to(self, server: AppServer) -> None:
        self.proxy.route_events_to(port_of(server))

    def worker_of(self, page: Page, *, not_: str | None = None, timeout: float = 15) -> str:
        """The Reflex instance id holding ``page``'s socket.

        Waits until it differs from ``not_`` when that is given.
        """
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        assert token, "the page has no Reflex token yet"
        client = self.redis.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # redis-py types a sync client's answers as "maybe awaitable"; this one is bytes.
            raw = cast(bytes | None, client.get(SOCKET_RECORD + token))
            if raw is not None:
                owner = pickle.loads(raw).instance_id
                if owner != not_:
                    return owner
            time.sleep(0.1)
        raise AssertionError(f"tab {token} has no socket on a worker other than {not_}")

    def stop(self) -> None:
        self.proxy.stop()
        self.a.stop()
        self.b.stop()
        self.redis.stop()
