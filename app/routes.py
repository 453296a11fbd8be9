"""The route table: every page, its title and what loads its data, registered in one loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from app.pages import guestbook, home, post
from state.guestbook import GuestbookState
from state.posts import HomeState, PostState


@dataclass(frozen=True)
class Route:
    path: str
    title: str
    component: Callable[[], rx.Component]
    on_load: list[Any] = field(default_factory=list)


ROUTES: tuple[Route, ...] = (
    Route("/", "Atoll", home.page, [HomeState.load_posts]),
    Route("/blog/[slug]", "Atoll · Blog", post.page, [PostState.load_post]),
    Route("/guestbook", "Atoll · Guestbook", guestbook.page, [GuestbookState.load_entries]),
)
