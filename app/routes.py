"""The route table: every page, its title and what loads its data, registered in one loop."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import reflex as rx

from app.pages import (
    account,
    admin,
    author,
    blog,
    contact,
    content,
    guestbook,
    home,
    login,
    members,
    newsletter,
    post,
    preview,
    signup,
)
from components.layout import current_route
from db.core.cache import COMMENTS_TAG, GUESTBOOK_TAG, LISTS_TAG
from db.core.engine import session_scope
from db.posts import renamed_to
from state.accounts import AccountFormState, AccountState
from state.admin import AdminState
from state.comments import CommentState
from state.content import ContentState
from state.guestbook import GuestbookState
from state.likes import LikeState
from state.members import MembersState
from state.newsletter import NewsletterLinkState
from state.posts import BlogState, HomeState, PostState
from state.preview import PreviewState
from state.ratings import RatingState

Render = Literal["public", "private"] | None


@dataclass(frozen=True)
class Route:
    """One page. ``render`` asks for it to be server-rendered with its data
    (:mod:`app.api.pages`): ``public`` pages are the same for every anonymous visitor and
    cached, ``private`` ones are rendered per request and never stored; the others are the
    build's static pages. ``islands`` are the on_mount loaders of its islands, run for the
    server render too; ``cache_tags`` (formatted with the route's parameters) are the
    :func:`db.core.cache.changed` tags that drop the cached page."""

    path: str
    title: Any
    component: Callable[[], rx.Component]
    on_load: list[Any] = field(default_factory=list)
    render: Render = None
    islands: Callable[[dict[str, str]], list[Any]] | None = None
    cache_tags: tuple[str, ...] = ()
    head: Any = None
    """A :class:`state.head.PageHead` state whose vars fill the page's head."""
    moved: Callable[[dict[str, str]], str | None] | None = None
    """Where a page this route can't find went (a renamed post): the new path, answered
    with ``301`` instead of the not-found page; ``None``: nowhere."""
    indexed: bool | None = None
    """Listed in ``/sitemap.xml`` (a static path only). ``None`` follows ``render``: a public
    read page is, a personal one, a form behind a sign-in or an admin's page is not."""

    @property
    def in_sitemap(self) -> bool:
        return "[" not in self.path and (
            self.render == "public" if self.indexed is None else self.indexed
        )

    @property
    def page(self) -> Callable[[], rx.Component]:
        """The page function, building the page knowing its own path (the nav marks it).

        It carries the page module's name (``functools.wraps``): Reflex files a page's
        memoized components under the module that defines its page function, and one shared
        module (this one) would put every page's components, the admin's chart library
        included, into one chunk that every page loads (+170 KiB gzipped on a post).
        """

        @functools.wraps(self.component)
        def build() -> rx.Component:
            with current_route(self.path):
                return self.component()

        return build


def _post_islands(params: dict[str, str]) -> list[Any]:
    slug = params.get("slug", "")
    return [
        LikeState.load_like(slug),
        RatingState.load_rating(slug),
        CommentState.load_comments(slug),
    ]


def _renamed_post(params: dict[str, str]) -> str | None:
    with session_scope() as session:
        slug = renamed_to(session, params.get("slug", ""))
    return f"/blog/{quote(slug, safe='')}" if slug else None


POSTS = (LISTS_TAG,)


ROUTES: tuple[Route, ...] = (
    Route(
        "/", "Atoll", home.page, [HomeState.load_posts], "public", cache_tags=POSTS, head=HomeState
    ),
    Route(
        "/blog",
        BlogState.title,
        blog.page,
        [BlogState.load_blog],
        "public",
        cache_tags=POSTS,
        head=BlogState,
    ),
    Route(
        "/blog/category/[slug]",
        BlogState.title,
        blog.term_page,
        [BlogState.load_category],
        "public",
        cache_tags=POSTS,
        head=BlogState,
    ),
    Route(
        "/blog/tag/[slug]",
        BlogState.title,
        blog.term_page,
        [BlogState.load_tag],
        "public",
        cache_tags=POSTS,
        head=BlogState,
    ),
    Route(
        "/blog/author/[slug]",
        BlogState.title,
        author.page,
        [BlogState.load_author],
        "public",
        cache_tags=POSTS,
        head=BlogState,
    ),
    Route(
        "/blog/[slug]",
        PostState.title,
        post.page,
        [PostState.load_post],
        "public",
        islands=_post_islands,
        moved=_renamed_post,
        cache_tags=(*POSTS, "post:{slug}", COMMENTS_TAG),
        head=PostState,
    ),
    Route(
        "/guestbook",
        "Atoll · Guestbook",
        guestbook.page,
        [GuestbookState.load_entries],
        "public",
        cache_tags=(GUESTBOOK_TAG,),
        head=GuestbookState,
    ),
    Route("/contact", "Atoll · Contact", contact.page, indexed=True),
    Route(
        "/newsletter/confirm/[token]",
        "Atoll · Newsletter",
        newsletter.confirm_page,
        [NewsletterLinkState.load_confirmation],
        "private",
    ),
    Route(
        "/newsletter/unsubscribe/[token]",
        "Atoll · Unsubscribe",
        newsletter.unsubscribe_page,
        [NewsletterLinkState.load_unsubscription],
        "private",
    ),
    Route("/login", "Atoll · Sign in", login.page, [AccountFormState.load_form]),
    Route("/signup", "Atoll · Create an account", signup.page, [AccountFormState.load_form]),
    Route("/account", "Atoll · Your account", account.page, [AccountState.load_account]),
    Route("/members", "Atoll · For members", members.page, [MembersState.load_members], "private"),
    Route("/admin", "Atoll · Admin", admin.page, [AdminState.load_admin]),
    # Reflex's not-found page: a path no route above claims is a WordPress page, a custom
    # type's list or item (db/content.py), or else not found (404).
    Route(
        "/404",
        ContentState.title,
        content.page,
        [ContentState.load_content],
        "public",
        cache_tags=POSTS,
        head=ContentState,
        indexed=False,
    ),
    # WordPress's "Preview" (the plugin's signed link): one editor's, never cached or indexed.
    Route(
        "/preview/[wp_id]",
        "Atoll · Preview",
        preview.page,
        [PreviewState.load_preview],
        "private",
    ),
)
