"""The comment section's state: one post's comments, the new-comment form, edit and delete.

A members-only post's comments reach a tab only while its session cookie is signed in: the
tab reads them through :func:`db.comments.readable_comments` (the ``comments.list`` rule),
and a live refresh checks the tab again before handing it a page, so a tab whose session
ended elsewhere, or whose post turned members-only, is locked rather than updated.

Anonymous authors' edit tokens live in this browser's localStorage (``tokens``), keyed
by comment id; that var only ever holds tokens this browser was given, so sending it to
the browser reveals nothing new. The database keeps just their hashes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import reflex as rx

from db.comments import comment_pages, owned_by_user, readable_comments
from db.core.errors import ErrorCode
from db.core.types import utcnow
from db.models import CommentPage, CommentPublic
from db.posts import is_members_only
from state import live
from state.actions import FormMixin, feedback, perform, query
from state.checks import typed
from state.format import iso
from state.site import SiteState

FORM_ID = "comment-form"
EDIT_FORM_ID = "comment-edit"
TOKENS_KEY = "atoll_comment_tokens"


def _topic(slug: str) -> str:
    return f"comments:{slug}"


def _view(comment: CommentPublic) -> dict[str, str]:
    return {
        "id": str(comment.id),
        "author": comment.author_name,
        "content": comment.content,
        "created": iso(comment.created_at),
        "edited": "edited" if comment.edited else "",
    }


def _parse_tokens(raw: str) -> dict[str, dict[str, str]]:
    """This browser's ``{comment id: {"token", "expires"}}``; junk in storage reads as none."""
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):  # local storage is the browser's: it may hold anything
        return {}
    if not isinstance(value, dict):
        return {}
    return {
        str(k): v
        for k, v in value.items()
        if isinstance(v, dict) and all(isinstance(v.get(f), str) for f in ("token", "expires"))
    }


def _live(entry: dict[str, str], now: datetime) -> bool:
    try:
        return datetime.fromisoformat(entry["expires"]) > now
    except (ValueError, TypeError):  # hand-edited storage: treat as expired
        return False


class CommentState(FormMixin, SiteState):
    """The list of one post's comments and the form to add one."""

    post_slug: rx.Field[str] = rx.field("")
    comments: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    page: rx.Field[int] = rx.field(1)
    pages: rx.Field[int] = rx.field(1)
    total: rx.Field[int] = rx.field(0)
    loaded: rx.Field[bool] = rx.field(False)
    # members-only post, not signed in: no comments, a sign-in notice
    locked: rx.Field[bool] = rx.field(False)
    tokens: str = rx.LocalStorage("{}", name=TOKENS_KEY, sync=True)
    # ids on this page the signed-in user wrote
    account_owned: rx.Field[list[str]] = rx.field(default_factory=list)
    # the signed-in member's display name, which the form's name field starts with
    author_name: rx.Field[str] = rx.field("")

    @rx.var
    def own(self) -> list[str]:
        """Ids of comments this browser may edit: by a live edit token or by the account."""
        now = utcnow()
        by_token = [k for k, v in _parse_tokens(self.tokens).items() if _live(v, now)]
        return sorted(set(by_token) | set(self.account_owned))

    @rx.event
    @typed
    async def load_comments(self, post_slug: str) -> AsyncIterator[Any]:
        """Show the post's comments (after a loading state if the post changed); follow it live.

        A tab locked out of a members-only post does not follow it.
        """
        if self.post_slug and post_slug != self.post_slug:
            # Another post in the same tab: clear the old one's comments while loading. A
            # first load goes straight to the comments, so a server-rendered page that
            # already shows them never flashes "Loading…" when the tab connects.
            self.post_slug, self.page, self.loaded, self.comments = post_slug, 1, False, []
            yield
        self.post_slug = post_slug
        now = utcnow()
        self._store_tokens({k: v for k, v in _parse_tokens(self.tokens).items() if _live(v, now)})
        await self._fetch(self.page)
        if not self.locked:
            live.subscribe(_topic(post_slug), self._client_token())

    @rx.event
    @typed
    async def load_page(self, page: int) -> None:
        """Move to another page of comments (the pagination controls)."""
        await self._fetch(int(page))

    async def _fetch(self, page: int | None) -> None:
        user = await self._current_user()
        self.author_name = user.display_name if user else ""
        listing = await query(readable_comments, self.post_slug, self._action_context(), page=page)
        if listing is None:
            self._lock()
            return
        self._show(listing)
        ids = [c.id for c in listing.items]
        owned = await query(owned_by_user, ids, user.id) if user else set()
        self.account_owned = [str(i) for i in sorted(owned)]

    def _show(self, listing: CommentPage) -> None:
        self.page, self.pages, self.total = listing.page, listing.pages, listing.total
        self.comments = [_view(c) for c in listing.items]
        self.loaded, self.locked = True, False

    def _lock(self) -> None:
        """Show no comments at all, only the sign-in notice."""
        self.page, self.pages, self.total = 1, 1, 0
        self.comments, self.account_owned = [], []
        self.loaded, self.locked = True, True

    def _store_tokens(self, tokens: dict[str, dict[str, str]]) -> None:
        raw = json.dumps(tokens, separators=(",", ":"), sort_keys=True)
        if raw != self.tokens:
            self.tokens = raw

    def _token(self, comment_id: str) -> str | None:
        return _parse_tokens(self.tokens).get(comment_id, {}).get("token")

    def _forget(self, comment_id: str) -> None:
        tokens = _parse_tokens(self.tokens)
        tokens.pop(comment_id, None)
        self._store_tokens(tokens)

    async def _changed(self, page: int | None) -> None:
        """After a write: show ``page`` here, then refresh every other tab on this post."""
        await self._fetch(page)
        slug = self.post_slug
        live.publish(
            _topic(slug),
            CommentState,
            lambda: _snapshot(slug),
            lambda st, snapshot: _refresh(st, slug, snapshot),
        )

    @rx.event
    @typed
    async def submit_comment(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        """Post a comment; it shows at once here (on the last page) and live in other tabs."""
        self.pending = True
        yield
        result = await perform(self, "comments.create", form_data)
        if result.ok:
            if result.data["edit_token"]:
                tokens = _parse_tokens(self.tokens)
                tokens[str(result.data["comment"]["id"])] = {
                    "token": result.data["edit_token"],
                    "expires": result.data["edit_token_expires_at"],
                }
                self._store_tokens(tokens)
            await self._changed(None)
        yield feedback(result, form_id=FORM_ID, success="Thanks! Your comment is posted.")


async def _snapshot(slug: str) -> tuple[bool, list[CommentPage]]:
    """What one live round hands out: whether the post is members-only, and every page."""
    return await query(is_members_only, slug), await query(comment_pages, slug)


async def _refresh(
    state: CommentState, slug: str, snapshot: tuple[bool, list[CommentPage]]
) -> None:
    """Give a subscribed tab the page it is looking at (the last one if its page is gone).

    On a members-only post the tab's session is checked first, as ``comments.list`` would
    check it: a tab that is no longer signed in is locked instead.
    """
    members_only, pages = snapshot
    if state.post_slug != slug or not state.loaded or state.locked:
        return
    if members_only and await state._current_user() is None:
        state._lock()
        return
    state._show(pages[min(state.page, len(pages)) - 1])


class CommentEditState(FormMixin, SiteState):
    """The inline edit form and the two-step delete on the visitor's own comments."""

    editing: rx.Field[str] = rx.field("")
    confirming: rx.Field[str] = rx.field("")

    @rx.event
    @typed
    def toggle_edit(self, comment_id: str) -> Any:
        """Open the edit form on a comment (focusing its text), or close it if already open."""
        self.editing = "" if self.editing == comment_id else comment_id
        self.confirming, self.field_errors, self.form_error = "", {}, ""
        return rx.set_focus(f"{EDIT_FORM_ID}-content") if self.editing else None

    @rx.event
    @typed
    async def submit_edit(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        """Save the new text with this browser's edit token; other tabs see the change live."""
        self.pending = True
        yield
        comments = await self.get_state(CommentState)
        comment_id = self.editing
        result = await perform(
            self,
            "comments.update",
            {
                "id": comment_id,
                "content": form_data.get("content", ""),
                "edit_token": comments._token(comment_id),
            },
        )
        if result.ok:
            self.editing = ""
            await comments._changed(comments.page)
        elif result.error is not None and result.error.code is ErrorCode.GONE:  # expired token
            comments._forget(comment_id)
            self.editing = ""
        yield feedback(result, form_id=EDIT_FORM_ID, success="Your comment is updated.")

    @rx.event
    @typed
    async def delete_comment(self, comment_id: str) -> AsyncIterator[Any]:
        """First press asks for confirmation; the second removes the comment everywhere."""
        if self.confirming != comment_id:
            self.confirming = comment_id
            return
        self.pending = True
        yield
        comments = await self.get_state(CommentState)
        result = await perform(
            self,
            "comments.delete",
            {
                "id": comment_id,
                "edit_token": comments._token(comment_id),
            },
        )
        self.confirming = ""
        if result.ok or (result.error is not None and result.error.code is ErrorCode.GONE):
            comments._forget(comment_id)
        if result.ok:
            await comments._changed(comments.page)
            yield rx.toast.success("Your comment is deleted.")
        elif result.error is not None:
            yield rx.toast.error(result.error.message)
