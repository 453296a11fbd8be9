"""The ceilings: what the same harness gets with no database, and what the database gets alone.

    .venv/bin/python -m bench.baseline [--clients 1,10,50] [--events 50000] [--seconds 10]
                                       [--url http://127.0.0.1:3000 --pid PID]

* trivial event over the websocket at each N (:func:`harness.trivial_socket_run`): the
  most events per second Reflex itself answers on this machine, one worker;
* trivial POST at each N (:func:`harness.trivial_http_run`): the same for the HTTP stack;
* trivial page view at each N: what ``pages.py``'s "data ready" costs Reflex alone — a new
  tab on ``/contact`` (whose only on_load, ``ensure_visitor``, touches no database), then
  four trivial events where the post page sends its four island loads, timed from opening
  the websocket to the fourth answer; the tab then closes;
* the database alone, one thread, on a fresh file with the app's schema and pragmas
  (WAL, ``synchronous=NORMAL``): a raw ``sqlite3`` counter upsert per transaction; the
  like toggle's own statements in raw ``sqlite3`` (like row, published check, counter);
  and ``run_action("likes.toggle")`` in-process (registry, validation, SQLAlchemy,
  libSQL dialect), which is what the app does per toggle minus Reflex and the thread hop.

``likes.py`` prints its own ceilings beside its figures; this prints all of them at once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.harness import (
    COMMENT_EDIT,
    REPLY_TIMEOUT,
    SITE,
    SLUG,
    Message,
    Socket,
    Target,
    arguments,
    changes,
    client_counts,
    drive,
    frontend_hashes,
    header,
    prepare_database,
    socket_session,
    spin,
    target,
    trivial_http_run,
    trivial_socket_run,
    var,
)

VISITORS = 50
"""Distinct visitors the database loops toggle for, as the 50 clients do."""


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=5000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        db.execute(f"PRAGMA {pragma}")
    return db


def raw_upsert(db: sqlite3.Connection) -> bool:
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO like_counts (post_slug, likes) VALUES (?, 1) "
        "ON CONFLICT (post_slug) DO UPDATE SET likes = likes + 1 RETURNING likes",
        (SLUG,),
    ).fetchone()
    db.execute("COMMIT")
    return True


def raw_toggle(db: sqlite3.Connection, visitor: str, liked: bool) -> bool:
    """The like action's statements, in raw sqlite3."""
    db.execute("BEGIN IMMEDIATE")
    if liked:
        changed = db.execute(
            "INSERT INTO likes (post_slug, visitor_id, created_at) VALUES (?, ?, datetime('now')) "
            "ON CONFLICT (post_slug, visitor_id) DO NOTHING RETURNING id",
            (SLUG, visitor),
        ).fetchone()
    else:
        changed = db.execute(
            "DELETE FROM likes WHERE post_slug = ? AND visitor_id = ? RETURNING id", (SLUG, visitor)
        ).fetchone()
    db.execute("SELECT id FROM posts WHERE slug = ? AND status = 'publish'", (SLUG,)).fetchone()
    if changed is not None:
        db.execute(
            "INSERT INTO like_counts (post_slug, likes) VALUES (?, 1) ON CONFLICT (post_slug) "
            "DO UPDATE SET likes = max(likes + ?, 0) RETURNING likes",
            (SLUG, 1 if liked else -1),
        ).fetchone()
    db.execute("COMMIT")
    return True


def database_runs(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="atoll-bench-db-") as tmp:
        path = Path(tmp) / "ceiling.db"
        url = prepare_database(path)
        header(f"the database alone, one thread ({path.name}: WAL, synchronous=NORMAL)")
        db = _connect(path)
        visitors = [f"bench-visitor-{n:04d}-xxxxxxxx" for n in range(VISITORS)]
        state = dict.fromkeys(visitors, False)
        cycle = itertools.cycle(visitors)

        def toggle_raw() -> bool:
            visitor = next(cycle)
            state[visitor] = not state[visitor]
            return raw_toggle(db, visitor, state[visitor])

        for label, op in (
            ("sqlite3 counter upsert", lambda: raw_upsert(db)),
            ("sqlite3 like toggle statements", toggle_raw),
        ):
            print(spin(label, op, args, scale=10).line("txn/s"))
        db.close()

        os.environ["DATABASE_URL"] = url
        os.environ["ATOLL_RATE_LIMIT"] = "off"
        from db.core.actions import (  # after DATABASE_URL: the engine reads it
            ActionContext,
            run_action,
        )

        contexts = [
            ActionContext(visitor_id=v.replace("bench-visitor", "bench-action"), client=v)
            for v in visitors
        ]
        liked = {c.visitor_id: False for c in contexts}
        ctx_cycle = itertools.cycle(contexts)

        def toggle_action() -> bool:
            ctx = next(ctx_cycle)
            liked[ctx.visitor_id] = not liked[ctx.visitor_id]
            result = run_action(
                "likes.toggle", {"post_slug": SLUG, "liked": liked[ctx.visitor_id]}, ctx
            )
            return result.ok

        print(spin("run_action('likes.toggle')", toggle_action, args).line("txn/s"))


def _editing(comment_id: str):
    return lambda message: changes(message, COMMENT_EDIT).get(var("editing")) == comment_id


def _visitor_set(message: Message) -> bool:
    return var("visitor_id") in changes(message, SITE)


async def trivial_view_run(
    app: Target, clients: int, args: argparse.Namespace, hashes: list[str] | None
) -> None:
    async with socket_session() as session:

        async def step(_: int) -> tuple[bool, float]:
            started = time.perf_counter()
            sock = await Socket.open(
                session, app.base_url, path="/contact", hashes=hashes, expect=_visitor_set
            )
            try:
                assert sock.first is not None
                await asyncio.wait_for(sock.first, REPLY_TIMEOUT)
                ready = sock.expect(_editing("d"))
                for comment_id in "abcd":
                    await sock.send(f"{COMMENT_EDIT}.toggle_edit", {"comment_id": comment_id})
                return True, await asyncio.wait_for(ready, REPLY_TIMEOUT) - started
            finally:
                await sock.close()

        run = await drive("trivial page view (ws, no db)", app, list(range(clients)), step, args)
    print(run.line("views/s"), flush=True)


async def main(args: argparse.Namespace) -> None:
    async with target(args) as app:
        header(f"trivial event over the websocket: {app.base_url}, backend pids {app.pids}")
        for clients in client_counts(args):
            print((await trivial_socket_run(app, clients, args)).line(), flush=True)
        header("trivial POST over HTTP")
        for clients in client_counts(args):
            print((await trivial_http_run(app, clients, args)).line("req/s"), flush=True)
        hashes = await frontend_hashes(app.base_url, "/contact")
        with_hashes = "with" if hashes else "without"
        header(f"trivial page view over the websocket ({with_hashes} the page's state hashes)")
        for clients in client_counts(args):
            await trivial_view_run(app, clients, args, hashes)
    database_runs(args)


if __name__ == "__main__":
    asyncio.run(main(arguments((__doc__ or "").split("\n\n")[0]).parse_args()))
