"""``POST /api/sync`` on the running app, fed by the real plugin in the real WordPress."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Post, SyncEvent
from db.wordpress.client import WordPressClient
from db.wordpress.sync import apply_post, enqueue_full_sync, sign
from db.wordpress.transform import transform
from tests.server import AppServer
from tests.waiting import eventually
from tests.wordpress.conftest import BULK_POSTS, ROOT, SCRIPT, WordPress

pytestmark = pytest.mark.server

UNAUTHORIZED = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "The request signature is missing or wrong.",
        "fields": {},
    }
}


def body(wp_id: int, action: str = "update", post_type: str = "post") -> bytes:
    return json.dumps({"post_id": wp_id, "post_type": post_type, "action": action}).encode()


def deliver(app: httpx.Client, secret: str, payload: bytes) -> httpx.Response:
    return app.post(
        "/api/sync",
        content=payload,
        headers={"Content-Type": "application/json", "X-Atoll-Signature": sign(secret, payload)},
    )


def event_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(SyncEvent)).one()


def events_for(wp_id: int) -> list[SyncEvent]:
    with session_scope() as session:
        return list(
            session.exec(
                select(SyncEvent).where(SyncEvent.wp_post_id == wp_id).order_by(col(SyncEvent.id))
            ).all()
        )


def stored(wp_id: int) -> Post | None:
    with session_scope() as session:
        return session.exec(select(Post).where(Post.wp_id == wp_id)).first()


def processed(event_id: int) -> SyncEvent:
    def check() -> SyncEvent | None:
        with session_scope() as session:
            event = session.get(SyncEvent, event_id)
        return event if event is not None and event.status == "done" else None

    return eventually(check)


def row(post: Post | None) -> dict[str, Any]:
    assert post is not None
    return post.model_dump()


def past_the_second_of(moment: datetime) -> None:
    """Wait until the clock (WordPress runs on this machine) has left ``moment``'s second.

    ``modified_gmt`` has one-second resolution: an edit within the same second would look
    no newer than the copy before it, and the sync rightly keeps the first.
    """
    eventually(lambda: utcnow() >= moment.replace(microsecond=0) + timedelta(seconds=1))


def notifications_so_far_delivered(wp_post: Callable[..., dict[str, Any]]) -> None:
    """Return once every notification of the WordPress requests made so far has arrived.

    The plugin sends a request's notifications at its shutdown, in order, before the next
    request made here starts; so once a post created now has its event recorded, nothing
    from the earlier requests is still on its way. Waiting for this marker, instead of
    pausing, is what lets a test say "no other notification came".
    """
    marker = wp_post(title="Delivery marker", content="<p>marker</p>")["id"]
    eventually(lambda: events_for(marker))


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Atoll-Signature": "sha256=" + "0" * 64},
        {"X-Atoll-Signature": "garbage"},
        {"X-Atoll-Signature": "SIGNED-WITH-ANOTHER-SECRET"},
    ],
    ids=["missing", "wrong", "malformed", "other-secret"],
)
def test_a_missing_or_wrong_signature_is_401_and_records_nothing(app, app_db, headers):
    payload = body(1)
    if headers.get("X-Atoll-Signature") == "SIGNED-WITH-ANOTHER-SECRET":
        headers = {"X-Atoll-Signature": sign("not-the-secret", payload)}
    before = event_count()

    response = app.post(
        "/api/sync", content=payload, headers={"Content-Type": "application/json"} | headers
    )

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert event_count() == before


def test_a_signature_over_other_bytes_is_refused(app, app_db, wordpress):
    signed = sign(wordpress.webhook_secret, body(1))
    response = app.post("/api/sync", content=body(2), headers={"X-Atoll-Signature": signed})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (b"{not json", {"__root__": ["The body is not valid JSON."]}),
        (b"[]", {"__root__": ["Expected an object of fields."]}),
        (
            json.dumps({"post_type": "post"}).encode(),
            {"post_id": ["Post id is required."], "action": ["Action is required."]},
        ),
        (
            json.dumps({"post_id": 0, "post_type": "", "action": "publish"}).encode(),
            {
                "post_id": ["Post id must be between 1 and 9223372036854775807."],
                "post_type": ["Post type is required."],
                "action": ["Action is invalid."],
            },
        ),
    ],
    ids=["not-json", "not-object", "missing", "invalid"],
)
def test_a_signed_but_malformed_body_is_400_and_records_nothing(
    app, app_db, wordpress, payload, fields
):
    before = event_count()
    response = deliver(app, wordpress.webhook_secret, payload)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": "Please correct the highlighted fields.",
            "fields": fields,
        }
    }
    assert event_count() == before


def test_more_than_60_unsigned_requests_a_minute_are_429_but_a_signed_one_still_lands(
    synced_app: AppServer, app_db, wordpress: WordPress
):
    # From 127.0.0.2 (still loopback), so the plugin's webhooks from 127.0.0.1 are not limited.
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=synced_app.base_url, transport=transport, timeout=15) as other:
        codes = [other.post("/api/sync", content=body(1)).status_code for _ in range(60)]
        limited = other.post("/api/sync", content=body(1))
        signed = deliver(other, wordpress.webhook_secret, body(1))

    assert codes == [401] * 60
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert signed.status_code == 202


# --------------------------------------------------------------------------- the plugin


def test_a_post_created_and_edited_in_wordpress_reaches_the_database(app_db, wp_admin, wp_post):
    created = wp_post(title="Written in WordPress", content="<p>First words.</p>")
    wp_id = created["id"]

    first = eventually(lambda: stored(wp_id))
    assert (first.title, first.slug, first.content_html) == (
        "Written in WordPress",
        created["slug"],
        "<p>First words.</p>",
    )

    past_the_second_of(first.modified_at)
    wp_admin.post(
        f"/posts/{wp_id}",
        json={"title": "Rewritten &amp; improved", "content": "<p>Second words.</p>"},
    ).raise_for_status()

    updated = eventually(lambda: (p := stored(wp_id)) and p.title == "Rewritten & improved" and p)
    assert updated.content_html == "<p>Second words.</p>"
    assert updated.modified_at > first.modified_at


def test_a_slug_renamed_in_wordpress_answers_301_from_the_old_link(app, app_db, wp_admin, wp_post):
    created = wp_post(title="Soon renamed", content="<p>Words.</p>")
    wp_id, old = created["id"], created["slug"]
    first = eventually(lambda: stored(wp_id))
    assert app.get(f"/blog/{old}").status_code == 200

    past_the_second_of(first.modified_at)
    wp_admin.post(f"/posts/{wp_id}", json={"slug": f"{old}-renamed"}).raise_for_status()
    eventually(lambda: (p := stored(wp_id)) and p.slug == f"{old}-renamed")

    moved = app.get(f"/blog/{old}")
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/blog/{old}-renamed"
    assert app.get(f"/blog/{old}", follow_redirects=True).status_code == 200


def bulk_titles(mark: str) -> int:
    """How many of the app's bulk posts carry ``mark`` in their title."""
    with session_scope() as session:
        return session.exec(
            select(func.count())
            .select_from(Post)
            .where(col(Post.slug).startswith("bulk-post-"), col(Post.title).endswith(mark))
        ).one()


def test_a_bulk_edit_of_300_posts_is_all_visible_within_10_seconds(app_db):
    mark = f"edited-{utcnow():%H%M%S%f}"

    # One PHP process retitles 300 posts, as WordPress's bulk edit does in one request; the
    # plugin sends them in batches of 100 and the worker fetches each batch's posts at once.
    subprocess.run(
        [str(SCRIPT), "bulk-edit", str(BULK_POSTS), mark], cwd=ROOT, check=True, timeout=120
    )

    eventually(lambda: bulk_titles(mark) == BULK_POSTS, timeout=10)


def test_an_edit_during_a_full_sync_does_not_wait_for_it(app_db, wp_admin, wp_post):
    """The edit lands while the run is still going, or (a run of a few hundred posts can end
    within a second on a quiet machine) within a second of being saved: never only after a
    run that outlasts it."""
    wp_id = wp_post(title="Edited mid-sync", content="<p>a</p>")["id"]
    first = eventually(lambda: stored(wp_id))
    with session_scope(write=True) as session:
        run_id = enqueue_full_sync(session=session).id

    def run_status() -> str:
        with session_scope() as session:
            run = session.get(SyncEvent, run_id)
            assert run is not None
            return run.status

    eventually(lambda: run_status() == "processing", timeout=15)
    past_the_second_of(first.modified_at)
    saved = time.monotonic()
    wp_admin.post(f"/posts/{wp_id}", json={"title": "Edited while syncing"}).raise_for_status()

    eventually(lambda: (p := stored(wp_id)) and p.title == "Edited while syncing", timeout=5)
    visible_after = time.monotonic() - saved
    assert run_status() == "processing" or visible_after < 1.0, visible_after
    eventually(lambda: run_status() == "done", timeout=120)


def test_one_save_sends_one_webhook_and_autosaves_send_none(app_db, wp_admin, wp_post):
    wp_id = wp_post(title="Counted", content="<p>a</p>")["id"]
    eventually(lambda: stored(wp_id))
    before = len(events_for(wp_id))

    # The save also writes a revision (skipped); the plugin queues one notification per post.
    wp_admin.post(f"/posts/{wp_id}", json={"content": "<p>b</p>"}).raise_for_status()
    eventually(lambda: len(events_for(wp_id)) > before)
    notifications_so_far_delivered(wp_post)
    assert len(events_for(wp_id)) == before + 1

    wp_admin.post(f"/posts/{wp_id}/autosaves", json={"content": "<p>c</p>"}).raise_for_status()
    notifications_so_far_delivered(wp_post)
    assert len(events_for(wp_id)) == before + 1
    assert all(e.post_type == "post" for e in events_for(wp_id))


def test_trashing_in_wordpress_removes_the_post(app_db, wp_admin, wp_post):
    wp_id = wp_post(title="Trash me", content="<p>bye</p>")["id"]
    eventually(lambda: stored(wp_id))

    wp_admin.delete(f"/posts/{wp_id}").raise_for_status()  # a plain DELETE trashes

    eventually(lambda: stored(wp_id) is None)
    assert events_for(wp_id)[-1].action == "delete"


def test_unpublishing_in_wordpress_removes_the_post(app_db, wp_admin, wp_post):
    wp_id = wp_post(title="Back to draft", content="<p>not yet</p>")["id"]
    eventually(lambda: stored(wp_id))

    wp_admin.post(f"/posts/{wp_id}", json={"status": "draft"}).raise_for_status()

    eventually(lambda: stored(wp_id) is None)


def test_a_replayed_event_changes_nothing(app, app_db, wordpress, wp_post):
    wp_id = wp_post(title="Replayed", content="<p>once</p>")["id"]
    eventually(lambda: stored(wp_id) and events_for(wp_id)[-1].status == "done")
    before = row(stored(wp_id))

    for _ in range(3):
        response = deliver(app, wordpress.webhook_secret, body(wp_id))
        assert response.status_code == 202
        assert response.json()["data"]["status"] == "pending"
        processed(response.json()["data"]["id"])

    assert row(stored(wp_id)) == before  # synced_at included: not even rewritten


def test_an_out_of_order_delete_for_a_published_post_changes_nothing(
    app, app_db, wordpress, wp_post
):
    wp_id = wp_post(title="Still here", content="<p>published</p>")["id"]
    eventually(lambda: stored(wp_id) and events_for(wp_id)[-1].status == "done")
    before = row(stored(wp_id))

    response = deliver(app, wordpress.webhook_secret, body(wp_id, "delete"))

    assert response.status_code == 202
    processed(response.json()["data"]["id"])
    assert row(stored(wp_id)) == before


def test_an_older_copy_applied_after_a_newer_one_changes_nothing(
    app_db, wordpress: WordPress, wp_admin, wp_post
):
    wp_id = wp_post(title="Version one", content="<p>1</p>")["id"]
    first = eventually(lambda: stored(wp_id))
    with WordPressClient(wordpress.settings) as client:
        old_copy = client.get_post(wp_id)
    past_the_second_of(first.modified_at)
    wp_admin.post(f"/posts/{wp_id}", json={"title": "Version two"}).raise_for_status()
    eventually(lambda: (p := stored(wp_id)) and p.title == "Version two")
    before = row(stored(wp_id))

    assert old_copy is not None
    with session_scope(write=True) as session:
        change = apply_post(session=session, item=transform(old_copy))

    assert change.outcome == "unchanged"
    assert row(stored(wp_id)) == before


def test_an_event_for_another_post_type_is_acknowledged_and_ignored(app, app_db, wordpress):
    before = event_count()
    response = deliver(app, wordpress.webhook_secret, body(424242, post_type="page"))
    assert response.status_code == 202
    event = processed(response.json()["data"]["id"])
    assert (event.post_type, event.attempts, event.last_error) == ("page", 1, None)
    assert event_count() == before + 1
