"""``/members``: the members-only posts, or a trip to the sign-in page and back."""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.members import list_member_posts
from state.accounts import login_url
from state.actions import query
from state.format import iso
from state.site import SiteState


class MembersState(SiteState):
    posts: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load_members(self) -> Any:
        """Signed out: redirect to sign in (nothing about the posts is sent). Else list them."""
        if await self._current_user() is None:
            self.posts, self.loaded = [], False
            return rx.redirect(login_url("/members"))
        listing = await query(list_member_posts, self._action_context())
        self.posts = [
            {
                "slug": p.slug,
                "title": p.title,
                "excerpt_html": p.excerpt_html,
                "author": p.author_name,
                "published": iso(p.published_at),
            }
            for p in listing.items
        ]
        self.loaded = True
        return None
