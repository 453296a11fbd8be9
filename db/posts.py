"""Reading posts for pages. Posts are written only by the WordPress sync and the seed."""

from __future__ import annotations

import math

from sqlmodel import Session, col, func, select

from db.errors import ActionError, ErrorCode
from db.models import Author, Post, PostPublic

POST_NOT_FOUND = "Post not found."
PER_PAGE = 10


def _public(post: Post, author: Author | None, *, with_content: bool) -> PostPublic:
    return PostPublic.model_validate(
        post,
        update={
            "author_name": author.name if author else "",
            "content_html": post.content_html if with_content else "",
        },
    )


def _published():
    return select(Post, Author).join(Author, isouter=True).where(Post.status == "publish")


def list_posts(session: Session, *, page: int = 1, per_page: int = PER_PAGE) -> tuple[list[PostPublic], int]:
    """Published posts newest first, one page of them, and the number of pages."""
    total = session.exec(select(func.count()).select_from(Post).where(Post.status == "publish")).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.exec(
        _published()
        .order_by(col(Post.published_at).desc(), col(Post.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [_public(p, a, with_content=False) for p, a in rows], pages


def get_post(session: Session, slug: str, *, viewer_is_member: bool = False) -> PostPublic | None:
    """A published post by slug; a members-only post's content only for members."""
    row = session.exec(_published().where(Post.slug == slug)).first()
    if row is None:
        return None
    post, author = row
    return _public(post, author, with_content=viewer_is_member or not post.members_only)


def require_published(session: Session, slug: str) -> None:
    """NOT_FOUND unless ``slug`` names a published post (visitors can't like a phantom)."""
    found = session.exec(
        select(Post.id).where(Post.slug == slug, Post.status == "publish")
    ).first()
    if found is None:
        raise ActionError(ErrorCode.NOT_FOUND, POST_NOT_FOUND, {"post_slug": [POST_NOT_FOUND]})
