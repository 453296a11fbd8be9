"""What the Atoll benchmarks share: the app under test, the clients, the loop, the figures.

The scripts beside this module (``likes.py``, ``pages.py``, ``baseline.py``) only say
*what* to send; everything about *how* lives here, so their figures are comparable.

* :func:`target` starts the real app (``reflex run --env prod``, one worker, on loopback)
  on a fresh seeded libSQL file with rate limits off and stops it afterwards, or points
  at an app already running (``--url``; loopback only).
* :class:`Socket` speaks Reflex's event protocol the way the compiled frontend does
  (``.web/utils/state.js``): Engine.IO 4 over a websocket at ``/_event/?token=<uuid>``,
  namespace ``/_event``, the ``hydrate_and_load`` boot event in the Socket.IO CONNECT
  packet, then ``event`` messages ``{"name", "payload", "router_data"}``; the backend
  answers with ``event`` messages ``{"delta": {substate: {var_rx_state_: value}},
  "events": [...]}``. It is a raw client (aiohttp) rather than python-socketio's, so
  the benchmark process spends its CPU on the measurement, not on the client library:
  client and server share the same two cores.
* :func:`drive` is the closed loop: every client sends, waits for its answer, sends
  again, until a shared budget of events or a time limit is spent; latency is taken
  from the send to the moment the answer is read off the socket.
* HTTP clients are aiohttp sessions, one cookie jar each (one visitor each). httpx
  needs about four times the client CPU per request (0.53 vs 0.13 of a core at the same
  rate, measured here), which the server would then not have.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.libsql_server import LibsqlServer
from tests.server import AppServer, prepare_database, push_and_seed

# The benchmarks run from the repository root as modules (`python -m bench.likes`), which
# is what lets them import `tests` and `db`.
ROOT = Path(__file__).resolve().parents[1]

STATE = "reflex___state____state"
SITE = f"{STATE}.state___site____site_state"
LIKE = f"{SITE}.state___likes____like_state"
POST = f"{SITE}.state___posts____post_state"
COMMENTS = f"{SITE}.state___comments____comment_state"
COMMENT_EDIT = f"{SITE}.state___comments____comment_edit_state"
RATING = f"{SITE}.state___ratings____rating_state"
AUTH = f"{SITE}.state___auth____account_state"

SLUG = "hello-atoll"
"""A seeded post with seeded comments."""

NAMESPACE = "/_event"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
REPLY_TIMEOUT = 10.0
"""Seconds one event may wait for its answer before it counts as failed."""

Message = dict[str, Any]


def var(name: str) -> str:
    """A state var as it appears in a delta (Reflex suffixes every var name)."""
    return f"{name}_rx_state_"


def changes(message: Message, substate: str) -> dict[str, Any]:
    """The vars of ``substate`` that ``message`` changes (empty when it changes none)."""
    return (message.get("delta") or {}).get(substate) or {}


def page_router_data(path: str) -> dict[str, Any]:
    """What the frontend attaches to every event sent from ``path`` (``withRouterData``)."""
    data: dict[str, Any] = {"pathname": path, "asPath": path}
    if path.startswith("/blog/") and path.count("/") == 2:
        data["query"] = {"slug": path.rsplit("/", 1)[1]}  # the [slug] route param
    return data


# ---------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Run:
    """One measured run: how many answers came back, how fast, and at what cost."""

    label: str
    clients: int
    done: int
    failed: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load: float = 0.0

    @property
    def rate(self) -> float:
        return (self.done - self.failed) / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def line(self, unit: str = "events/s") -> str:
        fails = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.label:<34} N={self.clients:<3} {self.rate:8.0f} {unit:<8} "
            f"p50 {self.ms(50):7.2f} ms  p99 {self.ms(99):7.2f} ms  "
            f"({self.done} in {self.seconds:.1f}s{fails}; CPU server {self.server_cpu:.0%} "
            f"client {self.client_cpu:.0%}; load {self.load:.2f})"
        )


def ratio_line(run: Run, ceiling: Run) -> str:
    share = run.rate / ceiling.rate if ceiling.rate else 0.0
    return (
        f"{'':<34} N={run.clients:<3} {share:8.0%} of the ceiling "
        f"({ceiling.label}: {ceiling.rate:.0f}/s)"
    )


def load_average() -> float:
    return os.getloadavg()[0]


def header(title: str) -> None:
    load1, load5, _ = os.getloadavg()
    print(
        f"\n== {title}  (load average {load1:.2f} / {load5:.2f}, {os.cpu_count()} CPUs)", flush=True
    )


# ---------------------------------------------------------------- processes


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (``VmRSS`` of ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def backend_workers(leader: int) -> list[int]:
    """The granian worker processes under ``reflex run`` (its process group).

    ``reflex run --env prod`` serves through granian, whose main process stays in the
    ``reflex`` process and forks one Python worker per ``GRANIAN_WORKERS``; those workers
    hold the state and run the handlers. Bun/node helpers in the group are not backends.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == leader:
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[2]) == leader and "python" in cmdline:
            found.append(int(entry.name))
    return sorted(found) or [leader]


# ---------------------------------------------------------------- the app under test


@dataclass
class Target:
    """The app being measured: its URL, its database file and its worker processes."""

    base_url: str
    database: Path | None
    pids: list[int]
    log: Path | None = None

    def server_cpu(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.pids)


def arguments(
    description: str, *, clients: str = "1,10,50", events: int = 50000, seconds: float = 10.0
) -> argparse.ArgumentParser:
    """The options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--url",
        help="measure an app already running at this loopback URL "
        "instead of starting one (e.g. http://127.0.0.1:3000)",
    )
    parser.add_argument(
        "--database", type=Path, help="with --url: its libSQL file, for the row checks"
    )
    parser.add_argument(
        "--pid",
        type=int,
        action="append",
        default=[],
        help="with --url: a backend worker pid, for CPU and memory figures (repeatable)",
    )
    parser.add_argument(
        "--clients", default=clients, help=f"client counts to run (default {clients})"
    )
    parser.add_argument(
        "--events",
        type=int,
        default=events,
        help=f"events (or requests) per run, shared by its clients (default {events})",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=seconds,
        help=f"time limit of one run (default {seconds:g})",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of the same load, unmeasured, before each run (default 2)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (server log, db)"
    )
    parser.add_argument(
        "--sqld",
        action="store_true",
        help="start the app on a libSQL server (sqld from `make sqld`) instead of a file",
    )
    return parser


def client_counts(args: argparse.Namespace) -> list[int]:
    return [int(n) for n in str(args.clients).split(",") if n.strip()]


@asynccontextmanager
async def target(args: argparse.Namespace, *, frontend: bool = False) -> AsyncIterator[Target]:
    """The app to measure: the one at ``--url``, or a fresh one started for this run.

    A started app is ``reflex run --env prod`` with one worker, bound to 127.0.0.1, on a
    new seeded database with rate limits off; ``frontend=False`` skips the frontend build
    (``--backend-only``), which changes nothing the backend does per event.
    """
    if args.url:
        host = urlsplit(args.url).hostname or ""
        if host not in LOOPBACK:
            raise SystemExit(
                f"--url must be a loopback address (127.0.0.1, localhost, ::1), not {host!r}"
            )
        yield Target(args.url.rstrip("/"), args.database, list(args.pid))
        return
    workdir = Path(tempfile.mkdtemp(prefix="atoll-bench-"))
    env = {"REFLEX_BACKEND_HOST": "127.0.0.1", "GRANIAN_WORKERS": "1", "ATOLL_RATE_LIMIT": "off"}
    sqld: LibsqlServer | None = None
    database: Path | None = None
    if args.sqld:
        sqld = LibsqlServer.start(workdir / "sqld")
        env |= sqld.env()
        push_and_seed(sqld.env())
        url = sqld.url
        print(f"database: libSQL server (sqld) at {url}", flush=True)
    else:
        database = workdir / "bench.db"
        url = prepare_database(database)
    log = workdir / "server.log"
    print(
        f"starting the app (prod, 1 worker{'' if frontend else ', backend only'}); log: {log}",
        flush=True,
    )
    server = await asyncio.to_thread(AppServer.start, url, log, backend_only=not frontend, env=env)
    try:
        yield Target(server.base_url, database, backend_workers(server.process.pid), log)
    finally:
        await asyncio.to_thread(server.stop)
        if sqld is not None:
            sqld.stop()
        if not args.keep:
            shutil.rmtree(workdir)


# ---------------------------------------------------------------- the websocket client


class Socket:
    """One browser tab's websocket, without the browser."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, token: str, path: str) -> None:
        self.ws = ws
        self.token = token
        self.router_data = page_router_data(path)
        self.received = 0
        self.last: Message | None = None  # the last answer a request matched
        self.first: asyncio.Future[float] | None = None  # see ``open(expect=...)``
        self._waiter: tuple[Callable[[Message], bool], asyncio.Future[float]] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(
        cls,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        path: str = f"/blog/{SLUG}",
        hashes: list[str] | None = None,
        expect: Callable[[Message], bool] | None = None,
        timeout: float = 30.0,
    ) -> Socket:
        """Connect as a new tab on ``path``, hydrating as the frontend does.

        ``expect``: watch, from before the hydrate is sent, for the first message it
        accepts (e.g. the page's on_load result); :attr:`first` resolves to its arrival.
        """
        token = str(uuid.uuid4())
        ws_url = (
            base_url.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={token}"
        )
        # aiohttp declares ClientWSTimeout's fields with attr.ib(type=...), which pyright's
        # attrs support does not see, so it reports ws_close as an unknown parameter.
        close_timeout = aiohttp.ClientWSTimeout(ws_close=5)  # pyright: ignore[reportCallIssue]
        ws = await session.ws_connect(ws_url, max_msg_size=0, timeout=close_timeout)
        sock = cls(ws, token, path)
        opened = await asyncio.wait_for(ws.receive(), timeout)
        if opened.type != aiohttp.WSMsgType.TEXT or not str(opened.data).startswith("0"):
            raise ConnectionError(f"not an Engine.IO open packet: {opened.data!r}")
        payload: dict[str, Any] = {"hashes": hashes} if hashes else {}
        boot = {"event": sock._event(f"{STATE}.hydrate_and_load", payload)}
        if expect is not None:
            sock.first = sock.expect(expect)
        sock._reader = asyncio.create_task(sock._read())
        await ws.send_str(f"40{NAMESPACE},{json.dumps(boot)}")
        await asyncio.wait_for(asyncio.shield(sock._connected), timeout)
        return sock

    def _event(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "payload": payload, "router_data": self.router_data}

    def expect(self, accept: Callable[[Message], bool]) -> asyncio.Future[float]:
        """From now on, watch for the first message ``accept`` takes.

        The future gets its arrival time.
        """
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiter = (accept, future)
        return future

    async def _read(self) -> None:
        prefix = f"42{NAMESPACE},"
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                data: str = msg.data
                if data == "2":  # Engine.IO ping
                    await self.ws.send_str("3")
                elif data.startswith(prefix):
                    now = time.perf_counter()
                    name, message = json.loads(data[len(prefix) :])[:2]
                    if name != "event":
                        continue
                    self.received += 1
                    if self._waiter is not None and self._waiter[0](message):
                        future = self._waiter[1]
                        self._waiter = None
                        self.last = message
                        if not future.done():
                            future.set_result(now)
                elif data.startswith(f"40{NAMESPACE}"):
                    if not self._connected.done():
                        self._connected.set_result(None)
                elif data.startswith(f"44{NAMESPACE}"):
                    raise ConnectionError(f"connect refused: {data}")
        except (
            aiohttp.ClientError,
            ConnectionError,
            ValueError,
        ) as exc:  # surface to whoever waits
            for future in (self._connected, self._waiter[1] if self._waiter else None):
                if future is not None and not future.done():
                    future.set_exception(exc)
        finally:
            if not self._connected.done():
                self._connected.set_exception(ConnectionError("socket closed before connecting"))
            if self._waiter is not None and not self._waiter[1].done():
                self._waiter[1].set_exception(ConnectionError("socket closed"))

    async def send(self, name: str, payload: dict[str, Any]) -> None:
        """Send one event, as ``applyEvent`` does."""
        await self.ws.send_str(f"42{NAMESPACE},{json.dumps(['event', self._event(name, payload)])}")

    async def request(
        self,
        name: str,
        payload: dict[str, Any],
        answer: Callable[[Message], bool],
        timeout: float = REPLY_TIMEOUT,
    ) -> float:
        """Send an event and return the seconds until a message ``answer`` accepts arrives."""
        future = self.expect(answer)
        started = time.perf_counter()
        await self.send(name, payload)
        return await asyncio.wait_for(future, timeout) - started

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def socket_session() -> aiohttp.ClientSession:
    """One session for many sockets (websockets carry no cookies here)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True))


async def open_sockets(
    session: aiohttp.ClientSession,
    base_url: str,
    count: int,
    *,
    concurrency: int = 25,
    **kwargs: Any,
) -> list[Socket]:
    """``count`` connected tabs, opened ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> Socket:
        async with gate:
            return await Socket.open(session, base_url, **kwargs)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def frontend_hashes(base_url: str, path: str) -> list[str] | None:
    """The per-state hashes the compiled frontend sends with its first hydrate.

    They are baked into one of the page's preloaded JS chunks (``initialStateHashes``);
    with them the backend skips the vars the page already has. ``None`` when no frontend
    is served (``--backend-only``), in which case hydrate sends the full snapshot.
    """
    pattern = re.compile(r"initialStateHashes\s*=\s*\[([^\]]*)\]")
    async with aiohttp.ClientSession(base_url) as http:
        async with http.get(path) as response:
            html = await response.text()
        for script in dict.fromkeys(re.findall(r'href="(/assets/[^"]+\.js)"', html)):
            async with http.get(script) as response:
                if found := pattern.search(await response.text()):
                    return re.findall(r"[0-9a-f]{16}", found.group(1))
    return None


# ---------------------------------------------------------------- HTTP clients


def http_session(base_url: str) -> aiohttp.ClientSession:
    """One visitor: its own connection and cookie jar.

    ``unsafe`` makes the jar accept cookies from 127.0.0.1.
    """
    return aiohttp.ClientSession(
        base_url, cookie_jar=aiohttp.CookieJar(unsafe=True), connector=aiohttp.TCPConnector(limit=1)
    )


async def timed_post(
    session: aiohttp.ClientSession, path: str, body: Any
) -> tuple[int, Any, float]:
    """POST JSON; the status, the decoded answer and the seconds it took."""
    started = time.perf_counter()
    async with session.post(path, json=body) as response:
        raw = await response.read()
        elapsed = time.perf_counter() - started
        return response.status, json.loads(raw) if raw else None, elapsed


async def timed_get(session: aiohttp.ClientSession, path: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    async with session.get(path) as response:
        raw = await response.read()
        return response.status, raw, time.perf_counter() - started


# ---------------------------------------------------------------- the loop


Step = Callable[[Any], Awaitable[tuple[bool, float]]]
"""One event for one client: whether it succeeded and its latency in seconds."""


async def drive(
    label: str, target_: Target, actors: Sequence[Any], step: Step, args: argparse.Namespace
) -> Run:
    """Closed loop: each actor repeats ``step`` until ``--events`` are spent or ``--seconds`` pass.

    The budget is shared, so all actors finish together. The same loop runs unmeasured for
    ``--warmup`` seconds first: a fresh worker answers its first few thousand events up to a
    third slower (caches, allocator, first connections), which is not what it does all day.
    """

    async def safe(actor: Any) -> tuple[bool, float]:
        try:
            return await step(actor)
        except (TimeoutError, ConnectionError, aiohttp.ClientError):
            return False, REPLY_TIMEOUT

    async def loop(actor: Any, deadline: float, out: list[tuple[bool, float]]) -> None:
        nonlocal budget
        while budget > 0 and time.perf_counter() < deadline:
            budget -= 1
            out.append(await safe(actor))

    budget = args.events
    await asyncio.gather(*(loop(a, time.perf_counter() + args.warmup, []) for a in actors))
    budget = args.events
    results: list[tuple[bool, float]] = []
    cpu_server, cpu_client = target_.server_cpu(), _own_cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(loop(a, started + args.seconds, results) for a in actors))
    elapsed = time.perf_counter() - started
    return Run(
        label,
        len(actors),
        len(results),
        sum(not ok for ok, _ in results),
        elapsed,
        [latency for _, latency in results],
        server_cpu=(target_.server_cpu() - cpu_server) / elapsed if target_.pids else 0.0,
        client_cpu=(_own_cpu_seconds() - cpu_client) / elapsed,
        load=load_average(),
    )


async def drive_closing(
    label: str, target_: Target, actors: Sequence[Any], step: Step, args: argparse.Namespace
) -> Run:
    """:func:`drive`, then close every actor (sockets, HTTP sessions) whatever happened."""
    try:
        return await drive(label, target_, actors, step, args)
    finally:
        await asyncio.gather(*(actor.close() for actor in actors))


def spin(label: str, op: Callable[[], bool], args: argparse.Namespace, *, scale: int = 1) -> Run:
    """The closed loop for one in-process caller: ``op`` back to back, timed one by one, for
    ``scale`` × ``--events`` calls at most."""
    events, seconds = args.events * scale, args.seconds
    warm_until = time.perf_counter() + args.warmup
    while time.perf_counter() < warm_until:
        op()
    latencies: list[float] = []
    failed = 0
    cpu = _own_cpu_seconds()
    started = time.perf_counter()
    deadline = started + seconds
    while len(latencies) < events and time.perf_counter() < deadline:
        began = time.perf_counter()
        failed += not op()
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - started
    return Run(
        label,
        1,
        len(latencies),
        failed,
        elapsed,
        latencies,
        client_cpu=(_own_cpu_seconds() - cpu) / elapsed,
        load=load_average(),
    )


# ---------------------------------------------------------------- shared workloads


def edit_toggled(message: Message) -> bool:
    return var("editing") in changes(message, COMMENT_EDIT)


async def trivial_socket_run(target_: Target, clients: int, args: argparse.Namespace) -> Run:
    """The websocket ceiling: ``CommentEditState.toggle_edit``, a handler with no database.

    It flips one var of a substate as deep as the like button's, so the answer is a delta
    of the same shape; every other press also sends a ``set_focus`` event (one more small
    message), which makes this ceiling, if anything, a little lower than a bare counter.
    """
    async with socket_session() as session:
        sockets = await open_sockets(session, target_.base_url, clients)

        async def step(sock: Socket) -> tuple[bool, float]:
            latency = await sock.request(
                f"{COMMENT_EDIT}.toggle_edit", {"comment_id": "bench"}, edit_toggled
            )
            return True, latency

        return await drive_closing("trivial event (ws, no db)", target_, sockets, step, args)


async def trivial_http_run(target_: Target, clients: int, args: argparse.Namespace) -> Run:
    """The HTTP ceiling: ``POST /api/actions/<unknown>`` goes through the same route, origin
    check and JSON error answer as a real action, without a thread or the database."""
    sessions = [http_session(target_.base_url) for _ in range(clients)]

    async def step(session: aiohttp.ClientSession) -> tuple[bool, float]:
        status, _, latency = await timed_post(session, "/api/actions/bench.none", {})
        return status == 404, latency

    return await drive_closing("trivial POST (http, no db)", target_, sessions, step, args)
