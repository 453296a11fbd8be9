"""Tokens handed out once (session cookies, comment edit tokens, newsletter links): the
database keeps only their SHA-256 digests, so a leaked table opens no session and no link,
and the stored form never changes under rows already written."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import SQLModel, select

from db.accounts import current_user
from db.comments import NOT_YOURS
from db.core.actions import run_action
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import AccountSession, Comment, Subscriber
from db.newsletter import CONFIRM_INVALID, UNSUBSCRIBE_INVALID
from tests.factories import (
    comment_payload,
    make_post,
    make_user,
    sign_in,
    subscriber_payload,
    visitor_ctx,
)

# A token and its SHA-256 hex digest, as rows written by every earlier release hold them.
KNOWN_TOKEN = "tidal-lagoon-token-0123456789abcdefghijklmnopqrs"
KNOWN_DIGEST = "e5a3f53a54d77ae9e621c3674ca3d87a0bb046e7bdd3862e92518e7894fa3283"


def everything_stored() -> str:
    """Every value of every row of every table, as one string to search."""
    with session_scope() as session:
        return "\n".join(
            repr(tuple(row))
            for table in SQLModel.metadata.sorted_tables
            for row in session.execute(text(f"SELECT * FROM {table.name}")).all()
        )


def test_a_session_token_is_not_stored_and_its_digest_opens_no_session(database):
    user_id = make_user()
    token = sign_in(user_id)
    with session_scope() as session:
        [digest] = session.exec(select(AccountSession.token_hash)).all()
    stored = everything_stored()
    assert digest in stored and token not in stored  # the search does see token columns
    assert current_user(digest) is None  # the leaked column, presented as a cookie
    user = current_user(token)
    assert user is not None and user.id == user_id


def test_an_edit_token_is_not_stored_and_its_digest_edits_nothing(database):
    make_post()
    created = run_action("comments.create", comment_payload(), visitor_ctx()).data
    cid, token = created["comment"]["id"], created["edit_token"]
    with session_scope() as session:
        digest = session.exec(select(Comment.edit_token_hash)).one()
    stored = everything_stored()
    assert digest is not None and digest in stored and token not in stored
    stolen = run_action(
        "comments.update", {"id": cid, "content": "Defaced", "edit_token": digest}, visitor_ctx()
    )
    assert stolen.envelope() == {"error": {"code": "FORBIDDEN", "message": NOT_YOURS, "fields": {}}}
    owned = run_action(
        "comments.update", {"id": cid, "content": "Mine", "edit_token": token}, visitor_ctx()
    )
    assert owned.ok


def test_newsletter_link_digests_confirm_and_unsubscribe_nothing(database):
    run_action("newsletter.subscribe", subscriber_payload(), visitor_ctx())
    with session_scope() as session:
        [row] = session.exec(select(Subscriber)).all()
    for name, digest, invalid in [
        ("newsletter.confirm", row.confirm_token_hash, CONFIRM_INVALID),
        ("newsletter.unsubscribe", row.unsubscribe_token_hash, UNSUBSCRIBE_INVALID),
    ]:
        result = run_action(name, {"token": digest}, visitor_ctx())
        assert result.envelope() == {
            "error": {"code": "NOT_FOUND", "message": invalid, "fields": {}}
        }
    with session_scope() as session:
        assert session.exec(select(Subscriber.status)).all() == ["pending"]


def test_a_session_stored_by_an_earlier_release_still_signs_in(database):
    # Changing the stored form would sign everyone out and break every emailed link.
    user_id = make_user()
    with session_scope(write=True) as session:
        session.add(
            AccountSession(
                token_hash=KNOWN_DIGEST,
                user_id=user_id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    user = current_user(KNOWN_TOKEN)
    assert user is not None and user.id == user_id
