"""The route table: every page, its title and what loads its data, registered in one loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from app.pages import (
    account,
    admin,
    blog,
    contact,
    guestbook,
    home,
    login,
    members,
    newsletter,
    post,
    signup,
)
from state.admin import AdminState
from state.auth import AuthFormState, AuthState
from state.guestbook import GuestbookState
from state.members import MembersState
from state.newsletter import NewsletterLinkState
from state.posts import BlogState, HomeState, PostState


@dataclass(frozen=True)
class Route:
    path: str
    title: str
    component: Callable[[], rx.Component]
    on_load: list[Any] = field(default_factory=list)


ROUTES: tuple[Route, ...] = (
    Route("/", "Atoll", home.page, [HomeState.load_posts]),
    Route("/blog", "Atoll · Blog", blog.page, [BlogState.load_blog]),
    Route("/blog/category/[slug]", "Atoll · Category", blog.term_page, [BlogState.load_category]),
    Route("/blog/tag/[slug]", "Atoll · Tag", blog.term_page, [BlogState.load_tag]),
    Route("/blog/[slug]", "Atoll · Blog", post.page, [PostState.load_post]),
    Route("/guestbook", "Atoll · Guestbook", guestbook.page, [GuestbookState.load_entries]),
    Route("/contact", "Atoll · Contact", contact.page),
    Route("/newsletter/confirm/[token]", "Atoll · Newsletter", newsletter.confirm_page,
          [NewsletterLinkState.load_confirmation]),
    Route("/newsletter/unsubscribe/[token]", "Atoll · Unsubscribe", newsletter.unsubscribe_page,
          [NewsletterLinkState.load_unsubscription]),
    Route("/login", "Atoll · Sign in", login.page, [AuthFormState.load_form]),
    Route("/signup", "Atoll · Create an account", signup.page, [AuthFormState.load_form]),
    Route("/account", "Atoll · Your account", account.page, [AuthState.load_account]),
    Route("/members", "Atoll · For members", members.page, [MembersState.load_members]),
    Route("/admin", "Atoll · Admin", admin.page, [AdminState.load_admin]),
)
