"""The ``/members`` index: cards for the posts only members can read."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from components.layout import loading
from components.posts import post_card
from state.members import MembersState as S


def _card(post: ObjectVar[dict[str, str]]) -> rx.Component:
    return post_card(post, image=False, class_name="member-post-card")


def member_posts() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.cond(
            S.posts.length() > 0,
            rx.vstack(rx.foreach(S.posts, _card), width="100%", spacing="4"),
            rx.text("No members-only posts yet.", id="no-member-posts"),
        ),
        loading(),
    )
