"""A post page: the HTML, the time until its comments are in the state, and idle memory.

    .venv/bin/python -m bench.pages [--clients 1,10,50] [--events 50000] [--seconds 10] [--idle 500]
                                    [--url http://127.0.0.1:3000 --pid PID]

Starts the full production build (frontend included, so the page and the hydrate are
the ones a browser gets). For each client count N:

* ``GET /blog/hello-atoll``, ``GET /`` and ``GET`` one of the build's hashed scripts: N
  clients in a closed loop each; req/s, p50, p99, and each page's rate as a share of the
  static file's in the same run (the ceiling: the same server sending bytes it never
  computes). A page counts only if it arrived complete (its server-rendered content).
  This is a reader's whole visit as a browser makes it: the islands are lazy
  (``lazyIslands`` in ``app/render/web/server.mjs``), so a server-rendered page loads no
  script and opens no websocket until the visitor reaches for an island (the stylesheet
  and images are static files, the ceiling's kind). Each page's line is followed by the
  server CPU it cost a visit (the backend workers' CPU time over the run / visits).
* data ready: what a visitor who reaches for an island then costs. N clients in a closed
  loop each open a new tab as the browser does — the
  websocket with ``hydrate_and_load`` (and the compiled page's state hashes) in its
  CONNECT packet, ``AccountState.load_user`` from the layout as it mounts; when the post's
  delta arrives (the page's on_load, ``PostState.load_post``), the island loads the post
  view mounts: ``load_like``, ``load_rating``, ``load_comments``. The figure is the time
  from opening the websocket to the delta carrying the loaded comments; the tab then
  closes.

Memory comes first, on the fresh worker (Reflex keeps a closed tab's state for an hour, so
after the runs above the worker holds thousands): ``--idle`` readers visit the page (its
HTML: they hold nothing on the server), then ``--idle`` tabs each load the page's islands as
above and stay connected, idle; the backend worker's resident memory (``VmRSS``) is
printed before, with them, and after they closed.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

import aiohttp

from bench.harness import (
    AUTH,
    COMMENTS,
    LIKE,
    POST,
    RATING,
    REPLY_TIMEOUT,
    SLUG,
    Message,
    Run,
    Socket,
    Target,
    arguments,
    changes,
    client_counts,
    drive,
    drive_closing,
    frontend_hashes,
    header,
    http_session,
    load_average,
    ratio_line,
    rss_mb,
    socket_session,
    target,
    timed_get,
    var,
)

PATH = f"/blog/{SLUG}"


def post_loaded(message: Message) -> bool:
    return changes(message, POST).get(var("loaded")) is True


def comments_loaded(message: Message) -> bool:
    found = changes(message, COMMENTS)
    return found.get(var("loaded")) is True and var("comments") in found


async def view_post(
    session: aiohttp.ClientSession, base_url: str, hashes: list[str] | None
) -> tuple[Socket, float]:
    """Open the post as a new tab; the tab and the seconds until its comments arrived."""
    started = time.perf_counter()
    sock = await Socket.open(session, base_url, path=PATH, hashes=hashes, expect=post_loaded)
    await sock.send(f"{AUTH}.load_user", {})
    assert sock.first is not None
    await asyncio.wait_for(sock.first, REPLY_TIMEOUT)
    post = changes(sock.last or {}, POST)
    if post.get(var("found")) is False or not post.get(var("post")):
        raise SystemExit(f"{PATH} did not load: {post}")
    ready = sock.expect(comments_loaded)
    for name in (f"{LIKE}.load_like", f"{RATING}.load_rating", f"{COMMENTS}.load_comments"):
        await sock.send(name, {"post_slug": SLUG})
    arrived = await asyncio.wait_for(ready, REPLY_TIMEOUT)
    if not (sock.last and changes(sock.last, COMMENTS).get(var("comments"))):
        raise SystemExit(f"{PATH}: the seeded comments are missing from the state")
    return sock, arrived - started


PAGES = {PATH: b'id="post-title"', "/": b"Latest posts"}
"""Each page measured, and what its complete HTML must contain."""


async def first_asset(base_url: str) -> str:
    """A hashed script the post page loads (the static ceiling of the same run)."""
    async with http_session(base_url) as http:
        _status, body, _latency = await timed_get(http, PATH)
    found = re.search(rb'"(/assets/[^"]+\.js)"', body)
    if not found:
        raise SystemExit(f"{PATH} names no hashed script: is the frontend built?")
    return found.group(1).decode()


async def html_run(
    app: Target, clients: int, args: argparse.Namespace, path: str, must_contain: bytes
) -> Run:
    sessions = [http_session(app.base_url) for _ in range(clients)]

    async def step(http: aiohttp.ClientSession) -> tuple[bool, float]:
        status, body, latency = await timed_get(http, path)
        return status == 200 and must_contain in body, latency

    return await drive_closing(f"GET {path}", app, sessions, step, args)


def cpu_line(run: Run) -> str:
    """The server's CPU time a visit cost in ``run`` (target for a reader: ≤ 1 ms)."""
    per_visit = run.server_cpu / run.rate * 1000 if run.rate else 0.0
    return f"{'':<34} N={run.clients:<3} {per_visit:8.3f} ms server CPU a visit (target ≤ 1 ms)"


async def ready_run(
    app: Target, clients: int, args: argparse.Namespace, hashes: list[str] | None
) -> None:
    async with socket_session() as session:

        async def step(_: int) -> tuple[bool, float]:
            sock, latency = await view_post(session, app.base_url, hashes)
            await sock.close()
            return True, latency

        run = await drive(
            "data ready (ws connect → comments)", app, list(range(clients)), step, args
        )
    print(run.line("views/s"), flush=True)


async def idle_memory(app: Target, tabs: int, hashes: list[str] | None) -> None:
    pids = app.pids
    if not pids:
        print("memory: pass --pid with --url to read the backend's resident memory")
        return

    def rss() -> str:
        return " + ".join(f"{rss_mb(pid):.0f}" for pid in pids) + " MiB"

    header(f"memory with {tabs} readers, then {tabs} idle tabs using the islands, on {PATH}")
    print(f"backend worker VmRSS before: {rss()}", flush=True)
    async with http_session(app.base_url) as http:  # readers: the HTML, and no websocket
        for _ in range(tabs):
            await timed_get(http, PATH)
    print(f"backend worker VmRSS after {tabs} readers' visits: {rss()}", flush=True)
    async with socket_session() as session:
        gate = asyncio.Semaphore(20)

        async def one() -> Socket:
            async with gate:
                return (await view_post(session, app.base_url, hashes))[0]

        started = time.perf_counter()
        sockets = await asyncio.gather(*(one() for _ in range(tabs)))
        opened = time.perf_counter() - started
        await asyncio.sleep(5)  # idle: let the writes and the garbage settle
        print(
            f"backend worker VmRSS with {len(sockets)} idle tabs: {rss()} "
            f"(opened in {opened:.1f}s; load {load_average():.2f})",
            flush=True,
        )
        await asyncio.gather(*(s.close() for s in sockets))
    await asyncio.sleep(2)
    print(f"backend worker VmRSS after they closed: {rss()}", flush=True)


async def main(args: argparse.Namespace) -> None:
    async with target(args, frontend=True) as app:
        hashes = await frontend_hashes(app.base_url, PATH)
        note = (
            f"{len(hashes)} state hashes from the compiled page"
            if hashes
            else "no frontend: full snapshots"
        )
        print(f"post page: {app.base_url}{PATH}, backend pids {app.pids}", flush=True)
        if args.idle:  # first, on a fresh worker: later runs leave thousands of tabs' states behind
            await idle_memory(app, args.idle, hashes)
        asset = await first_asset(app.base_url)
        header(f"post page at 1..N clients (hydrate with {note})")
        for clients in client_counts(args):
            ceiling = await html_run(app, clients, args, asset, b"")
            print(ceiling.line("req/s"), flush=True)
            for path, must_contain in PAGES.items():
                run = await html_run(app, clients, args, path, must_contain)
                print(run.line("req/s"), flush=True)
                print(ratio_line(run, ceiling), flush=True)
                print(cpu_line(run), flush=True)
            await ready_run(app, clients, args, hashes)


if __name__ == "__main__":
    parser = arguments((__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--idle", type=int, default=500, help="idle tabs for the memory figure (0: skip)"
    )
    asyncio.run(main(parser.parse_args()))
