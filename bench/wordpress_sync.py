"""Benchmark the WordPress sync against the real dev WordPress.

    .venv/bin/python bench/wordpress_sync.py [--posts 2000] [--samples 50]

1. Full sync: makes sure WordPress holds ``--posts`` generated posts, copies everything
   into a fresh libSQL file and prints posts/s (a cold run that creates every row, then a
   warm run that finds them all unchanged).
2. Webhook latency: starts the app's backend (``reflex run --backend-only --env prod``)
   with the webhook pointed at it, edits a post through the REST API ``--samples`` times
   and reports p50/p99 of

   * webhook → visible: from the event being recorded (``sync_events.received_at``) to the
     edited post being committed (``posts.synced_at``), both on this machine's clock;
   * edit → visible: from sending the REST edit to the new title being readable in libSQL,
     which adds WordPress's own save time and the plugin's delivery.

The worker invalidates the page cache in the same step as it commits, so "readable in
libSQL" is also when pages show the change.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx

from db.core.engine import dispose_engines
from db.wordpress.client import WordPressClient, WordPressSettings
from db.wordpress.sync import full_sync
from tests.server import AppServer, prepare_database

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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def bench_full_sync(env: dict[str, str], workdir: Path) -> None:
    url = prepare_database(workdir / "full.db", seed=False)
    os.environ["DATABASE_URL"] = url
    dispose_engines()
    settings = WordPressSettings(
        env["WORDPRESS_URL"], env["WORDPRESS_USER"], env["WORDPRESS_APP_PASSWORD"]
    )
    with WordPressClient(settings) as client:
        for label in ("cold (every post created)", "warm (every post unchanged)"):
            report = full_sync(client=client, restart=True)
            rate = report.seen / report.seconds
            print(
                f"full sync, {label}: {report.seen} posts in {report.seconds:.2f}s "
                f"= {rate:.0f} posts/s ({report.pages} pages; created {report.created}, "
                f"unchanged {report.unchanged})"
            )
    dispose_engines()


def bench_latency(env: dict[str, str], workdir: Path, samples: int) -> None:
    path = workdir / "app.db"
    url = prepare_database(path, seed=False)
    server = AppServer.start(
        url,
        workdir / "server.log",
        backend_only=True,
        env=env | {"WORDPRESS_WEBHOOK_RATE_LIMIT": "off", "SYNC_POLL_SECONDS": "5"},
    )
    try:
        wordpress_dev("webhook", f"{server.base_url}/api/sync")
        auth = (env["WORDPRESS_USER"], env["WORDPRESS_APP_PASSWORD"])
        with (
            httpx.Client(
                base_url=f"{env['WORDPRESS_URL']}/wp-json/wp/v2", auth=auth, timeout=30
            ) as wp,
            sqlite3.connect(path, timeout=10) as db,
        ):
            posts = wp.get(
                "/posts", params={"search": "Bulk post", "per_page": samples, "_fields": "id"}
            ).json()
            ids = [p["id"] for p in posts]
            stamp = int(time.time())
            edit_to_visible: list[float] = []
            hook_to_visible: list[float] = []
            for n in range(samples):
                wp_id = ids[n % len(ids)]
                title = f"Bench {stamp}-{n}"
                started = time.perf_counter()
                wp.post(f"/posts/{wp_id}", json={"title": title}).raise_for_status()
                while True:
                    found = db.execute(
                        "SELECT synced_at FROM posts WHERE wp_id = ? AND title = ?", (wp_id, title)
                    ).fetchone()
                    if found:
                        break
                    if time.perf_counter() - started > 30:
                        raise SystemExit(f"post {wp_id} did not become visible within 30s")
                    time.sleep(0.002)
                edit_to_visible.append(time.perf_counter() - started)
                received = db.execute(
                    "SELECT received_at FROM sync_events WHERE wp_post_id = ? "
                    "ORDER BY id DESC LIMIT 1",
                    (wp_id,),
                ).fetchone()[0]
                delta = datetime.fromisoformat(found[0]) - datetime.fromisoformat(received)
                hook_to_visible.append(delta.total_seconds())
        for label, values in (
            ("webhook → visible", hook_to_visible),
            ("edit → visible", edit_to_visible),
        ):
            print(
                f"{label}: p50 {percentile(values, 50) * 1000:.1f} ms, "
                f"p99 {percentile(values, 99) * 1000:.1f} ms, "
                f"mean {statistics.fmean(values) * 1000:.1f} ms over {len(values)} edits"
            )
    finally:
        wordpress_dev("webhook", DEFAULT_WEBHOOK)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000, help="generated posts in WordPress")
    parser.add_argument("--samples", type=int, default=50, help="edits for the latency figures")
    args = parser.parse_args()
    wordpress_dev("start")
    wordpress_dev("bulk", str(args.posts))
    env = credentials()
    with tempfile.TemporaryDirectory(prefix="atoll-bench-") as tmp:
        bench_full_sync(env, Path(tmp))
        bench_latency(env, Path(tmp), args.samples)


if __name__ == "__main__":
    main()
