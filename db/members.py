"""Members-only posts: listed to signed-in accounts, never to visitors.

The post pages themselves go through :func:`db.posts.get_post` with ``viewer_is_member``;
this module answers ``/members``, the index of what signing up unlocks.
"""

from __future__ import annotations

import math

from sqlmodel import Session, col, func, select

from db.actions import ActionContext
from db.models import Author, Post, PostPublic
from db.users import require_user

PER_PAGE = 10


def _members_only():
    return (
        select(Post, Author)
        .join(Author, isouter=True)
        .where(Post.status == "publish", col(Post.members_only).is_(True))
    )


def list_member_posts(
    session: Session, ctx: ActionContext, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[PostPublic], int]:
    """Published members-only posts newest first (cards: no content), and the page count.

    Raises:
        ActionError: UNAUTHORIZED when ``ctx`` is not signed in.
    """
    require_user(session, ctx)
    total = session.exec(select(func.count()).select_from(_members_only().subquery())).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.exec(
        _members_only()
        .order_by(col(Post.published_at).desc(), col(Post.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    cards = [
        PostPublic.model_validate(p, update={"author_name": a.name if a else "", "content_html": ""})
        for p, a in rows
    ]
    return cards, pages
