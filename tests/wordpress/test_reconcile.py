"""Reconciliation against the real WordPress: an edit and a delete whose webhooks never
came are found and fixed, by the server's full-sync lane and by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Post, SyncEvent
from db.wordpress.client import WordPressClient
from db.wordpress.sync import enqueue_reconcile, full_sync
from tests.chromium import browser_context, wait_until_live
from tests.factories import make_user, sign_in
from tests.server import prepare_database, use_database
from tests.waiting import eventually
from tests.wordpress.conftest import ROOT, WordPress

pytestmark = pytest.mark.server

SILENT = r"""<?php
// Edit or delete a post the way an import does: WP_IMPORTING keeps the Atoll plugin quiet,
// so no webhook is sent (as when it is lost). Bootstrapped like wordpress/dev/cli.php.
[$_, $url, $command, $id] = $argv;
$parts = parse_url( $url );
$_SERVER['WORDPRESS_CONFIG'] = 'atoll';
$port = isset( $parts['port'] ) ? ':' . $parts['port'] : '';
$_SERVER['HTTP_HOST']        = $parts['host'] . $port;
$_SERVER['SERVER_NAME']      = $parts['host'];
$_SERVER['SERVER_PORT']      = (string) ( $parts['port'] ?? 80 );
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['REQUEST_METHOD']   = 'GET';
$_SERVER['SERVER_PROTOCOL']  = 'HTTP/1.1';
define( 'WP_IMPORTING', true );
require '/usr/share/wordpress/wp-load.php';
if ( 'retitle' === $command ) {
	$done = wp_update_post( array( 'ID' => (int) $id, 'post_title' => $argv[4] ), true );
	if ( is_wp_error( $done ) ) {
		fwrite( STDERR, $done->get_error_message() );
		exit( 1 );
	}
} elseif ( 'delete' === $command ) {
	if ( ! wp_delete_post( (int) $id, true ) ) {
		exit( 1 );
	}
} else {
	exit( 2 );
}
"""


@pytest.fixture
def silently(wordpress: WordPress, tmp_path: Path):
    """Run the PHP above: ``silently("retitle", id, title)`` or ``silently("delete", id)``."""
    script = tmp_path / "silent.php"
    script.write_text(SILENT)
    assert urlsplit(wordpress.url).hostname == "127.0.0.1"  # the dev WordPress, on this machine

    def run(command: str, wp_id: int, *rest: str) -> None:
        subprocess.run(
            ["php", str(script), wordpress.url, command, str(wp_id), *rest],
            check=True,
            capture_output=True,
            timeout=120,
        )

    return run


def row(wp_id: int) -> Post | None:
    with session_scope() as session:
        return session.exec(select(Post).where(Post.wp_id == wp_id)).first()


def reconciled(event_id: int) -> SyncEvent | None:
    """The reconcile event once the server's full-sync lane has finished it."""
    with session_scope() as session:
        event = session.get(SyncEvent, event_id)
        return event if event is not None and event.status == "done" else None


def reconcile_in_server() -> SyncEvent:
    """Queue a reconciliation as the periodic task does and wait for the server to run it."""
    with session_scope(write=True) as session:
        event_id = enqueue_reconcile(session=session).id
    assert event_id is not None
    return eventually(lambda: reconciled(event_id), timeout=60, every=0.1)


def counts(event: SyncEvent) -> tuple[Any, ...]:
    return (event.source, event.posts_created, event.posts_updated, event.posts_removed)


def test_the_server_reconciles_a_missed_edit_and_a_missed_delete(app_db, wp_post, silently):
    kept = wp_post(title="Reconcile me", content="<p>First version.</p>")
    doomed = wp_post(title="Delete me quietly", content="<p>Soon gone.</p>")
    eventually(lambda: row(kept["id"]) and row(doomed["id"]), timeout=30)  # webhooks arrived
    reconcile_in_server()  # anything else the session's tests left behind is settled first

    silently("retitle", kept["id"], "Reconciled title")
    silently("delete", doomed["id"])
    stale = row(kept["id"])
    assert stale is not None and stale.title == "Reconcile me"  # no webhook came
    assert row(doomed["id"]) is not None

    event = reconcile_in_server()

    fixed = row(kept["id"])
    assert fixed is not None and fixed.title == "Reconciled title"
    assert row(doomed["id"]) is None
    assert counts(event) == ("reconcile", 0, 1, 1)
    assert event.high_water_at is not None and event.high_water_at >= fixed.modified_at

    again = reconcile_in_server()  # nothing changed since: nothing written
    assert counts(again) == ("reconcile", 0, 0, 0)
    unchanged = row(kept["id"])
    assert unchanged is not None and unchanged.model_dump() == fixed.model_dump()


def test_the_cli_reconciles_and_writes_nothing_when_nothing_changed(
    wordpress, wp_post, silently, tmp_path
):
    url = prepare_database(tmp_path / "atoll.db", seed=False)
    kept = wp_post(title="CLI reconcile", content="<p>Before.</p>")
    doomed = wp_post(title="CLI delete", content="<p>Gone soon.</p>")
    with use_database(url), WordPressClient(wordpress.settings) as client:
        full_sync(client=client)
    silently("retitle", kept["id"], "CLI reconciled")
    silently("delete", doomed["id"])
    env = os.environ | wordpress.env() | {"DATABASE_URL": url}
    command = [sys.executable, "-m", "db", "reconcile-wordpress"]

    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    assert first.returncode == 0, first.stderr
    assert "0 created, 1 updated, 1 removed" in first.stdout, first.stdout
    assert second.returncode == 0, second.stderr
    assert "0 created, 0 updated, 0 removed" in second.stdout, second.stdout
    with use_database(url):
        fixed = row(kept["id"])
        assert fixed is not None and fixed.title == "CLI reconciled"
        assert row(doomed["id"]) is None


def test_admin_shows_the_last_reconciliation(app_db, browser, synced_app):
    admin_id = make_user(f"admin-{uuid.uuid4().hex[:8]}@example.com", role="admin")
    with session_scope(write=True) as session:
        session.add(
            SyncEvent(
                source="reconcile",
                status="done",
                processed_at=utcnow() + timedelta(hours=1),  # the newest, whatever ran before
                posts_created=2,
                posts_updated=3,
                posts_removed=1,
            )
        )

    with browser_context(browser, synced_app.base_url, session=sign_in(admin_id)) as context:
        page = context.new_page()
        page.goto("/admin")
        wait_until_live(page)
        page.get_by_role("tab", name="WordPress").click()
        line = page.locator("#sync-reconcile")
        expect(line).to_contain_text("Last reconciliation:")
        expect(line).to_contain_text("2 created, 3 updated, 1 removed")
