"""The like button's state: totals and this visitor's likes, per post slug.

Two live topics per post: its total, which every tab showing the post follows, and this
visitor's own like, which only the tabs with the same visitor cookie follow, so a like in
one tab fills the heart in the visitor's other tabs and in no one else's.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.likes import count_likes, like_status
from db.models import LikePublic
from state import live
from state.actions import perform, query
from state.checks import typed
from state.site import SiteState


def _topic(slug: str) -> str:
    return f"likes:{slug}"


def _mine_topic(slug: str, visitor_id: str) -> str:
    """The topic of one visitor's like on one post (the visitor's tabs subscribe to it)."""
    return f"likes:{slug}:visitor:{visitor_id}"


def _show_mine(state: LikeState, slug: str, visitor_id: str, status: LikePublic) -> None:
    """Fill or empty the heart in a tab of ``visitor_id`` (a tab whose cookie has changed
    since it subscribed belongs to someone else now, and is left alone)."""
    if state.visitor_id == visitor_id:
        state.liked[slug] = status.liked


class LikeState(SiteState):
    """Keyed by slug so one page can show several like buttons."""

    counts: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    liked: rx.Field[dict[str, bool]] = rx.field(default_factory=dict)

    @rx.event
    @typed
    async def load_like(self, post_slug: str) -> None:
        """Fetch the total and this visitor's like, and follow the post's live count."""
        visitor = self._ensure_visitor()
        status = await query(like_status, post_slug, visitor)
        self.counts[post_slug] = status.likes
        self.liked[post_slug] = status.liked
        live.subscribe(_topic(post_slug), self._client_token())
        live.subscribe(_mine_topic(post_slug, visitor), self._client_token())

    @rx.event
    @typed
    async def toggle_like(self, post_slug: str) -> Any:
        """Like or unlike; every tab showing the post then gets the committed total, and this
        visitor's other tabs the heart."""
        result = await perform(
            self,
            "likes.toggle",
            {
                "post_slug": post_slug,
                "liked": not self.liked.get(post_slug, False),
            },
        )
        if result.error is not None:
            return rx.toast.error(result.error.message)
        self.counts[post_slug] = result.data["likes"]
        self.liked[post_slug] = result.data["liked"]
        live.subscribe(_topic(post_slug), self._client_token())
        live.publish(
            _topic(post_slug),
            LikeState,
            lambda: query(count_likes, post_slug),
            lambda st, likes: st.counts.__setitem__(post_slug, likes),
        )
        visitor = self._ensure_visitor()
        live.subscribe(_mine_topic(post_slug, visitor), self._client_token())
        live.publish(
            _mine_topic(post_slug, visitor),
            LikeState,
            lambda: query(like_status, post_slug, visitor),
            lambda st, status: _show_mine(st, post_slug, visitor, status),
        )
