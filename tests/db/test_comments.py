"""Comments on a real libSQL file: rules, duplicates, ownership, soft delete, paging, races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from db.comments import comment_pages, list_comments, readable_comments
from db.core.actions import ActionContext, run_action
from db.core.engine import session_scope
from db.core.tokens import token_hash
from db.models import Comment, Post, User
from tests.factories import comment_payload, make_post, make_user, user_ctx, visitor_ctx
from tests.threads import at_once

INVALID = "Please correct the highlighted fields."
NOT_FOUND = {"error": {"code": "NOT_FOUND", "message": "Comment not found.", "fields": {}}}
NOT_YOURS = {
    "error": {
        "code": "FORBIDDEN",
        "message": "You can only change your own comments.",
        "fields": {},
    }
}
EXPIRED = {"error": {"code": "GONE", "message": "This edit link has expired.", "fields": {}}}
PUBLIC_KEYS = {"id", "post_slug", "author_name", "content", "created_at", "edited"}
DROP = object()
"""In a rule's change: leave this key out of the payload altogether."""


def rule_payload(
    action: str, change: dict[str, Any], *, post_slug: str, comment_id: int, token: str
) -> dict[str, Any]:
    """A valid input for ``action`` (on a real comment) with ``change`` applied."""
    base: dict[str, Any] = {
        "comments.create": comment_payload(post_slug=post_slug, content="A brand new comment"),
        "comments.update": {"id": comment_id, "content": "Edited text", "edit_token": token},
        "comments.delete": {"id": comment_id, "edit_token": token},
    }[action]
    merged = base | change
    return {k: v for k, v in merged.items() if v is not DROP}


# Every field rule of comments.create/update/delete with its exact message. Each change is
# applied to a payload that would otherwise succeed; the HTTP tests reuse this table.
COMMENT_RULES: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    ("comments.create", {"author": "A"}, {"author": ["Name must be at least 2 characters."]}),
    ("comments.create", {"author": "   "}, {"author": ["Name is required."]}),
    ("comments.create", {"author": "x" * 81}, {"author": ["Name must be at most 80 characters."]}),
    ("comments.create", {"author": DROP}, {"author": ["Name is required."]}),
    ("comments.create", {"content": ""}, {"content": ["Comment is required."]}),
    ("comments.create", {"content": " \n "}, {"content": ["Comment is required."]}),
    (
        "comments.create",
        {"content": "x" * 5001},
        {"content": ["Comment must be at most 5000 characters."]},
    ),
    ("comments.create", {"content": DROP}, {"content": ["Comment is required."]}),
    (
        "comments.create",
        {"website": "http://spam.example"},
        {"website": ["Leave this field empty."]},
    ),
    ("comments.create", {"post_slug": ""}, {"post_slug": ["Post is required."]}),
    ("comments.create", {"post_slug": DROP}, {"post_slug": ["Post is required."]}),
    (
        "comments.create",
        {"post_slug": "x" * 201},
        {"post_slug": ["Post must be at most 200 characters."]},
    ),
    (
        "comments.create",
        {"author": "A", "content": "", "website": "x"},
        {
            "author": ["Name must be at least 2 characters."],
            "content": ["Comment is required."],
            "website": ["Leave this field empty."],
        },
    ),
    ("comments.update", {"content": ""}, {"content": ["Comment is required."]}),
    ("comments.update", {"content": "   "}, {"content": ["Comment is required."]}),
    (
        "comments.update",
        {"content": "x" * 5001},
        {"content": ["Comment must be at most 5000 characters."]},
    ),
    ("comments.update", {"content": DROP}, {"content": ["Comment is required."]}),
    ("comments.update", {"id": DROP}, {"id": ["Comment id is required."]}),
    ("comments.update", {"id": "abc"}, {"id": ["Comment id must be a whole number."]}),
    ("comments.update", {"id": 1.5}, {"id": ["Comment id must be a whole number."]}),
    (
        "comments.update",
        {"id": 0},
        {"id": ["Comment id must be between 1 and 9223372036854775807."]},
    ),
    (
        "comments.update",
        {"id": 2**63},
        {"id": ["Comment id must be between 1 and 9223372036854775807."]},
    ),
    (
        "comments.update",
        {"edit_token": "t" * 129},
        {"edit_token": ["Edit token must be at most 128 characters."]},
    ),
    (
        "comments.update",
        {"id": "abc", "content": ""},
        {
            "id": ["Comment id must be a whole number."],
            "content": ["Comment is required."],
        },
    ),
    ("comments.delete", {"id": DROP}, {"id": ["Comment id is required."]}),
    ("comments.delete", {"id": "abc"}, {"id": ["Comment id must be a whole number."]}),
    (
        "comments.delete",
        {"id": -3},
        {"id": ["Comment id must be between 1 and 9223372036854775807."]},
    ),
    (
        "comments.delete",
        {"edit_token": "t" * 129},
        {"edit_token": ["Edit token must be at most 128 characters."]},
    ),
]


def create(ctx: ActionContext | None = None, **changes: Any):
    return run_action("comments.create", comment_payload(**changes), ctx or visitor_ctx())


def row(comment_id: int) -> Comment:
    with session_scope() as session:
        found = session.get(Comment, comment_id)
        assert found is not None
        return found


def stored(**where: Any) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(Comment)
        for name, value in where.items():
            query = query.where(getattr(Comment, name) == value)
        return session.exec(query).one()


def set_columns(comment_id: int, **values: Any) -> None:
    """Change a row behind the domain's back (simulating time passing or moderation)."""
    with session_scope(write=True) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        for name, value in values.items():
            setattr(comment, name, value)
        session.add(comment)


def page_of(slug: str = "hello-world", page: int | None = 1):
    with session_scope() as session:
        return list_comments(session, slug, page=page)


def test_create_stores_the_comment_and_hands_out_a_token_once(database):
    make_post()
    ctx = visitor_ctx()
    result = create(ctx, author="  Ada  ", content=" Nice!\n")
    assert result.ok
    data = result.data
    assert set(data) == {"comment", "edit_token", "edit_token_expires_at"}
    assert set(data["comment"]) == PUBLIC_KEYS
    assert data["comment"]["author_name"] == "Ada"
    assert data["comment"]["content"] == "Nice!"
    assert data["comment"]["edited"] is False
    assert data["comment"]["created_at"].endswith("Z")
    comment = row(data["comment"]["id"])
    token = data["edit_token"]
    assert len(token) >= 40
    assert comment.edit_token_hash == token_hash(token) != token
    assert comment.visitor_id == ctx.visitor_id
    assert comment.user_id is None
    assert comment.edit_token_expires_at is not None
    assert comment.edit_token_expires_at - comment.created_at == timedelta(hours=24)
    assert data["edit_token_expires_at"] == comment.edit_token_expires_at.isoformat().replace(
        "+00:00", "Z"
    )


@pytest.mark.parametrize(("action", "change", "fields"), COMMENT_RULES)
def test_each_rule_has_an_exact_message_and_changes_nothing(database, action, change, fields):
    make_post()
    first = create().data
    cid, token = first["comment"]["id"], first["edit_token"]
    before = (stored(), row(cid).model_dump())
    payload = rule_payload(action, change, post_slug="hello-world", comment_id=cid, token=token)
    result = run_action(action, payload, visitor_ctx())
    assert result.status == 400
    assert result.envelope() == {
        "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": fields}
    }
    assert (stored(), row(cid).model_dump()) == before


def test_the_rule_table_bases_are_valid(database):
    """Without the one bad change each rule's payload succeeds, so every rule can fail."""
    make_post()
    for action in ("comments.update", "comments.delete", "comments.create"):
        first = create(content=f"base for {action}").data
        payload = rule_payload(
            action,
            {},
            post_slug="hello-world",
            comment_id=first["comment"]["id"],
            token=first["edit_token"],
        )
        assert run_action(action, payload, visitor_ctx()).ok, action


def test_missing_everything_lists_every_field(database):
    create_error = run_action("comments.create", {}, visitor_ctx()).error
    assert create_error is not None and create_error.fields == {
        "post_slug": ["Post is required."],
        "author": ["Name is required."],
        "content": ["Comment is required."],
    }
    update_error = run_action("comments.update", {}, visitor_ctx()).error
    assert update_error is not None and update_error.fields == {
        "id": ["Comment id is required."],
        "content": ["Comment is required."],
    }
    delete_error = run_action("comments.delete", {}, visitor_ctx()).error
    assert delete_error is not None and delete_error.fields == {
        "id": ["Comment id is required."],
    }


def test_unknown_or_unpublished_post_is_not_found_and_stores_nothing(database):
    make_post("draft-post", status="draft")
    for slug in ("no-such-post", "draft-post"):
        result = create(post_slug=slug)
        assert result.status == 404
        assert result.envelope() == {
            "error": {
                "code": "NOT_FOUND",
                "message": "Post not found.",
                "fields": {"post_slug": ["Post not found."]},
            }
        }
    assert stored() == 0


def test_html_is_stored_and_returned_verbatim(database):
    make_post()
    html = "<b>bold</b><script>window.__pwned=1</script> &amp; <a href='x'>x</a>"
    result = create(content=html)
    assert result.data["comment"]["content"] == html
    assert row(result.data["comment"]["id"]).content == html
    assert page_of().items[0].content == html


def test_the_same_comment_within_a_minute_returns_the_first_one(database):
    make_post()
    make_post("other-post")
    ctx = visitor_ctx()
    first = create(ctx).data
    again = create(ctx).data
    assert again["comment"] == first["comment"]
    assert again["edit_token"] is None and again["edit_token_expires_at"] is None
    assert stored() == 1
    # The first answer's token is still the valid one.
    assert run_action(
        "comments.update",
        {"id": first["comment"]["id"], "content": "Still mine", "edit_token": first["edit_token"]},
        visitor_ctx(),
    ).ok
    # Different text, another post, or another browser: new comments.
    create(ctx, content="Something else")
    create(ctx, post_slug="other-post")
    create(visitor_ctx())
    assert stored() == 4


def test_the_same_comment_after_a_minute_is_a_new_comment(database):
    make_post()
    ctx = visitor_ctx()
    first = create(ctx).data["comment"]
    set_columns(first["id"], created_at=datetime.now(UTC) - timedelta(seconds=59))
    assert create(ctx).data["comment"]["id"] == first["id"]
    set_columns(first["id"], created_at=datetime.now(UTC) - timedelta(seconds=61))
    second = create(ctx).data
    assert second["comment"]["id"] != first["id"]
    assert second["edit_token"]
    assert stored() == 2


def test_a_deleted_comment_does_not_swallow_its_repost(database):
    make_post()
    ctx = visitor_ctx()
    first = create(ctx).data
    assert run_action(
        "comments.delete", {"id": first["comment"]["id"], "edit_token": first["edit_token"]}, ctx
    ).ok
    again = create(ctx).data
    assert again["comment"]["id"] != first["comment"]["id"]
    assert page_of().total == 1


def test_concurrent_duplicate_submits_store_one_row_and_one_token(database):
    make_post()
    ctx = visitor_ctx()
    results: list[Any] = []
    at_once(20, lambda _: results.append(create(ctx, content="Double-clicked")))

    assert all(r.ok for r in results), [r.envelope() for r in results if not r.ok]
    assert len({r.data["comment"]["id"] for r in results}) == 1
    assert sum(1 for r in results if r.data["edit_token"]) == 1
    assert stored(content="Double-clicked") == 1


@pytest.mark.parametrize("action", ["comments.update", "comments.delete"])
def test_not_found_comes_before_forbidden(database, action):
    make_post()
    mine = create().data
    cid, token = mine["comment"]["id"], mine["edit_token"]

    def attempt(comment_id: int, edit_token: str | None):
        payload = {"id": comment_id, "content": "Hijacked", "edit_token": edit_token}
        return run_action(action, payload, visitor_ctx()).envelope()

    assert attempt(cid + 1000, "wrong-token") == NOT_FOUND
    assert attempt(cid + 1000, token) == NOT_FOUND
    assert attempt(cid, "wrong-token") == NOT_YOURS
    assert attempt(cid, None) == NOT_YOURS
    assert attempt(cid, "") == NOT_YOURS
    set_columns(cid, edit_token_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert attempt(cid, "wrong-token") == NOT_YOURS  # a stranger is not told about expiry
    assert attempt(cid, token) == EXPIRED
    comment = row(cid)
    assert (comment.content, comment.is_removed, comment.updated_at) == ("Great post!", False, None)
    set_columns(cid, edit_token_expires_at=datetime.now(UTC) + timedelta(hours=1), is_removed=True)
    assert attempt(cid, token) == NOT_FOUND  # removed comments are gone for their author too


def test_edit_changes_the_text_and_marks_it_edited(database):
    make_post()
    mine = create().data
    cid, token = mine["comment"]["id"], mine["edit_token"]
    same = run_action(
        "comments.update", {"id": cid, "content": "Great post!", "edit_token": token}, visitor_ctx()
    )
    assert same.data["edited"] is False and row(cid).updated_at is None
    result = run_action(
        "comments.update",
        {"id": cid, "content": " <i>Better</i> ", "edit_token": token},
        visitor_ctx(),
    )
    assert result.ok
    assert set(result.data) == PUBLIC_KEYS
    assert (result.data["content"], result.data["edited"]) == ("<i>Better</i>", True)
    assert row(cid).updated_at is not None
    listed = page_of().items[0]
    assert (listed.content, listed.edited) == ("<i>Better</i>", True)


def test_soft_delete_hides_the_comment_but_keeps_the_row(database):
    make_post()
    keep = create(content="Keep me").data
    gone = create(content="Delete me").data
    result = run_action(
        "comments.delete",
        {"id": gone["comment"]["id"], "edit_token": gone["edit_token"]},
        visitor_ctx(),
    )
    assert result.envelope() == {"data": {"id": gone["comment"]["id"], "post_slug": "hello-world"}}
    assert row(gone["comment"]["id"]).is_removed is True
    assert stored() == 2
    listing = page_of()
    assert [c.id for c in listing.items] == [keep["comment"]["id"]]
    assert listing.total == 1
    again = run_action(
        "comments.delete",
        {"id": gone["comment"]["id"], "edit_token": gone["edit_token"]},
        visitor_ctx(),
    )
    assert again.envelope() == NOT_FOUND


def test_signed_in_authors_own_their_comments_by_user_id(database):
    make_post()
    with session_scope(write=True) as session:
        users = [
            User(email=f"u{i}@example.com", display_name=f"User {i}", password_hash="x")
            for i in (1, 2)
        ]
        session.add_all(users)
        session.flush()
        owner_id, other_id = (u.id for u in users)
    owner = visitor_ctx(user_id=owner_id)
    created = create(owner).data
    assert created["edit_token"] is None
    cid = created["comment"]["id"]
    assert row(cid).user_id == owner_id and row(cid).edit_token_hash is None
    # The account, not the browser, is the author: dedupe follows the user id.
    assert create(visitor_ctx(user_id=owner_id)).data["comment"]["id"] == cid
    assert create(visitor_ctx(user_id=other_id)).data["comment"]["id"] != cid
    payload = {"id": cid, "content": "Changed"}
    assert (
        run_action("comments.update", payload, visitor_ctx(user_id=other_id)).envelope()
        == NOT_YOURS
    )
    assert (
        run_action("comments.update", payload | {"edit_token": "guess"}, visitor_ctx()).envelope()
        == NOT_YOURS
    )
    assert run_action("comments.update", payload, owner).data["content"] == "Changed"
    assert run_action("comments.delete", {"id": cid}, visitor_ctx(user_id=owner_id)).ok


def test_pages_are_oldest_first_twenty_each_and_hide_moderated(database):
    make_post()
    make_post("other-post")
    ids = [create(content=f"Comment {i:02d}").data["comment"]["id"] for i in range(45)]
    create(post_slug="other-post")
    set_columns(ids[3], is_public=False)
    listing = page_of()
    assert (listing.page, listing.pages, listing.total) == (1, 3, 44)
    assert [c.content for c in listing.items][:4] == [
        "Comment 00",
        "Comment 01",
        "Comment 02",
        "Comment 04",
    ]
    assert len(listing.items) == 20
    assert [c.content for c in page_of(page=3).items] == [
        "Comment 41",
        "Comment 42",
        "Comment 43",
        "Comment 44",
    ]
    assert page_of(page=99) == page_of(page=3) == page_of(page=None)
    assert page_of(page=0) == listing
    with session_scope() as session:
        assert comment_pages(session, "hello-world") == [page_of(page=n) for n in (1, 2, 3)]
        assert comment_pages(session, "nothing-here") == [list_comments(session, "nothing-here")]
    assert page_of("nothing-here").model_dump() == {"items": [], "page": 1, "pages": 1, "total": 0}


def test_same_second_comments_keep_insertion_order(database):
    make_post()
    ids = [create(content=f"Tie {i}").data["comment"]["id"] for i in range(3)]
    same = datetime(2026, 1, 1, tzinfo=UTC)
    for cid in ids:
        set_columns(cid, created_at=same)
    assert [c.id for c in page_of().items] == ids


def test_list_action_answers_not_found_and_field_errors(database):
    make_post()
    create()
    ok = run_action("comments.list", {"post_slug": "hello-world", "page": "1"}, visitor_ctx())
    assert ok.data["total"] == 1 and set(ok.data["items"][0]) == PUBLIC_KEYS
    missing = {
        "error": {
            "code": "NOT_FOUND",
            "message": "Post not found.",
            "fields": {"post_slug": ["Post not found."]},
        }
    }
    assert run_action("comments.list", {}, visitor_ctx()).envelope() == missing
    assert run_action("comments.list", {"post_slug": "nope"}, visitor_ctx()).envelope() == missing
    for page, message in (
        ("x", "Page must be a whole number."),
        ("0", "Page must be between 1 and 1000000."),
    ):
        result = run_action(
            "comments.list", {"post_slug": "hello-world", "page": page}, visitor_ctx()
        )
        assert result.envelope() == {
            "error": {"code": "BAD_REQUEST", "message": INVALID, "fields": {"page": [message]}}
        }


def test_twenty_threads_commenting_at_once_leave_exact_rows_and_totals(database):
    """20 visitors post 5 comments each at once, and resubmit one of them: 100 rows."""
    make_post()
    visitors = [visitor_ctx() for _ in range(20)]
    failures: list[object] = []

    def worker(index: int) -> None:
        ctx = visitors[index]
        for n in range(5):
            result = create(ctx, author=f"Visitor {index:02d}", content=f"Comment {n} from {index}")
            if not result.ok:
                failures.append(result.envelope())
        duplicate = create(ctx, author=f"Visitor {index:02d}", content=f"Comment 0 from {index}")
        if not duplicate.ok or duplicate.data["edit_token"] is not None:
            failures.append(duplicate.envelope())

    at_once(len(visitors), worker)

    assert failures == []
    assert stored() == 100
    with session_scope() as session:
        pages = comment_pages(session, "hello-world")
        by_visitor = session.exec(
            select(Comment.visitor_id, func.count()).group_by(Comment.visitor_id)
        ).all()
    assert dict(by_visitor) == {v.visitor_id: 5 for v in visitors}
    assert [len(p.items) for p in pages] == [20] * 5
    assert {p.total for p in pages} == {100}
    contents = [c.content for p in pages for c in p.items]
    assert sorted(contents) == sorted(f"Comment {n} from {i}" for i in range(20) for n in range(5))
    for i in range(20):  # each visitor's own comments stay in the order they were posted
        mine = [c for c in contents if c.endswith(f"from {i}")]
        assert mine == [f"Comment {n} from {i}" for n in range(5)]


def test_a_signed_in_authors_comment_carries_the_account_name_and_is_theirs_anywhere(database):
    from db.comments import owned_by_user
    from tests.factories import make_user, user_ctx

    make_post()
    author = make_user("writer@example.com", display_name="Account Name")
    stranger = make_user("other@example.com")
    created = run_action("comments.create", comment_payload(author="Typed Name"), user_ctx(author))
    assert created.data["comment"]["author_name"] == "Account Name"
    assert created.data["edit_token"] is None
    comment_id = created.data["comment"]["id"]
    with session_scope() as session:
        assert owned_by_user(session, [comment_id], author) == {comment_id}
        assert owned_by_user(session, [comment_id], stranger) == set()
        assert owned_by_user(session, [comment_id], None) == set()
    # another browser of the same account (another visitor id) may edit it; a stranger may not
    edited = run_action(
        "comments.update", {"id": comment_id, "content": "Changed"}, user_ctx(author)
    )
    assert edited.data["content"] == "Changed"
    refused = run_action(
        "comments.update", {"id": comment_id, "content": "Nope"}, user_ctx(stranger)
    )
    assert refused.error is not None and refused.error.code == "FORBIDDEN"


# --------------------------------------------------------------------------- members-only posts

SIGN_IN = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "Sign in to read or comment on members-only posts.",
        "fields": {},
    }
}


def test_signed_out_visitors_can_neither_read_nor_write_a_members_only_posts_comments(database):
    make_post("inside", members_only=True)
    member = user_ctx(make_user())
    assert run_action("comments.create", comment_payload(post_slug="inside"), member).ok
    gone = make_user("gone@example.com")  # a context naming an account that no longer exists
    with session_scope(write=True) as session:
        session.delete(session.get(User, gone))

    for ctx in (visitor_ctx(), user_ctx(None), user_ctx(gone)):
        listing = run_action("comments.list", {"post_slug": "inside"}, ctx)
        assert (listing.status, listing.envelope()) == (401, SIGN_IN)
        created = run_action(
            "comments.create", comment_payload(post_slug="inside", content="Sneaking in"), ctx
        )
        assert (created.status, created.envelope()) == (401, SIGN_IN)
    assert stored(post_slug="inside") == 1
    assert stored(content="Sneaking in") == 0


def test_members_and_admins_read_and_write_a_members_only_posts_comments(database):
    make_post("inside", members_only=True)
    member = make_user("member@example.com", display_name="Member")
    admin = make_user("admin@example.com", role="admin", display_name="Admin")
    for user_id in (member, admin):
        created = run_action(
            "comments.create",
            comment_payload(post_slug="inside", content=f"Hello from {user_id}"),
            user_ctx(user_id),
        )
        assert created.ok, created.envelope()
        assert created.data["edit_token"] is None
    for user_id in (member, admin):
        listing = run_action("comments.list", {"post_slug": "inside"}, user_ctx(user_id))
        assert [(c["author_name"], c["content"]) for c in listing.data["items"]] == [
            ("Member", f"Hello from {member}"),
            ("Admin", f"Hello from {admin}"),
        ]
        assert listing.data["total"] == 2


def test_an_edit_token_does_not_open_a_post_that_turned_members_only(database):
    """A token from while the post was public: signed out it gets 401, and nothing changes."""
    post = make_post("was-public")
    ctx = visitor_ctx()
    mine = create(ctx, post_slug="was-public", content="Written while public").data
    with session_scope(write=True) as session:
        stored_post = session.get(Post, post.id)
        assert stored_post is not None
        stored_post.members_only = True
        session.add(stored_post)

    comment_id, token = mine["comment"]["id"], mine["edit_token"]
    for action, payload in (
        ("comments.update", {"id": comment_id, "content": "Changed", "edit_token": token}),
        ("comments.delete", {"id": comment_id, "edit_token": token}),
    ):
        result = run_action(action, payload, ctx)
        assert (result.status, result.envelope()) == (401, SIGN_IN)
        missing = run_action(action, payload | {"id": comment_id + 1000}, ctx)
        assert missing.envelope() == NOT_FOUND  # not found still comes first
    assert (row(comment_id).content, row(comment_id).is_removed) == ("Written while public", False)


def test_a_public_posts_comments_stay_open_to_signed_out_visitors(database):
    make_post()
    ctx = visitor_ctx()
    mine = create(ctx, content="Open to all").data
    listing = run_action("comments.list", {"post_slug": "hello-world"}, user_ctx(None))
    assert [c["content"] for c in listing.data["items"]] == ["Open to all"]
    edited = run_action(
        "comments.update",
        {"id": mine["comment"]["id"], "content": "Still open", "edit_token": mine["edit_token"]},
        ctx,
    )
    assert edited.ok and edited.data["content"] == "Still open"


def test_an_author_of_zero_width_characters_only_is_refused_and_stores_nothing(database):
    make_post()
    result = create(author="\u200b\u200d\ufeff")
    assert result.envelope() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": INVALID,
            "fields": {"author": ["Name is required."]},
        }
    }
    assert stored() == 0


def readable(slug: str, ctx: ActionContext, page: int | None = 1):
    with session_scope() as session:
        return readable_comments(session, slug, ctx, page=page)


def test_readable_comments_follow_the_list_actions_rule(database):
    """The pages' reader gives exactly what ``comments.list`` gives the same caller, or
    ``None`` where the action answers 401 (signed out, or an account that is gone)."""
    make_post("inside", members_only=True)
    make_post()
    member = make_user(display_name="Member")
    for n in range(3):
        assert run_action(
            "comments.create",
            comment_payload(post_slug="inside", content=f"Inside {n}"),
            user_ctx(member),
        ).ok
    assert create(content="Open to all").ok
    gone = make_user("gone@example.com")
    with session_scope(write=True) as session:
        session.delete(session.get(User, gone))

    for ctx in (visitor_ctx(), user_ctx(None), user_ctx(gone)):
        assert readable("inside", ctx) is None
        assert readable("inside", ctx, page=None) is None
        assert run_action("comments.list", {"post_slug": "inside"}, ctx).status == 401
        opened = readable("hello-world", ctx)
        assert opened is not None and [c.content for c in opened.items] == ["Open to all"]

    for slug in ("inside", "hello-world"):
        shown = readable(slug, user_ctx(member))
        listed = run_action("comments.list", {"post_slug": slug}, user_ctx(member))
        assert shown is not None and shown.model_dump(mode="json") == listed.data
    inside = readable("inside", user_ctx(member), page=None)
    assert inside is not None
    assert ([c.content for c in inside.items], inside.total) == (
        ["Inside 0", "Inside 1", "Inside 2"],
        3,
    )


def test_readable_comments_of_an_unknown_post_are_an_empty_page(database):
    empty = readable("no-such-post", visitor_ctx())
    assert empty is not None
    assert (empty.items, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)
