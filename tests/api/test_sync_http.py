"""``POST /api/sync``: refused without a secret; signed batches recorded all or nothing.

The plugin's own signed paths (202, 400, 401, 429) run against the real WordPress in
tests/wordpress.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from db.core.engine import session_scope
from db.models import WEBHOOK_BATCH_MAX, SyncEvent
from db.wordpress.sync import sign
from tests.server import AppServer, use_database


def test_without_a_secret_the_webhook_is_503_and_records_nothing(client, server_db):
    body = b'{"post_id": 1, "post_type": "post", "action": "update"}'
    response = client.post(
        "/api/sync", content=body, headers={"X-Atoll-Signature": sign("guess", body)}
    )

    assert response.status_code == 503
    assert response.json() == {
        "error": {
            "code": "SERVICE_UNAVAILABLE",
            "message": "The sync webhook is not configured.",
            "fields": {},
        }
    }
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(SyncEvent)).one() == 0


# --------------------------------------------------------------------------- batches


@pytest.fixture
def signed(
    fuzz_server: AppServer, webhook_secret: str
) -> Iterator[Callable[[Any], httpx.Response]]:
    """POST a signed JSON body to the fuzz app's webhook (it has a secret, no WordPress)."""
    with httpx.Client(base_url=fuzz_server.base_url, timeout=15) as client:

        def post(payload: Any) -> httpx.Response:
            raw = json.dumps(payload).encode()
            return client.post(
                "/api/sync",
                content=raw,
                headers={
                    "Content-Type": "application/json",
                    "X-Atoll-Signature": sign(webhook_secret, raw),
                },
            )

        yield post


def recorded(fuzz_server: AppServer, wp_ids: list[int]) -> list[tuple[int, str, str]]:
    with use_database(fuzz_server.database_url), session_scope() as session:
        rows = session.exec(
            select(SyncEvent)
            .where(col(SyncEvent.wp_post_id).in_(wp_ids))
            .order_by(col(SyncEvent.id))
        ).all()
        return [(row.wp_post_id or 0, row.action, row.status) for row in rows]


def test_a_signed_batch_records_every_event_it_names(signed, fuzz_server):
    base = 900_000 + uuid.uuid4().int % 90_000
    events = [
        {"post_id": base + 1, "post_type": "post", "action": "update"},
        {"post_id": base + 2, "post_type": "post", "action": "delete"},
        {"post_id": base + 3, "action": "update"},
    ]

    response = signed({"events": events})

    assert response.status_code == 202
    ids = response.json()["data"]["ids"]
    assert len(ids) == 3 and response.json()["data"]["status"] == "pending"
    assert recorded(fuzz_server, [base + 1, base + 2, base + 3]) == [
        (base + 1, "update", "pending"),
        (base + 2, "delete", "pending"),
        (base + 3, "update", "pending"),
    ]


@pytest.mark.parametrize(
    "events",
    [
        [],
        [{"post_id": 1, "action": "update"}] * (WEBHOOK_BATCH_MAX + 1),
        [{"post_id": "SLOT", "action": "update"}, {"post_id": 0, "action": "update"}],
        [{"post_id": "SLOT", "action": "update"}, {"post_id": 5, "action": "publish"}],
    ],
    ids=["empty", "too-many", "a-bad-id", "a-bad-action"],
)
def test_a_batch_with_any_bad_event_is_400_and_records_none(signed, fuzz_server, events):
    slot = 800_000 + uuid.uuid4().int % 90_000
    events = [{**e, "post_id": slot} if e["post_id"] == "SLOT" else e for e in events]

    response = signed({"events": events})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert "events" in " ".join(response.json()["error"]["fields"])
    assert recorded(fuzz_server, [slot]) == []
