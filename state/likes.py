"""The like button's state: totals and this visitor's likes, per post slug."""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.likes import count_likes, like_status
from state import live
from state.actions import perform, query
from state.checks import typed
from state.site import SiteState


def _topic(slug: str) -> str:
    return f"likes:{slug}"


class LikeState(SiteState):
    """Keyed by slug so one page can show several like buttons."""

    counts: rx.Field[dict[str, int]] = rx.field(default_factory=dict)
    liked: rx.Field[dict[str, bool]] = rx.field(default_factory=dict)

    @rx.event
    @typed
    async def load_like(self, post_slug: str) -> None:
        """Fetch the total and this visitor's like, and follow the post's live count."""
        status = await query(like_status, post_slug, self._ensure_visitor())
        self.counts[post_slug] = status.likes
        self.liked[post_slug] = status.liked
        live.subscribe(_topic(post_slug), self._client_token())

    @rx.event
    @typed
    async def toggle_like(self, post_slug: str) -> Any:
        """Like or unlike; every tab showing the post then gets the committed total."""
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
