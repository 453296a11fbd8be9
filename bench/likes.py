"""Like toggles over the websocket and over HTTP, each beside its ceiling from the same run.

    .venv/bin/python -m bench.likes [--clients 1,10,50] [--events 50000] [--seconds 10]
                                    [--only ws|http]
                                    [--url http://127.0.0.1:3000 --database data/atoll.db --pid PID]

For each client count N:

* websocket: N tabs on ``/blog/hello-atoll`` (each its own visitor) send
  ``LikeState.toggle_like`` in a closed loop; latency runs from sending the event to
  reading the delta that carries the tab's new ``liked`` value. Every tab follows the
  post's live count, so each toggle also fans the new total out to the other tabs, as on
  the real page. Then the trivial event (:func:`harness.trivial_socket_run`) at the same N:
  the ceiling of Reflex itself on this machine.
* HTTP: N visitors (one cookie jar each) ``POST /api/actions/likes.toggle`` with the
  opposite of their last answer; then the trivial POST at the same N.

After every run the stored total must equal the total before it plus the net effect of
the successful toggles (+1 for each visitor whose last answer was "liked"), read back
through the app; with the database file known, the ``likes`` rows must match the total.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3

import aiohttp

from bench.harness import (
    LIKE,
    SLUG,
    Message,
    Run,
    Socket,
    Target,
    arguments,
    changes,
    client_counts,
    drive_closing,
    header,
    http_session,
    open_sockets,
    ratio_line,
    socket_session,
    target,
    timed_post,
    trivial_http_run,
    trivial_socket_run,
    var,
)

ACTION = "/api/actions/likes.toggle"


def liked_in(message: Message) -> bool | None:
    """The tab's ``liked`` value for the post in this delta, if it carries one."""
    value = changes(message, LIKE).get(var("liked"))
    return value.get(SLUG) if isinstance(value, dict) else None


def like_answer(message: Message) -> bool:
    """The answer to a toggle: the tab's own ``liked`` change, or an error toast.

    Live fan-out deltas from other tabs' toggles change only ``counts``, never ``liked``.
    """
    return liked_in(message) is not None or bool(message.get("events"))


async def stored_total(base_url: str) -> int:
    """The post's total as the app reports it: a brand-new visitor's "unlike" changes
    nothing and answers with the stored count."""
    async with http_session(base_url) as http:
        status, body, _ = await timed_post(http, ACTION, {"post_slug": SLUG, "liked": False})
    if status != 200:
        raise SystemExit(f"could not read the like total: {status} {body}")
    return int(body["data"]["likes"])


def check(target_: Target, before: int, net: int, after: int) -> str:
    verdict = "ok" if after == before + net else "MISMATCH"
    text = f"{'':<34} count check: stored {after} = {before} before + {net} net: {verdict}"
    if target_.database is not None:
        with sqlite3.connect(target_.database) as db:
            rows = db.execute("SELECT COUNT(*) FROM likes WHERE post_slug = ?", (SLUG,)).fetchone()[
                0
            ]
        text += f"; {rows} like rows: {'ok' if rows == after else 'MISMATCH'}"
    return text


async def socket_likes(target_: Target, clients: int, args: argparse.Namespace) -> tuple[Run, int]:
    """N tabs toggling; returns the run and the net effect of their successful toggles."""
    async with socket_session() as session:
        sockets = await open_sockets(session, target_.base_url, clients)
        liked = {sock.token: False for sock in sockets}  # every tab is a new visitor

        async def step(sock: Socket) -> tuple[bool, float]:
            latency = await sock.request(f"{LIKE}.toggle_like", {"post_slug": SLUG}, like_answer)
            value = liked_in(sock.last or {})
            if value is None:
                return False, latency
            liked[sock.token] = value
            return True, latency

        run = await drive_closing("like toggle (ws)", target_, sockets, step, args)
    return run, sum(liked.values())


async def http_likes(target_: Target, clients: int, args: argparse.Namespace) -> tuple[Run, int]:
    """N visitors toggling over HTTP; returns the run and the net effect."""
    sessions = [http_session(target_.base_url) for _ in range(clients)]
    liked = {id(s): False for s in sessions}

    async def step(http: aiohttp.ClientSession) -> tuple[bool, float]:
        status, body, latency = await timed_post(
            http, ACTION, {"post_slug": SLUG, "liked": not liked[id(http)]}
        )
        if status != 200:
            return False, latency
        liked[id(http)] = bool(body["data"]["liked"])
        return True, latency

    run = await drive_closing("like toggle (POST)", target_, sessions, step, args)
    return run, sum(liked.values())


async def main(args: argparse.Namespace) -> None:
    async with target(args) as app:
        if args.only != "http":
            header(f"likes over the websocket: {app.base_url}, backend pids {app.pids}")
            for clients in client_counts(args):
                before = await stored_total(app.base_url)
                run, net = await socket_likes(app, clients, args)
                print(run.line(), flush=True)
                print(check(app, before, net, await stored_total(app.base_url)))
                ceiling = await trivial_socket_run(app, clients, args)
                print(ceiling.line(), flush=True)
                print(ratio_line(run, ceiling), flush=True)
        if args.only != "ws":
            header("likes over HTTP")
            for clients in client_counts(args):
                before = await stored_total(app.base_url)
                run, net = await http_likes(app, clients, args)
                print(run.line("req/s"), flush=True)
                print(check(app, before, net, await stored_total(app.base_url)))
                ceiling = await trivial_http_run(app, clients, args)
                print(ceiling.line("req/s"), flush=True)
                print(ratio_line(run, ceiling), flush=True)


if __name__ == "__main__":
    parser = arguments((__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", choices=("ws", "http"), help="run one transport only")
    asyncio.run(main(parser.parse_args()))
