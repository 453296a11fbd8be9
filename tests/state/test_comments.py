"""state/comments.py: a post's comments, the new-comment form, and editing and deleting
one's own comments (by this browser's edit token or by the signed-in account)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import update

from db.comments import MEMBERS_ONLY, NOT_YOURS, PER_PAGE, TOKEN_EXPIRED
from db.core.engine import session_scope
from db.core.errors import INVALID_INPUT
from db.core.types import utcnow
from db.models import Comment
from state.comments import CommentEditState, CommentState
from tests.db.test_comments import COMMENT_RULES, DROP
from tests.factories import comment_payload, make_post, make_user
from tests.state.conftest import Live, Outage, Tab, drive, focus

pytestmark = pytest.mark.anyio

SLUG = "hello-world"
POSTED = "Thanks! Your comment is posted."
UPDATED = "Your comment is updated."
DELETED = "Your comment is deleted."

CREATE_RULES = [
    (change, fields) for action, change, fields in COMMENT_RULES if action == "comments.create"
]
EDIT_RULES = [
    (change["content"], fields)
    for action, change, fields in COMMENT_RULES
    if action == "comments.update" and set(change) == {"content"} and change["content"] is not DROP
]


def form(state: CommentState | CommentEditState) -> tuple[bool, dict[str, list[str]], str]:
    return state.pending, state.field_errors, state.form_error


def shown(state: CommentState) -> list[tuple[str, str, str]]:
    """(author, text, "edited" or "") of each comment on the page, oldest first."""
    return [(c["author"], c["content"], c["edited"]) for c in state.comments]


async def open_post(tab: Tab, slug: str = SLUG) -> CommentState:
    tab.open("/blog/[slug]", slug=slug)
    state = await tab.state(CommentState)
    await drive(state.load_comments(slug))
    return state


async def post_comment(tab: Tab, **changes: str) -> str:
    """Comment from ``tab`` and return the new comment's id."""
    state = await tab.state(CommentState)
    before = {c["id"] for c in state.comments}
    outcome = await drive(state.submit_comment(comment_payload(**changes)))
    assert outcome.toasts == [("success", POSTED)], state.form_error
    [new] = [c["id"] for c in state.comments if c["id"] not in before]
    return new


async def test_loading_shows_the_posts_comments_and_follows_them(tab: Tab, live_updates: Live):
    make_post(SLUG)
    writer = Tab()
    await open_post(writer)
    await post_comment(writer, author="Grace Hopper", content="First!")
    await post_comment(writer, content="Second")
    state = await open_post(tab)
    assert shown(state) == [("Grace Hopper", "First!", ""), ("Ada Lovelace", "Second", "")]
    assert (state.page, state.pages, state.total, state.loaded, state.locked) == (
        1,
        1,
        2,
        True,
        False,
    )
    assert state.own == []  # another browser's comments
    assert (f"comments:{SLUG}", tab.token) in live_updates.subscriptions


async def test_posting_shows_pending_then_the_comment_as_editable(tab: Tab, live_updates: Live):
    make_post(SLUG)
    state = await open_post(tab)
    outcome = await drive(state.submit_comment(comment_payload()), lambda: form(state))
    assert outcome.seen == [(True, {}, ""), (False, {}, "")]
    assert (outcome.toasts, outcome.resets) == ([("success", POSTED)], ["comment-form"])
    assert shown(state) == [("Ada Lovelace", "Great post!", "")]
    assert state.own == [state.comments[0]["id"]]  # this browser holds its edit token
    assert live_updates.topics == [f"comments:{SLUG}"]
    watcher = Tab()
    watching = await open_post(watcher)
    await drive(state.submit_comment(comment_payload(content="And another")))
    await live_updates.deliver(watcher)
    assert shown(watching) == [
        ("Ada Lovelace", "Great post!", ""),
        ("Ada Lovelace", "And another", ""),
    ]
    assert watching.own == []


async def test_a_new_comment_lands_on_the_last_page(tab: Tab):
    make_post(SLUG)
    with session_scope(write=True) as session:
        for n in range(PER_PAGE):
            session.add(Comment(post_slug=SLUG, author_name=f"Reader {n}", content=f"Comment {n}"))
    state = await open_post(tab)
    assert (state.page, state.pages, len(state.comments)) == (1, 1, PER_PAGE)
    await post_comment(tab, content="Over the page")
    assert (state.page, state.pages, state.total) == (2, 2, PER_PAGE + 1)
    assert shown(state) == [("Ada Lovelace", "Over the page", "")]
    await drive(state.load_page(1))
    assert (state.page, len(state.comments)) == (1, PER_PAGE)


@pytest.mark.parametrize(("change", "fields"), CREATE_RULES)
async def test_each_bad_field_is_shown_with_its_message(
    tab: Tab, live_updates: Live, change, fields
):
    make_post(SLUG)
    state = await open_post(tab)
    payload = {k: v for k, v in (comment_payload() | change).items() if v is not DROP}
    outcome = await drive(state.submit_comment(payload), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus(f"comment-form-{next(iter(fields))}")[1]]
    assert (outcome.toasts, outcome.resets, state.comments, live_updates.topics) == ([], [], [], [])


async def test_without_the_database_the_form_says_so(tab: Tab, outage: Outage, live_updates: Live):
    make_post(SLUG)
    state = await open_post(tab)
    with outage:
        outcome = await drive(state.submit_comment(comment_payload()), lambda: form(state))
    assert outcome.seen[0] == (True, {}, "")
    assert form(state) == (False, {}, outage.message)
    assert (outcome.toasts, outcome.resets) == ([("error", outage.message)], [])
    assert (state.comments, state.own, live_updates.topics) == ([], [], [])


async def test_a_signed_in_member_without_the_database_gets_the_same_answer(outage: Outage):
    make_post(SLUG)
    tab = Tab(user_id=make_user())
    state = await open_post(tab)
    with outage:
        await drive(state.submit_comment(comment_payload()))
    assert form(state) == (False, {}, outage.message)


async def test_editing_ones_own_comment(tab: Tab, live_updates: Live):
    make_post(SLUG)
    comments = await open_post(tab)
    cid = await post_comment(tab)
    edit = await tab.state(CommentEditState)
    outcome = await drive(edit.toggle_edit(cid))
    assert (edit.editing, outcome.focused) == (cid, [focus("comment-edit-content")[1]])
    outcome = await drive(edit.submit_edit({"content": "Better words"}), lambda: form(edit))
    assert outcome.seen == [(True, {}, ""), (False, {}, "")]
    assert outcome.toasts == [("success", UPDATED)]
    assert edit.editing == ""
    assert shown(comments) == [("Ada Lovelace", "Better words", "edited")]
    assert live_updates.topics == [f"comments:{SLUG}", f"comments:{SLUG}"]


async def test_toggling_edit_again_closes_the_form_and_clears_its_errors(tab: Tab):
    make_post(SLUG)
    await open_post(tab)
    cid = await post_comment(tab)
    edit = await tab.state(CommentEditState)
    await drive(edit.toggle_edit(cid))
    await drive(edit.submit_edit({"content": ""}))
    assert form(edit) == (False, {"content": ["Comment is required."]}, INVALID_INPUT)
    outcome = await drive(edit.toggle_edit(cid))
    assert (edit.editing, form(edit), outcome.events) == ("", (False, {}, ""), [])


@pytest.mark.parametrize(("content", "fields"), EDIT_RULES)
async def test_each_bad_edit_is_shown_with_its_message(tab: Tab, content, fields):
    make_post(SLUG)
    comments = await open_post(tab)
    cid = await post_comment(tab)
    edit = await tab.state(CommentEditState)
    await drive(edit.toggle_edit(cid))
    outcome = await drive(edit.submit_edit({"content": content}))
    assert form(edit) == (False, fields, INVALID_INPUT)
    assert outcome.focused == [focus("comment-edit-content")[1]]
    assert edit.editing == cid  # still open, to correct
    assert shown(comments) == [("Ada Lovelace", "Great post!", "")]


async def test_another_browser_cannot_edit_or_delete_a_comment(tab: Tab):
    make_post(SLUG)
    author = Tab()
    await open_post(author)
    cid = await post_comment(author)
    comments = await open_post(tab)
    edit = await tab.state(CommentEditState)
    await drive(edit.toggle_edit(cid))
    outcome = await drive(edit.submit_edit({"content": "Hijacked"}))
    assert outcome.toasts == [("error", NOT_YOURS)]
    assert form(edit) == (False, {}, NOT_YOURS)
    await drive(edit.delete_comment(cid))
    outcome = await drive(edit.delete_comment(cid))
    assert outcome.toasts == [("error", NOT_YOURS)]
    await drive(comments.load_comments(SLUG))
    assert shown(comments) == [("Ada Lovelace", "Great post!", "")]


async def test_deleting_asks_first_then_removes_the_comment(tab: Tab, live_updates: Live):
    make_post(SLUG)
    comments = await open_post(tab)
    cid = await post_comment(tab)
    edit = await tab.state(CommentEditState)
    outcome = await drive(edit.delete_comment(cid))
    assert (edit.confirming, outcome.events, len(comments.comments)) == (cid, [], 1)
    outcome = await drive(edit.delete_comment(cid), lambda: edit.pending)
    assert outcome.seen == [True, False]
    assert outcome.toasts == [("success", DELETED)]
    assert (edit.confirming, comments.comments, comments.own) == ("", [], [])
    assert comments.tokens == "{}"  # the spent token is forgotten
    assert live_updates.topics == [f"comments:{SLUG}", f"comments:{SLUG}"]


async def test_an_expired_edit_token_is_forgotten(tab: Tab):
    make_post(SLUG)
    comments = await open_post(tab)
    cid = await post_comment(tab)
    with session_scope(write=True) as session:
        session.exec(update(Comment).values(edit_token_expires_at=utcnow() - timedelta(seconds=1)))
    edit = await tab.state(CommentEditState)
    await drive(edit.toggle_edit(cid))
    outcome = await drive(edit.submit_edit({"content": "Too late"}))
    assert outcome.toasts == [("error", TOKEN_EXPIRED)]
    assert (edit.editing, comments.tokens) == ("", "{}")
    await drive(comments.load_comments(SLUG))
    assert (shown(comments), comments.own) == ([("Ada Lovelace", "Great post!", "")], [])


async def test_a_members_account_edits_its_comments_without_a_token(database: str):
    make_post(SLUG)
    tab = Tab(user_id=make_user(display_name="Member"))
    comments = await open_post(tab)
    cid = await post_comment(tab)
    assert (comments.own, comments.tokens) == ([cid], "{}")
    edit = await tab.state(CommentEditState)
    await drive(edit.toggle_edit(cid))
    outcome = await drive(edit.submit_edit({"content": "Signed and edited"}))
    assert outcome.toasts == [("success", UPDATED)]
    assert shown(comments)[0][1:] == ("Signed and edited", "edited")


async def test_a_members_name_starts_in_the_form_and_a_visitors_does_not(database: str):
    make_post(SLUG)
    tab = Tab()
    comments = await open_post(tab)
    assert comments.author_name == ""
    tab.sign_in(make_user(display_name="Grace Hopper"))
    await drive(comments.load_comments(SLUG))
    assert comments.author_name == "Grace Hopper"
    tab.sign_out()
    await drive(comments.load_page(1))
    assert comments.author_name == ""


async def test_a_members_only_post_is_locked_until_the_visitor_signs_in(database: str):
    make_post(SLUG, members_only=True)
    member = Tab(user_id=make_user())
    await open_post(member)
    await post_comment(member, content="For members")
    visitor = Tab()
    state = await open_post(visitor)
    assert (state.locked, state.comments, state.total, state.loaded) == (True, [], 0, True)
    outcome = await drive(state.submit_comment(comment_payload(content="Let me in")))
    assert form(state) == (False, {}, MEMBERS_ONLY)
    assert outcome.toasts == [("error", MEMBERS_ONLY)]
    visitor.sign_in(make_user("other@example.com"))
    await drive(state.load_comments(SLUG))
    assert (state.locked, shown(state)) == (False, [("Member", "For members", "")])


async def test_a_tab_signed_out_elsewhere_is_locked_by_the_next_live_update(
    database: str, live_updates: Live
):
    make_post(SLUG, members_only=True)
    writer = Tab(user_id=make_user())
    await open_post(writer)
    reader = Tab(user_id=make_user("reader@example.com", display_name="Reader"))
    reading = await open_post(reader)
    reader.sign_out()
    await post_comment(writer, content="Members only")
    await live_updates.deliver(reader)
    assert (reading.locked, reading.comments) == (True, [])
