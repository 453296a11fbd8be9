"""Full sync against the real WordPress: every post once, resumable after ``kill -9``."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, func, select

from db.core.engine import session_scope
from db.models import Author, Post, SyncEvent, Term
from db.wordpress.client import WordPressClient
from db.wordpress.sync import full_sync
from tests.server import prepare_database
from tests.waiting import eventually
from tests.wordpress.conftest import BULK_POSTS, ROOT, WordPress

pytestmark = pytest.mark.server

ACTIVE = re.compile(
    r"<\s*(script|iframe|style|svg)\b|\s(on\w+|style)\s*=|=\s*[\"']?\s*javascript:", re.IGNORECASE
)


def published_total(wordpress: WordPress) -> int:
    response = httpx.get(f"{wordpress.url}/wp-json/wp/v2/posts", params={"per_page": 1}, timeout=30)
    return int(response.headers["X-WP-Total"])


def test_full_sync_copies_every_published_post_once(database, wordpress):
    total = published_total(wordpress)
    assert total >= BULK_POSTS
    seen: list[tuple[int, int]] = []

    with WordPressClient(wordpress.settings) as client:
        report = full_sync(client=client, progress=lambda done, of: seen.append((done, of)))

    assert report.created == total and report.pages == -(-total // 100)
    assert seen[-1] == (total, total)
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Post)).one() == total
        assert session.exec(select(func.count(col(Post.wp_id).distinct()))).one() == total
        assert set(session.exec(select(Post.status)).all()) == {"publish"}
        assert session.exec(select(Post).where(Post.title == "An unfinished draft")).first() is None
        assert session.exec(select(Post).where(Post.slug == "a-private-note")).first() is None
        names = set(session.exec(select(Author.name)).all())
        terms = {(t.taxonomy, t.name) for t in session.exec(select(Term)).all()}
    assert {"Lena Varga", "Tomás Rivera", "admin"} <= names
    assert {("category", "News & Notes"), ("tag", "Reflex & Python")} <= terms

    with WordPressClient(wordpress.settings) as client:
        again = full_sync(client=client)
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, total)


def test_the_hostile_post_is_stored_without_script_iframe_or_handlers(database, wordpress):
    with WordPressClient(wordpress.settings) as client:
        full_sync(client=client)
        raw = httpx.get(
            f"{wordpress.url}/wp-json/wp/v2/posts", params={"slug": "hostile-markup"}, timeout=30
        ).json()[0]
    assert "<script>" in raw["content"]["rendered"] and "onerror" in raw["content"]["rendered"]

    with session_scope() as session:
        post = session.exec(select(Post).where(Post.slug == "hostile-markup")).one()

    for html in (post.content_html, post.excerpt_html):
        assert not ACTIVE.search(html), html
        assert "__atollXss" not in html
    assert 'alt="broken on purpose"' in post.content_html


def _progress(path: Path) -> tuple[int | None, str | None, int]:
    """(checkpoint page, run status, posts stored), read in one transaction."""
    with sqlite3.connect(path, timeout=5) as conn:
        run = conn.execute(
            "SELECT next_page, status FROM sync_events WHERE source = 'full' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    return (run[0], run[1], posts) if run else (None, None, posts)


def test_a_kill_9_mid_sync_and_a_rerun_leave_no_duplicate_and_no_gap(tmp_path, wordpress):
    path = tmp_path / "atoll.db"
    env = os.environ | wordpress.env() | {"DATABASE_URL": prepare_database(path, seed=False)}
    total = published_total(wordpress)
    command = [sys.executable, "-m", "db", "sync-wordpress"]

    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    eventually(
        lambda: first.poll() is not None or (_progress(path)[0] or 0) >= 2,
        timeout=120,
        every=0.005,
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL, "the sync finished before it could be killed"

    page, status, stored = _progress(path)
    assert status == "processing" and page is not None and page >= 2
    # Each page commits with its checkpoint: what is stored is exactly the finished pages.
    assert stored == min((page - 1) * 100, total)

    rerun = subprocess.run(
        command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"resumed at page {page}" in rerun.stdout
    assert f"{total}/{total} posts" in rerun.stderr  # the progress bar reached the end

    with sqlite3.connect(path) as conn:
        count, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT wp_id) FROM posts"
        ).fetchone()
        runs = conn.execute("SELECT status, attempts FROM sync_events").fetchall()
    assert count == distinct == total
    assert runs == [("done", 2)]


def test_posts_deleted_in_wordpress_are_removed_by_the_next_full_sync(database, wordpress, wp_post):
    created = wp_post(title="Short-lived", content="<p>Soon gone.</p>")
    with WordPressClient(wordpress.settings) as client:
        full_sync(client=client)
        with session_scope() as session:
            assert session.exec(select(Post).where(Post.wp_id == created["id"])).first()
        httpx.delete(
            f"{wordpress.url}/wp-json/wp/v2/posts/{created['id']}",
            params={"force": "true"},
            auth=(wordpress.user, wordpress.app_password),
            timeout=30,
        ).raise_for_status()

        report = full_sync(client=client)

    assert report.removed == 1
    with session_scope() as session:
        assert session.exec(select(Post).where(Post.wp_id == created["id"])).first() is None
        assert session.exec(select(SyncEvent).where(SyncEvent.status != "done")).first() is None
