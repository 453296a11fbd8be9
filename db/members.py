"""Members-only posts: listed to signed-in accounts, never to visitors.

The post pages themselves go through :func:`db.posts.get_post` with ``viewer_is_member``;
this module answers ``/members``, the index of what signing up unlocks.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.accounts import require_user
from db.core.actions import ActionContext
from db.core.pagination import Page, paginate
from db.models import Author, Post, PostPublic
from db.posts import post_card

PER_PAGE = 10


def _members_only():
    return (
        select(Post, Author)
        .join(Author, isouter=True)
        .where(Post.status == "publish", col(Post.members_only).is_(True))
    )


def list_member_posts(
    session: Session, ctx: ActionContext, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[PostPublic]:
    """Published members-only posts newest first, as cards (no content).

    Raises:
        ActionError: UNAUTHORIZED when ``ctx`` is not signed in.
    """
    require_user(session, ctx)
    query = _members_only().order_by(col(Post.published_at).desc(), col(Post.id).desc())
    return paginate(session, query, page=page, per_page=per_page, view=post_card)
