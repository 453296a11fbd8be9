"""State for the home page and a blog post page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from db.posts import get_post, list_posts
from state.actions import query
from state.format import when
from state.site import SiteState


def _card(post: dict[str, Any]) -> dict[str, str]:
    return {
        "slug": post["slug"],
        "title": post["title"],
        "excerpt_html": post["excerpt_html"],
        "author": post["author_name"],
        "published": when(post["published_at"]),
        "image": post["featured_image_url"] or "",
        "image_alt": post["featured_image_alt"],
    }


class HomeState(SiteState):
    posts: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    async def load_posts(self) -> None:
        posts, _pages = await query(list_posts, page=1)
        self.posts = [_card(p.model_dump(mode="json")) for p in posts]
        self.loaded = True


class PostState(SiteState):
    """The post named by the ``[slug]`` route segment; ``found`` drives the not-found view."""

    post: dict[str, str] = {}
    content_html: str = ""
    found: bool = True
    loaded: bool = False

    @rx.event
    async def load_post(self) -> None:
        slug = str(getattr(self, "slug", "") or "")  # the [slug] route segment
        post = await query(get_post, slug) if slug else None
        self.found = post is not None
        self.post = _card(post.model_dump(mode="json")) if post else {}
        self.content_html = post.content_html if post else ""
        self.loaded = True
