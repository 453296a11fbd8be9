"""Benchmark the WordPress sync against the dev WordPress, or the one ``WORDPRESS_URL`` names.

    .venv/bin/python -m bench.wordpress_sync [--posts 2000] [--samples 50] [--webhook-port N]
        [--full-sync-only]

Which WordPress: without ``WORDPRESS_URL`` in the environment, the dev one
(``scripts/wordpress-dev``: started if needed, filled to ``--posts`` generated posts, its
credentials from ``.run/wordpress.env``). With ``WORDPRESS_URL`` (plus ``WORDPRESS_USER`` and
``WORDPRESS_APP_PASSWORD``), that WordPress as it is: nothing is generated there and
``--posts`` does not apply.

1. Full sync: copies every published post into a fresh libSQL file and prints posts/s: a
   cold run with one page in flight (how it ran before) and one with ``FETCH_AHEAD`` pages
   in flight, then on the second file a warm run through every page (``--restart``), a
   rerun with nothing changed (incremental: ``modified_after`` plus the id list) and a
   reconciliation. ``--full-sync-only`` stops there.
2. Webhook latency: starts the app's backend (``reflex run --backend-only --env prod``)
   with the webhook pointed at it, edits a post through the REST API ``--samples`` times
   and reports p50/p99 of

   * webhook → visible: from the event being recorded (``sync_events.received_at``) to the
     edited post being committed (``posts.synced_at``), both on this machine's clock;
   * edit → visible: from sending the REST edit to the new title being readable in libSQL,
     which adds WordPress's own save time and the plugin's delivery.

   Then the same ``--samples`` edits again while the app runs full syncs ("Sync now", as
   ``/admin`` queues them: every page fetched and compared): an edit counts when the run
   was still going when it became visible, and runs are queued until there are enough.

   The dev WordPress's plugin is pointed at the app for the run and the bulk posts are
   edited. Another WordPress's plugin is configured in its ``wp-config.php``, which this
   script can't change: pass ``--webhook-port N`` once its ``ATOLL_WEBHOOK_URL`` is
   ``http://<this machine>:N/api/sync`` and its ``ATOLL_WEBHOOK_SECRET`` is this
   environment's ``WORDPRESS_WEBHOOK_SECRET``; the run then creates one post there, edits it
   and deletes it for good. Without ``--webhook-port`` only the full sync is measured.

The worker invalidates the page cache in the same step as it commits, so "readable in
libSQL" is also when pages show the change.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from db.core.engine import dispose_engines, session_scope
from db.core.settings import SettingsError, reload_settings, settings
from db.wordpress.client import FETCH_AHEAD, WordPressClient, WordPressSettings
from db.wordpress.sync import FullSyncReport, enqueue_full_sync, full_sync, reconcile
from tests.server import AppServer, prepare_database

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "wordpress-dev"
DEFAULT_WEBHOOK = "http://127.0.0.1:3000/api/sync"


def wordpress_dev(*args: str) -> None:
    subprocess.run([str(SCRIPT), *args], cwd=ROOT, check=True)


def credentials() -> dict[str, str]:
    lines = (ROOT / ".run" / "wordpress.env").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if "=" in line)
    return {
        k: env[k]
        for k in (
            "WORDPRESS_URL",
            "WORDPRESS_USER",
            "WORDPRESS_APP_PASSWORD",
            "WORDPRESS_WEBHOOK_SECRET",
        )
    }


@dataclass(frozen=True)
class Target:
    """The WordPress measured, and the ``WORDPRESS_*`` variables the app needs for it."""

    env: dict[str, str]
    dev: bool

    @property
    def settings(self) -> WordPressSettings:
        return WordPressSettings(
            self.env["WORDPRESS_URL"],
            self.env.get("WORDPRESS_USER"),
            self.env.get("WORDPRESS_APP_PASSWORD"),
        )


def target(posts: int) -> Target:
    """``WORDPRESS_URL``'s WordPress when it is set, otherwise the dev one with ``posts``."""
    try:
        current = settings()
    except SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None
    if current.wordpress_url is None:
        wordpress_dev("start")
        wordpress_dev("bulk", str(posts))
        return Target(credentials(), dev=True)
    env = {
        "WORDPRESS_URL": current.wordpress_url,
        "WORDPRESS_USER": current.wordpress_user or "",
        "WORDPRESS_APP_PASSWORD": current.wordpress_app_password or "",
        "WORDPRESS_WEBHOOK_SECRET": current.webhook_secret or "",
    }
    return Target({k: v for k, v in env.items() if v}, dev=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def use_fresh_database(path: Path) -> None:
    point_at(prepare_database(path, seed=False))


def point_at(url: str) -> None:
    """This process's engine on the database ``url``."""
    os.environ["DATABASE_URL"] = url
    reload_settings()  # the engine reads DATABASE_URL through the settings
    dispose_engines()


def show(label: str, report: FullSyncReport) -> None:
    rate = report.seen / report.seconds if report.seconds else 0.0
    print(
        f"{label}: {report.seen} posts in {report.seconds:.2f}s = {rate:.0f} posts/s "
        f"({report.pages} pages; created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, removed {report.removed})"
    )


def bench_full_sync(wordpress: Target, workdir: Path) -> None:
    """Cold syncs with one page in flight (as before) and with FETCH_AHEAD, each into a
    fresh file; then, on the second, a warm rerun of every page, an incremental rerun and a
    reconciliation, all with nothing changed."""
    with WordPressClient(wordpress.settings) as client:
        for n, (label, ahead) in enumerate(
            (("one page in flight", 1), (f"{FETCH_AHEAD} pages in flight", None))
        ):
            use_fresh_database(workdir / f"full-{n}.db")
            show(f"full sync, cold, {label}", full_sync(client=client, ahead=ahead))
        show(
            "full sync, warm, every page again (--restart)", full_sync(client=client, restart=True)
        )
        show("full sync, rerun with nothing changed (incremental)", full_sync(client=client))
        show("reconciliation, nothing changed", reconcile(client=client))
    dispose_engines()


def wait_visible(db: sqlite3.Connection, wp_id: int, title: str, started: float) -> str:
    """When the post with ``title`` was committed (``posts.synced_at``), polled for 30 s."""
    while True:
        found = db.execute(
            "SELECT synced_at FROM posts WHERE wp_id = ? AND title = ?", (wp_id, title)
        ).fetchone()
        if found:
            return found[0]
        if time.perf_counter() - started > 30:
            raise SystemExit(
                f"post {wp_id} did not become visible within 30s: does WordPress's webhook "
                "reach this app (ATOLL_WEBHOOK_URL, ATOLL_WEBHOOK_SECRET)?"
            )
        time.sleep(0.002)


def measure_edits(
    wp: httpx.Client,
    db: sqlite3.Connection,
    ids: list[int],
    samples: int,
    counts: Callable[[], bool] = lambda: True,
) -> tuple[list[float], list[float]]:
    """Edit the posts ``ids`` in turn until ``samples`` edits counted (``counts()`` true once
    the edit is visible): edit → visible and webhook → visible."""
    stamp = time.time_ns()
    edit_to_visible: list[float] = []
    hook_to_visible: list[float] = []
    for n in itertools.count():
        if len(edit_to_visible) >= samples:
            break
        wp_id = ids[n % len(ids)]
        title = f"Bench {stamp}-{n}"
        started = time.perf_counter()
        wp.post(f"/posts/{wp_id}", json={"title": title}).raise_for_status()
        synced_at = wait_visible(db, wp_id, title, started)
        if not counts():
            continue
        edit_to_visible.append(time.perf_counter() - started)
        received = db.execute(
            "SELECT received_at FROM sync_events WHERE wp_post_id = ? ORDER BY id DESC LIMIT 1",
            (wp_id,),
        ).fetchone()[0]
        delta = datetime.fromisoformat(synced_at) - datetime.fromisoformat(received)
        hook_to_visible.append(delta.total_seconds())
    return edit_to_visible, hook_to_visible


class FullSyncs:
    """Keeps a "Sync now" full sync running in the app (file ``url``) while edits are timed."""

    def __init__(self, url: str, db: sqlite3.Connection) -> None:
        self.url, self.db = url, db
        self.run_id: int | None = None
        self.runs = 0

    def status(self) -> str:
        row = self.db.execute("SELECT status FROM sync_events WHERE id = ?", (self.run_id,))
        return row.fetchone()[0]

    def running(self) -> bool:
        """Whether a run is processing now; queues the next one (and waits for the worker
        to take it) when the last has ended."""
        if self.run_id is not None and self.status() == "processing":
            return True
        point_at(self.url)
        with session_scope(write=True) as session:
            self.run_id = enqueue_full_sync(session=session).id
        self.runs += 1
        deadline = time.monotonic() + 60
        while self.status() != "processing":
            if time.monotonic() > deadline:
                raise SystemExit(f"full sync {self.run_id} was not started within 60s")
            time.sleep(0.05)
        return False

    def wait_done(self) -> None:
        while self.run_id is not None and self.status() in ("pending", "processing"):
            time.sleep(0.1)


def bench_latency(wordpress: Target, workdir: Path, samples: int, webhook_port: int | None) -> None:
    if not wordpress.dev and (
        webhook_port is None or "WORDPRESS_WEBHOOK_SECRET" not in wordpress.env
    ):
        print(
            "webhook latency: skipped (pass --webhook-port N and set WORDPRESS_WEBHOOK_SECRET "
            "once the WordPress plugin's ATOLL_WEBHOOK_URL is http://<this machine>:N/api/sync)"
        )
        return
    path = workdir / "app.db"
    url = prepare_database(path, seed=False)
    server = AppServer.start(
        url,
        workdir / "server.log",
        backend_only=True,
        env=wordpress.env | {"WORDPRESS_WEBHOOK_RATE_LIMIT": "off", "SYNC_POLL_SECONDS": "5"},
        port=webhook_port,
    )
    created: int | None = None
    auth = (
        wordpress.env.get("WORDPRESS_USER", ""),
        wordpress.env.get("WORDPRESS_APP_PASSWORD", ""),
    )
    try:
        if wordpress.dev:
            wordpress_dev("webhook", f"{server.base_url}/api/sync")
        with (
            httpx.Client(
                base_url=f"{wordpress.env['WORDPRESS_URL']}/wp-json/wp/v2", auth=auth, timeout=30
            ) as wp,
            sqlite3.connect(path, timeout=10) as db,
        ):
            if wordpress.dev:
                posts = wp.get(
                    "/posts", params={"search": "Bulk post", "per_page": samples, "_fields": "id"}
                ).json()
                ids = [p["id"] for p in posts]
            else:  # one post of its own, so nobody's posts are edited
                title = f"Atoll bench {int(time.time())}"
                started = time.perf_counter()
                response = wp.post("/posts", json={"title": title, "status": "publish"})
                created = int(response.raise_for_status().json()["id"])
                wait_visible(db, created, title, started)
                ids = [created]
            idle = measure_edits(wp, db, ids, samples)
            syncs = FullSyncs(url, db)
            syncs.running()  # the first run is underway before the first edit
            during = measure_edits(wp, db, ids, samples, counts=syncs.running)
            syncs.wait_done()
            if created is not None:
                wp.delete(f"/posts/{created}", params={"force": "true"}).raise_for_status()
                created = None
        for when, (edit_to_visible, hook_to_visible) in (
            ("idle", idle),
            (f"during {syncs.runs} full syncs", during),
        ):
            for label, values in (
                ("webhook → visible", hook_to_visible),
                ("edit → visible", edit_to_visible),
            ):
                print(
                    f"{label}, {when}: p50 {percentile(values, 50) * 1000:.1f} ms, "
                    f"p99 {percentile(values, 99) * 1000:.1f} ms, "
                    f"max {max(values) * 1000:.1f} ms, "
                    f"mean {statistics.fmean(values) * 1000:.1f} ms over {len(values)} edits"
                )
    finally:
        if created is not None:  # interrupted: leave nothing behind in their WordPress
            httpx.delete(
                f"{wordpress.env['WORDPRESS_URL']}/wp-json/wp/v2/posts/{created}",
                params={"force": "true"},
                auth=auth,
                timeout=30,
            )
        if wordpress.dev:
            wordpress_dev("webhook", DEFAULT_WEBHOOK)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--posts", type=int, default=2000, help="generated posts in the dev WordPress"
    )
    parser.add_argument("--samples", type=int, default=50, help="edits for the latency figures")
    parser.add_argument(
        "--full-sync-only",
        action="store_true",
        help="skip the webhook latency (it points the dev WordPress's webhook at this run)",
    )
    parser.add_argument(
        "--webhook-port",
        type=int,
        help="port the app listens on for WORDPRESS_URL's webhook (the latency figures)",
    )
    args = parser.parse_args()
    wordpress = target(args.posts)
    where = "the dev WordPress" if wordpress.dev else "WORDPRESS_URL"
    print(f"WordPress: {wordpress.env['WORDPRESS_URL']} ({where})")
    with tempfile.TemporaryDirectory(prefix="atoll-bench-") as tmp:
        bench_full_sync(wordpress, Path(tmp))
        if not args.full_sync_only:
            bench_latency(wordpress, Path(tmp), args.samples, args.webhook_port)


if __name__ == "__main__":
    main()
