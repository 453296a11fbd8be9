"""``POST /api/sync`` on an app without WordPress settings: refused, nothing recorded.

The signed paths (202, 400, 401, 429) run against the real WordPress in tests/wordpress.
"""

from __future__ import annotations

from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import SyncEvent
from db.wordpress.sync import sign


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
